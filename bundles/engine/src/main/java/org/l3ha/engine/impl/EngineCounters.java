package org.l3ha.engine.impl;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The engine's counters for the operator ({@code l3ha:stats}): what {@link Transitions} counts as
 * it happens, failures of each listener by name, and the sizes (routers, routers held as unknown,
 * held states dropped) read when the counters are shown ({@link #toMap}).
 */
final class EngineCounters {

    /** What is counted as it happens, each under its name in {@link #toMap}. */
    enum Counter {
        NOTIFICATIONS("notifications"),
        APPLIED("applied"),
        DEBOUNCED("debounced"),
        HELD_UNKNOWN("held_unknown_router"),
        STATE_WRITE_FAILURES("state_write_failures"),
        RESYNCED("resynced"),
        REPLAYED("replayed_to_new_listeners"),
        LISTENER_FAILURES("listener_failures"),
        ROUTERS_REMOVED("routers_removed"),
        STATE_REMOVE_FAILURES("state_remove_failures");

        private final String key;

        Counter(String key) {
            this.key = key;
        }
    }

    private static final Counter[] COUNTERS = Counter.values();

    private final LongAdder[] counts = new LongAdder[COUNTERS.length];
    private final ConcurrentHashMap<String, LongAdder> listenerFailuresByName = new ConcurrentHashMap<>();
    private final IntSupplier routers;
    private final IntSupplier unknownHeld;
    private final LongSupplier unknownDropped;

    /**
     * @param routers        the routers the engine keeps a slot for
     * @param unknownHeld    the routers held although the registry does not know them
     * @param unknownDropped the held states of such routers dropped so far
     */
    EngineCounters(IntSupplier routers, IntSupplier unknownHeld, LongSupplier unknownDropped) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
        this.routers = routers;
        this.unknownHeld = unknownHeld;
        this.unknownDropped = unknownDropped;
    }

    void increment(Counter c) {
        counts[c.ordinal()].increment();
    }

    /** A call of the listener named {@code name} failed: counted in total and for that listener. */
    void listenerFailed(String name) {
        increment(Counter.LISTENER_FAILURES);
        listenerFailuresByName.computeIfAbsent(name, k -> new LongAdder()).increment();
    }

    /**
     * @return every counter by name, sorted: the counted ones, {@code listener_failures.<name>}
     *         for each listener that failed, {@code routers}, {@code unknown_held} and
     *         {@code unknown_dropped}
     */
    Map<String, Long> toMap() {
        Map<String, Long> c = new TreeMap<>();
        for (Counter counter : COUNTERS) {
            c.put(counter.key, counts[counter.ordinal()].sum());
        }
        listenerFailuresByName.forEach((name, n) -> c.put("listener_failures." + name, n.sum()));
        c.put("routers", (long) routers.getAsInt());
        c.put("unknown_held", (long) unknownHeld.getAsInt());
        c.put("unknown_dropped", unknownDropped.getAsLong());
        return c;
    }
}
