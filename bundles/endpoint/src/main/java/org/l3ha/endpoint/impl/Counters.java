package org.l3ha.endpoint.impl;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The endpoint's counters: lock-free increments from the I/O threads, a sorted snapshot for the shell. */
final class Counters {
    /** Every request that reached the handler or was refused by the HTTP layer. */
    static final String RECEIVED = "received";
    /** Answered 200: handed to the sink or held for it. */
    static final String ACCEPTED = "accepted";
    /** Notifications put into the holding buffer (no sink bound, or the sink refused). */
    static final String HELD = "held";
    /** Requests that failed inside the server (answered 5xx); always 0 unless there is a bug. */
    static final String ERRORS = "errors";
    /** Prefix of the per-reason rejection counters: {@code rejected.<reason>}. */
    static final String REJECTED = "rejected.";

    private final ConcurrentHashMap<String, LongAdder> values = new ConcurrentHashMap<>();

    Counters(String... rejectionReasons) {
        for (String key : new String[] {RECEIVED, ACCEPTED, HELD, ERRORS}) {
            values.put(key, new LongAdder());
        }
        for (String reason : rejectionReasons) {
            values.put(REJECTED + reason, new LongAdder());
        }
    }

    void increment(String key) {
        values.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    void reject(String reason) {
        increment(REJECTED + reason);
    }

    /** @return every counter by key, sorted */
    Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        values.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
