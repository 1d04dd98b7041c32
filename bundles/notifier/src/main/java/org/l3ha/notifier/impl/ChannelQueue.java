package org.l3ha.notifier.impl;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.l3ha.api.HaState;

/**
 * What one reporter channel holds and when its next batch may go out: the timing and coalescing
 * rules of the batch notifier, without threads or locks (the owning {@link ReporterChannel}
 * guards it), on an injected clock so that tests drive it in virtual time.
 *
 * <p>Coalescing: the newest pending state per router, in queue order; re-queuing a router moves
 * it to the end. Memory is bounded by the number of routers, never by the number of events.
 *
 * <p>Timing (Neutron's batch notifier, {@code docs/behaviour.md} §3.2, without its losses):
 * <ul>
 * <li>nothing pending, or a batch in flight: nothing is due (events that arrive during a send
 *     wait for the next batch);</li>
 * <li>no attempt yet, or the last successful send ended at least one interval ago: due at once
 *     (leading edge);</li>
 * <li>otherwise due one interval after the end of the last successful send (Neutron sleeps the
 *     interval after the callback returns);</li>
 * <li>after {@code n} consecutive failed attempts: due
 *     {@code min(60 s, max(interval, 1 s) * 2^(n-1))} after the end of the last attempt.</li>
 * </ul>
 * A failed batch is merged back in front of what arrived meanwhile; a router that got a newer
 * state meanwhile keeps the newer one, and a router {@link #forget forgotten} meanwhile is not
 * merged back.
 */
final class ChannelQueue {
    /** {@link #nanosUntilDue()} when nothing is due until something changes. */
    static final long NOTHING_DUE = Long.MAX_VALUE;
    static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(60);
    static final long MIN_BACKOFF_BASE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Told how long each delivered state waited ({@link #succeeded(Waits)}). */
    interface Waits {
        /**
         * @param sinceQueued nanoseconds from the moment this state was queued to the end of its delivery
         * @param sinceFirstHeld nanoseconds from the moment the router's oldest undelivered state was
         *        queued, if a failed delivery held it back (its own batch failed, or it was queued
         *        while the channel was backing off), else -1
         */
        void delivered(long sinceQueued, long sinceFirstHeld);
    }

    /** A router's newest undelivered state and when it and the oldest one not delivered were queued. */
    private static final class Queued {
        HaState state;
        long queuedAt;
        /** When the router's oldest state not yet delivered was queued. */
        long firstQueuedAt;
        /** Whether a failed delivery held the router's states back since then. */
        boolean held;

        Queued(HaState state, long now) {
            this.state = state;
            this.queuedAt = now;
            this.firstQueuedAt = now;
        }
    }

    private final LongSupplier clock;
    private long intervalNanos;
    private LinkedHashMap<String, Queued> pending = new LinkedHashMap<>();
    /** The batch being delivered, or null. */
    private LinkedHashMap<String, Queued> inFlight;
    /** Routers of the batch in flight forgotten since it was taken: not kept if it fails. Null if none. */
    private Set<String> forgottenInFlight;
    /** Whether an attempt has ended yet; until then the first batch is due at once. */
    private boolean attempted;
    /** Clock value at the end of the last attempt. */
    private long lastEnd;
    /** Consecutive failed attempts. */
    private int failures;

    /**
     * @param clock monotonic nanoseconds ({@code System::nanoTime} outside tests)
     * @param intervalNanos shortest time from the end of a successful send to the next, >= 0
     */
    ChannelQueue(LongSupplier clock, long intervalNanos) {
        this.clock = clock;
        setIntervalNanos(intervalNanos);
    }

    /** Changes the interval; it applies from the next batch on. */
    void setIntervalNanos(long intervalNanos) {
        if (intervalNanos < 0) {
            throw new IllegalArgumentException("negative interval " + intervalNanos);
        }
        this.intervalNanos = intervalNanos;
    }

    long intervalNanos() {
        return intervalNanos;
    }

    /**
     * Records the newest state of a router, moving the router to the end of the queue order. The
     * router's oldest undelivered state keeps its time ({@link Waits}).
     */
    void offer(String routerId, HaState state) {
        long now = clock.getAsLong();
        Queued q = pending.remove(routerId);
        if (q == null) {
            q = new Queued(state, now);
            q.held = failures > 0; // the channel is backing off: it waits for the outage
        } else {
            q.state = state;
            q.queuedAt = now;
        }
        pending.put(routerId, q);
    }

    /**
     * Drops the router's pending state (the router has left the node). If the batch in flight
     * holds the router, it is not recalled, but it is not kept for a retry if that batch fails.
     *
     * @return whether a pending state was dropped
     */
    boolean forget(String routerId) {
        if (inFlight != null && inFlight.containsKey(routerId)) {
            if (forgottenInFlight == null) {
                forgottenInFlight = new HashSet<>();
            }
            forgottenInFlight.add(routerId);
        }
        return pending.remove(routerId) != null;
    }

    /** {@link #offer}s every entry, in the map's order. */
    void offerAll(Map<String, HaState> states) {
        states.forEach(this::offer);
    }

    /** @return routers waiting for the next batch (not counting a batch in flight) */
    int pendingCount() {
        return pending.size();
    }

    /** @return routers in the batch being delivered, 0 if none */
    int inFlightCount() {
        return inFlight == null ? 0 : inFlight.size();
    }

    /** @return consecutive failed attempts, 0 after a success */
    int failures() {
        return failures;
    }

    /**
     * @return 0 if a batch is due now, {@link #NOTHING_DUE} if nothing is pending or a batch is
     *         in flight, else the nanoseconds until the next batch is due
     */
    long nanosUntilDue() {
        if (pending.isEmpty() || inFlight != null) {
            return NOTHING_DUE;
        }
        if (!attempted) {
            return 0;
        }
        long wait = failures == 0 ? intervalNanos : backoffNanos(intervalNanos, failures);
        long elapsed = clock.getAsLong() - lastEnd;
        return elapsed >= wait ? 0 : wait - elapsed;
    }

    /**
     * Takes the pending states as the next batch if one is due.
     *
     * @return the batch (unmodifiable, queue order), or null if none is due; a returned batch
     *         is in flight until {@link #succeeded()} or {@link #failed()}
     */
    Map<String, HaState> poll() {
        return nanosUntilDue() == 0 ? take() : null;
    }

    /**
     * Takes the pending states as a batch regardless of the interval or backoff (the last
     * attempt before the channel stops).
     *
     * @return the batch, or null if nothing is pending or a batch is already in flight
     */
    Map<String, HaState> pollNow() {
        return pending.isEmpty() || inFlight != null ? null : take();
    }

    private Map<String, HaState> take() {
        inFlight = pending;
        pending = new LinkedHashMap<>();
        Map<String, HaState> batch = new LinkedHashMap<>(Math.max(16, inFlight.size() * 4 / 3 + 1));
        inFlight.forEach((id, q) -> batch.put(id, q.state));
        return Collections.unmodifiableMap(batch);
    }

    /** The batch in flight was delivered: forget it, reset the backoff, start the interval. */
    void succeeded() {
        succeeded(null);
    }

    /**
     * The batch in flight was delivered: forget it, reset the backoff, start the interval.
     *
     * @param waits told how long each state of the batch waited, or null
     */
    void succeeded(Waits waits) {
        requireInFlight();
        if (waits != null) {
            long now = clock.getAsLong();
            for (Queued q : inFlight.values()) {
                waits.delivered(now - q.queuedAt, q.held ? now - q.firstQueuedAt : -1);
            }
        }
        inFlight = null;
        forgottenInFlight = null;
        failures = 0;
        ended();
    }

    /**
     * The batch in flight could not be delivered: keep its states for the next attempt, unless a
     * newer state for the same router arrived meanwhile, and back off.
     */
    void failed() {
        requireInFlight();
        LinkedHashMap<String, Queued> failed = inFlight;
        inFlight = null;
        if (forgottenInFlight != null) {
            failed.keySet().removeAll(forgottenInFlight);
            forgottenInFlight = null;
        }
        // what failed and what arrived during the failing send wait for the outage from now on
        failed.values().forEach(q -> q.held = true);
        pending.values().forEach(q -> q.held = true);
        if (pending.isEmpty()) {
            pending = failed;
        } else {
            // the failed batch was queued before everything now pending: it goes first
            LinkedHashMap<String, Queued> merged = new LinkedHashMap<>();
            failed.forEach((id, q) -> {
                Queued newer = pending.get(id);
                if (newer == null) {
                    merged.put(id, q);
                } else {
                    // the newer state waits for the same outage, counted from the older one
                    newer.firstQueuedAt = q.firstQueuedAt;
                }
            });
            merged.putAll(pending);
            pending = merged;
        }
        if (failures < Integer.MAX_VALUE) {
            failures++;
        }
        ended();
    }

    /** @return the wait before the next attempt after the last one failed, 0 if it did not */
    long backoffNanos() {
        return failures == 0 ? 0 : backoffNanos(intervalNanos, failures);
    }

    /**
     * @return {@code min(60 s, max(interval, 1 s) * 2^(failures-1))}
     */
    static long backoffNanos(long intervalNanos, int failures) {
        long wait = Math.max(intervalNanos, MIN_BACKOFF_BASE_NANOS);
        for (int i = 1; i < failures && wait < MAX_BACKOFF_NANOS; i++) {
            wait *= 2;
        }
        return Math.min(wait, MAX_BACKOFF_NANOS);
    }

    private void ended() {
        attempted = true;
        lastEnd = clock.getAsLong();
    }

    private void requireInFlight() {
        if (inFlight == null) {
            throw new IllegalStateException("no batch in flight");
        }
    }
}
