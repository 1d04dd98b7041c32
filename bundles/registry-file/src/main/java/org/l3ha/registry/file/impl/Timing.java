package org.l3ha.registry.file.impl;

import java.time.Duration;

/**
 * The watcher's intervals; tests shorten them.
 *
 * @param poll how often a missing directory is looked for, and how often the watched directory's
 *        identity is checked (a deleted-and-recreated or renamed directory)
 * @param rescan safety-net full rescan interval (only files whose size, mtime or inode changed are parsed)
 * @param settle quiet time that ends a burst of watch events before the batch is reloaded
 * @param stopWait longest wait for the watcher thread on deactivation
 */
record Timing(Duration poll, Duration rescan, Duration settle, Duration stopWait) {

    static final Timing DEFAULT = new Timing(Duration.ofSeconds(2), Duration.ofSeconds(60),
            Duration.ofMillis(100), Duration.ofSeconds(5));

    /** Longest time a burst of events may delay its reload. */
    Duration settleMax() {
        return settle.multipliedBy(10);
    }
}
