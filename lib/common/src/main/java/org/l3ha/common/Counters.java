package org.l3ha.common;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A component's counters by name, for its {@code StatsProvider}: lock-free increments from any
 * thread, and a sorted snapshot for the shell. A hot path keeps the {@link LongAdder} of its
 * counter ({@link #counter(String)}) instead of looking it up each time. Counters named at
 * construction show as 0 before their first increment.
 */
public final class Counters {
    private final ConcurrentHashMap<String, LongAdder> values = new ConcurrentHashMap<>();

    /** @param names counters that exist from the start (shown as 0) */
    public Counters(String... names) {
        for (String name : names) {
            values.put(name, new LongAdder());
        }
    }

    /** @return the counter {@code name}, created at 0 if it did not exist */
    public LongAdder counter(String name) {
        return values.computeIfAbsent(name, k -> new LongAdder());
    }

    public void increment(String name) {
        counter(name).increment();
    }

    public void add(String name, long n) {
        counter(name).add(n);
    }

    /** @return the value of {@code name}, 0 if it does not exist */
    public long get(String name) {
        LongAdder a = values.get(name);
        return a == null ? 0 : a.sum();
    }

    /** @return every counter by name, sorted */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        values.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
