package org.l3ha.common;

import java.time.Duration;

/**
 * Where a component runs its work and keeps time: in production threads of its own (the engine's
 * worker pool, the neutron registry's single thread), in tests a scheduler in virtual time
 * ({@code org.l3ha.common.testing.ManualScheduler}), so that debounces, retries and periodic checks
 * are tested without waiting.
 */
public interface Scheduler {

    /** Runs {@code task} soon. */
    void execute(Runnable task);

    /**
     * Runs {@code task} after {@code delayNanos}.
     *
     * @return a handle that cancels the task if it has not started
     */
    Runnable schedule(Runnable task, long delayNanos);

    /** As {@link #schedule(Runnable, long)}; a negative delay is none. */
    default Runnable schedule(Runnable task, Duration delay) {
        return schedule(task, Math.max(0, delay.toNanos()));
    }

    /** @return a monotonic clock in nanoseconds */
    long nanoTime();

    /** @return wall-clock time in milliseconds since the epoch */
    long currentTimeMillis();

    /** Cancels the task of a handle {@link #schedule} returned; nothing for null. */
    static void cancel(Runnable handle) {
        if (handle != null) {
            handle.run();
        }
    }
}
