package org.l3ha.endpoint.impl;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One log line per interval for an event a client can make happen at any rate (a connection
 * closed for being slow, the connection cap reached): the first occurrence is written at once;
 * later ones within the interval are only counted, and their number is written in one line when
 * the interval is up (a task on the given {@link ScheduledExecutorService}; none runs while nothing is pending).
 *
 * <p>Thread-safe: {@link #occurred()} takes a short lock and never blocks or logs under it. If the
 * scheduler is stopped (the endpoint is stopping), what is pending is not written; the counters
 * of the endpoint still have it.
 */
final class RateLimitedLog {
    /** Writes one line. */
    @FunctionalInterface
    interface Line {
        /**
         * @param count occurrences this line stands for (1 for the first)
         * @param first whether this is the first line (nothing was suppressed before it)
         * @param seconds seconds since the previous line (0 for the first)
         */
        void write(long count, boolean first, long seconds);
    }

    private final long intervalNanos;
    private final ScheduledExecutorService scheduler;
    private final Line line;

    /* guarded by this */
    private boolean written;
    private long lastLineNanos;
    private long pending;
    private boolean flushScheduled;

    RateLimitedLog(long intervalMs, ScheduledExecutorService scheduler, Line line) {
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.scheduler = scheduler;
        this.line = line;
    }

    /** Counts one occurrence; writes a line if none was written within the interval. */
    void occurred() {
        long now = System.nanoTime();
        long count = 0;
        boolean first = false;
        long seconds = 0;
        long flushInNanos = -1;
        synchronized (this) {
            if (!written || (pending == 0 && now - lastLineNanos >= intervalNanos)) {
                first = !written;
                seconds = first ? 0 : TimeUnit.NANOSECONDS.toSeconds(now - lastLineNanos);
                count = 1;
                written = true;
                lastLineNanos = now;
            } else {
                pending++;
                if (!flushScheduled) {
                    flushScheduled = true;
                    flushInNanos = Math.max(0, lastLineNanos + intervalNanos - now);
                }
            }
        }
        if (count > 0) {
            line.write(count, first, seconds);
        }
        if (flushInNanos >= 0) {
            try {
                scheduler.schedule(this::flush, flushInNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // the scheduler is stopping with the endpoint: the counters keep the number
            }
        }
    }

    /** Writes the occurrences counted since the last line, if any. */
    void flush() {
        long count;
        long seconds;
        synchronized (this) {
            flushScheduled = false;
            count = pending;
            if (count == 0) {
                return;
            }
            long now = System.nanoTime();
            seconds = TimeUnit.NANOSECONDS.toSeconds(now - lastLineNanos);
            pending = 0;
            lastLineNanos = now;
        }
        line.write(count, false, seconds);
    }
}
