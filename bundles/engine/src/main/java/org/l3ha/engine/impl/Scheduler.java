package org.l3ha.engine.impl;

/**
 * Where the engine runs work and keeps time. Production uses a bounded worker pool and one timer
 * thread; tests use a manual scheduler in virtual time.
 */
interface Scheduler {

    /** Runs {@code task} soon on a worker. */
    void execute(Runnable task);

    /**
     * Runs {@code task} on a worker after {@code delayNanos}.
     *
     * @return a handle that cancels the task if it has not started
     */
    Runnable schedule(Runnable task, long delayNanos);

    /** @return a monotonic clock in nanoseconds */
    long nanoTime();

    /** @return wall-clock time in milliseconds since the epoch */
    long currentTimeMillis();
}
