package org.l3ha.registry.neutron.impl;

import java.time.Duration;

/**
 * Where the registry runs its work and keeps time: production uses one thread of its own
 * ({@link ExecutorScheduler}), tests a scheduler in virtual time.
 */
interface Scheduler {

    /** Runs {@code task} soon. */
    void execute(Runnable task);

    /**
     * Runs {@code task} after {@code delay}.
     *
     * @return a handle that cancels the task if it has not started
     */
    Runnable schedule(Runnable task, Duration delay);

    /** @return a monotonic clock in nanoseconds */
    long nanoTime();

    /** @return wall-clock time in milliseconds since the epoch (for "last good sync" in health) */
    long currentTimeMillis();

    /** Cancels the task of a handle {@link #schedule} returned; nothing for null. */
    static void cancel(Runnable handle) {
        if (handle != null) {
            handle.run();
        }
    }
}
