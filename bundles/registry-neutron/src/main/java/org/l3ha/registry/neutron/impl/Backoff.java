package org.l3ha.registry.neutron.impl;

import java.time.Duration;

/**
 * When the next call may be made after failed ones: the first retry after {@code min}, each further
 * one after twice the wait before, at most {@code max}; a success starts over. Remembers the last
 * failure and since when calls fail, for the log and the health. Not thread-safe: the registry's
 * lock guards it.
 */
final class Backoff {
    private final Duration min;
    private final Duration max;
    private Duration wait;
    private boolean waiting;
    private long retryAt;
    private Failure last;
    private long sinceMillis;
    private int attempts;

    Backoff(Duration min, Duration max) {
        this.min = min;
        this.max = max;
    }

    /**
     * Records a failed call.
     *
     * @param nowNanos the scheduler's monotonic time
     * @return how long to wait before the next call
     */
    Duration failed(Failure f, long nowNanos) {
        wait = wait == null ? min : (wait.compareTo(max.dividedBy(2)) >= 0 ? max : wait.multipliedBy(2));
        waiting = true;
        retryAt = nowNanos + wait.toNanos();
        if (last == null) {
            sinceMillis = f.atMillis();
        }
        last = f;
        attempts++;
        return wait;
    }

    /**
     * Records a successful call (or step of calls).
     *
     * @return the failure this ends, or null if the calls before did not fail
     */
    Failure succeeded() {
        Failure f = last;
        wait = null;
        last = null;
        attempts = 0;
        return f;
    }

    /**
     * @return whether a call may be made now; true once the wait is over (and from then on, until
     *         the next failure)
     */
    boolean mayCall(long nowNanos) {
        if (waiting && nowNanos - retryAt < 0) {
            return false;
        }
        waiting = false;
        return true;
    }

    /** Ends the wait at once (the broker is back), keeping the doubling. */
    void retryNow() {
        waiting = false;
    }

    /** @return nanoseconds until the next call may be made, or -1 if none is waited for */
    long retryIn(long nowNanos) {
        return waiting ? Math.max(0, retryAt - nowNanos) : -1;
    }

    /** @return the last failure, or null if the last call succeeded */
    Failure last() {
        return last;
    }

    /** @return when the calls began to fail (wall clock) */
    long sinceMillis() {
        return sinceMillis;
    }

    /** @return the failed attempts since the last success */
    int attempts() {
        return attempts;
    }
}
