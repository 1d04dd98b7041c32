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
    /**
     * Connections closed because no complete request head arrived within the header deadline of
     * their accept or of the end of their previous response (slowloris, stuck or silent clients).
     */
    static final String CLOSED_HEADER_TIMEOUT = "closed_header_timeout";
    /**
     * Connections closed because a request whose head had arrived was still not answered one more
     * header deadline later (a body trickled byte by byte, a reply the client does not read).
     */
    static final String CLOSED_REQUEST_TIMEOUT = "closed_request_timeout";
    /** Times the connection cap was reached (the endpoint stopped accepting until one closed). */
    static final String CAP_REACHED = "cap_reached";

    private final ConcurrentHashMap<String, LongAdder> values = new ConcurrentHashMap<>();

    Counters(String... rejectionReasons) {
        for (String key : new String[] {RECEIVED, ACCEPTED, HELD, ERRORS, CLOSED_HEADER_TIMEOUT,
                CLOSED_REQUEST_TIMEOUT, CAP_REACHED}) {
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
