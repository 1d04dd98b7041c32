package org.l3ha.endpoint.impl;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.l3ha.api.HaState;
import org.l3ha.api.StateChangeSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands notifications to the bound {@link StateChangeSink}, and holds the newest state per router
 * while there is none or it refuses them (it is shutting down).
 *
 * <p>Held states are ordered by their latest notification. Whenever a sink is there, the held
 * states are offered first, in order, and a fresh notification only reaches the sink once nothing
 * is held any more: held and fresh notifications are never reordered. One lock serialises this;
 * its sections only call {@link StateChangeSink#accept}, which never blocks.
 *
 * <p>Memory is bounded by routers: at most {@code capacity} routers are held.
 */
final class HoldingBuffer {
    private static final Logger LOG = LoggerFactory.getLogger(HoldingBuffer.class);

    /** What became of one notification. */
    enum Outcome {
        /** The sink took it. */
        DELIVERED,
        /** Held for the next sink. */
        HELD,
        /** Not taken: the buffer is full and the router is not in it yet. */
        FULL
    }

    private final int capacity;
    private final LinkedHashMap<String, HaState> held = new LinkedHashMap<>();
    private StateChangeSink sink;
    /** Why states are being held; null while they flow. Logged once per change. */
    private String holdingBecause;

    HoldingBuffer(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Delivers a validated notification, or holds it.
     *
     * @param routerId lower-case UUID
     * @param state a state a monitor may send (never UNKNOWN)
     * @return what became of it
     */
    synchronized Outcome offer(String routerId, HaState state) {
        if (drain() && take(routerId, state)) {
            return Outcome.DELIVERED;
        }
        HaState previous = held.remove(routerId);
        if (previous == null && held.size() >= capacity) {
            return Outcome.FULL;
        }
        held.put(routerId, state);
        return Outcome.HELD;
    }

    /** A sink appeared (or replaced the previous one): hand it everything held, in order. */
    synchronized void bind(StateChangeSink newSink) {
        sink = newSink;
        int before = held.size();
        boolean all = drain();
        LOG.info("State-change sink bound; handed over {} held state(s){}", before - held.size(),
                all ? "" : ", " + held.size() + " still held");
    }

    /** The sink went away; hold from now on (unless a newer one has been bound already). */
    synchronized void unbind(StateChangeSink oldSink) {
        if (sink == oldSink) {
            sink = null;
            LOG.info("State-change sink unbound; holding notifications until one is bound");
        }
    }

    /** @return how many routers are held now */
    synchronized int size() {
        return held.size();
    }

    /**
     * Offers the held states a last time, then empties the buffer and forgets the sink.
     *
     * @return what could not be handed over, in order (lost unless the caller keeps it)
     */
    synchronized Map<String, HaState> close() {
        drain();
        Map<String, HaState> left = new LinkedHashMap<>(held);
        held.clear();
        sink = null;
        return left;
    }

    /** @return whether nothing is held any more (and a sink is bound) */
    private boolean drain() {
        if (sink == null) {
            holding("no state-change sink is bound");
            return false;
        }
        Iterator<Map.Entry<String, HaState>> it = held.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, HaState> e = it.next();
            if (!take(e.getKey(), e.getValue())) {
                return false;
            }
            it.remove();
        }
        if (holdingBecause != null) {
            LOG.info("Nothing held any more; notifications flow to the state-change sink again");
            holdingBecause = null;
        }
        return true;
    }

    private boolean take(String routerId, HaState state) {
        try {
            if (sink.accept(routerId, state)) {
                return true;
            }
            holding("the state-change sink refused a notification (it is shutting down)");
        } catch (RuntimeException | LinkageError e) { // LinkageError: the sink's bundle is being replaced
            if (holdingBecause == null) {
                LOG.warn("State-change sink failed on router {}; holding notifications", routerId, e);
                holdingBecause = "the sink failed";
            }
        }
        return false;
    }

    private void holding(String why) {
        if (holdingBecause == null) {
            LOG.info("Holding notifications: {}", why);
            holdingBecause = why;
        }
    }

    /** @return held router ids with their states, in order (for logs) */
    static List<String> describe(Map<String, HaState> states) {
        List<String> out = new ArrayList<>(states.size());
        states.forEach((id, s) -> out.add(id + "=" + s.word()));
        return out;
    }
}
