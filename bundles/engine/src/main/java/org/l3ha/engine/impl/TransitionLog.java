package org.l3ha.engine.impl;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.l3ha.api.HaState;
import org.l3ha.api.Transition;

/**
 * The most recent applied transitions of all routers together, in a fixed-size ring: memory is a
 * constant, not a cost per router. A router's history is found by scanning back from the newest;
 * a removed router's entries are blanked ({@link #forget}), so a router added back starts afresh.
 */
final class TransitionLog {
    private static final HaState[] STATES = HaState.values();

    private final String[] ids;
    private final long[] times;
    private final byte[] states;
    private int next;
    private int size;

    TransitionLog(int capacity) {
        ids = new String[capacity];
        times = new long[capacity];
        states = new byte[capacity];
    }

    synchronized void add(String routerId, long epochMillis, HaState state) {
        ids[next] = routerId;
        times[next] = epochMillis;
        states[next] = (byte) state.ordinal();
        next = (next + 1) % ids.length;
        size = Math.min(size + 1, ids.length);
    }

    /** Blanks every entry of {@code routerId}: its history is gone with it. */
    synchronized void forget(String routerId) {
        for (int i = 1; i <= size; i++) {
            int k = Math.floorMod(next - i, ids.length);
            if (routerId.equals(ids[k])) {
                ids[k] = null;
            }
        }
    }

    /** @return up to {@code max} transitions of {@code routerId}, newest first */
    synchronized List<Transition> history(String routerId, int max) {
        List<Transition> out = new ArrayList<>();
        for (int i = 1; i <= size && out.size() < max; i++) {
            int k = Math.floorMod(next - i, ids.length);
            if (routerId.equals(ids[k])) {
                out.add(new Transition(routerId, Instant.ofEpochMilli(times[k]), STATES[states[k]]));
            }
        }
        return out;
    }
}
