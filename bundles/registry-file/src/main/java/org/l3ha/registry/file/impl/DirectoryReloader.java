package org.l3ha.registry.file.impl;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.common.LogText;

/**
 * Keeps the registry's {@link Snapshot} in step with the current routers directory: owns that
 * directory's {@link RouterFiles} and {@link DirectoryWatcher}, reloads on the watcher's calls,
 * switches to another directory, publishes each new snapshot in one volatile write and tells the
 * {@link RegistryListeners} which router ids changed (outside its lock). Counts reloads, rescans
 * and parsed documents.
 *
 * <p>Thread-safe: the files and the watcher are used under one lock; readers read the snapshot
 * without it. A watcher that was replaced or stopped is ignored: its calls change nothing.
 */
final class DirectoryReloader {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryReloader.class);
    private static final BooleanSupplier NEVER = () -> false;

    private final Timing timing;
    private final RegistryListeners listeners;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong rescans = new AtomicLong();
    private final AtomicLong parsed = new AtomicLong();
    private final DirectoryWatcher.Callback callback = new DirectoryWatcher.Callback() {
        @Override
        public void filesChanged(DirectoryWatcher source, Set<String> names) {
            onFilesChanged(source, names);
        }

        @Override
        public void rescan(DirectoryWatcher source, String reason) {
            onRescan(source, reason);
        }
    };

    /* readers: one volatile read, never a lock */
    private volatile Snapshot snapshot;

    private final Object lock = new Object();
    /* guarded by lock */
    private RouterFiles files;
    private DirectoryWatcher watcher;
    private boolean closed;

    DirectoryReloader(Timing timing, RegistryListeners listeners) {
        this.timing = timing;
        this.listeners = listeners;
    }

    /** @return the snapshot published now */
    Snapshot snapshot() {
        return snapshot;
    }

    /**
     * Loads {@code dir} for the first time (listeners are not told: nothing was published before).
     * Call once, before any other method but {@link #snapshot()}.
     *
     * @return the directory's watcher, not started: start it once the activation is logged
     */
    DirectoryWatcher activate(Path dir) {
        snapshot = Snapshot.empty(dir);
        synchronized (lock) {
            load(dir);
            return watcher;
        }
    }

    /**
     * Makes dir the current directory: opens the watch first, then scans, so that nothing written
     * in between is missed; publishes; leaves the new watcher (not started) in the field.
     * Caller holds lock.
     */
    private Reload load(Path dir) {
        DirectoryWatcher w = new DirectoryWatcher(dir, timing, callback);
        RouterFiles f = new RouterFiles(dir, parsed);
        w.open();
        f.scan(NEVER);
        rescans.incrementAndGet();
        Reload r = f.publish(snapshot, true);
        files = f;
        watcher = w;
        publish(r);
        return r;
    }

    /**
     * Switches to {@code dir} unless it is the current directory or this is closed: stops the
     * current watcher, loads {@code dir}, starts its watcher and tells the listeners every router
     * id that differs from the previous directory's.
     */
    void switchTo(Path dir) {
        DirectoryWatcher old;
        synchronized (lock) {
            if (closed || dir.equals(files.dir())) {
                LOG.debug("Configuration changed, routers_dir {} unchanged", LogText.path(dir));
                return;
            }
            old = watcher;
            watcher = null;   // its callbacks are ignored from now on
        }
        // outside the lock: the old thread may be waiting for it to finish a reload
        if (old != null) {
            old.stop();
        }
        Reload r;
        DirectoryWatcher w;
        Path from;
        synchronized (lock) {
            if (closed) {
                return;
            }
            from = files.dir();
            r = load(dir);
            w = watcher;
        }
        Snapshot s = snapshot;
        LOG.info("routers_dir changed from {} to {}: {} routers loaded, {} bad files, {} router ids added, changed or removed",
                LogText.path(from), LogText.path(dir), s.routers().size(), s.badFiles().size(), r.changedIds().size());
        w.start();
        listeners.tell(r.changedIds());
    }

    /**
     * Stops the watcher (waiting for it at most {@link Timing#stopWait()}); the snapshot stays.
     *
     * @return false if this was closed already
     */
    boolean close() {
        DirectoryWatcher w;
        synchronized (lock) {
            if (closed) {
                return false;
            }
            closed = true;
            w = watcher;
            watcher = null;
        }
        try {
            if (w != null) {
                w.stop();
            }
        } catch (RuntimeException e) {
            LOG.warn("Stopping the watcher of {} failed", LogText.path(snapshot.dir()), e);
        }
        return true;
    }

    /**
     * @return {@code routers} (loaded now), {@code bad_files} (files whose current content is bad,
     *         links and special files included), {@code incomplete_files} (documents loaded without
     *         a subnet or DNS server radvd cannot advertise), {@code duplicate_ids}, {@code reloads}
     *         (reloads that changed the registry, activation and directory switches included),
     *         {@code rescans} (full directory scans), {@code files_parsed}
     */
    Map<String, Long> counters() {
        Snapshot s = snapshot;
        Map<String, Long> c = new LinkedHashMap<>();
        c.put("routers", (long) s.routers().size());
        c.put("bad_files", (long) s.badFiles().size());
        c.put("incomplete_files", (long) s.incompleteFiles().size());
        c.put("duplicate_ids", (long) s.duplicates());
        c.put("reloads", reloads.get());
        c.put("rescans", rescans.get());
        c.put("files_parsed", parsed.get());
        return Collections.unmodifiableMap(c);
    }

    /* ---- reloads, on the watcher thread ---- */

    private void onFilesChanged(DirectoryWatcher source, Set<String> names) {
        Reload r;
        synchronized (lock) {
            if (source != watcher) {
                return;
            }
            files.refresh(names, source::isStopped);
            if (source.isStopped()) {
                return;
            }
            r = files.publish(snapshot, false);
            publish(r);
        }
        summarize(r, names.size() + " changed files");
        listeners.tell(r.changedIds());
    }

    private void onRescan(DirectoryWatcher source, String reason) {
        Reload r;
        synchronized (lock) {
            if (source != watcher) {
                return;
            }
            files.scan(source::isStopped);
            if (source.isStopped()) {
                return;
            }
            rescans.incrementAndGet();
            r = files.publish(snapshot, false);
            publish(r);
        }
        summarize(r, reason);
        listeners.tell(r.changedIds());
    }

    /* caller holds lock */
    private void publish(Reload r) {
        snapshot = r.snapshot();
        if (!r.changedIds().isEmpty()) {
            reloads.incrementAndGet();
        }
    }

    private void summarize(Reload r, String reason) {
        Snapshot s = r.snapshot();
        if (r.anything()) {
            LOG.info("Reloaded routers_dir {} ({}): {} added, {} changed, {} removed; {} routers, {} bad files",
                    LogText.path(s.dir()), reason, r.added(), r.changed(), r.removed(), s.routers().size(),
                    s.badFiles().size());
        } else {
            LOG.debug("Reloaded routers_dir {} ({}): no change", LogText.path(s.dir()), reason);
        }
    }
}
