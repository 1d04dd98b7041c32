package org.l3ha.endpoint.impl;

import java.util.ArrayList;
import java.util.List;

import org.l3ha.common.Counters;

/** The names of the endpoint's counters (kept in a {@link Counters}, incremented from the I/O threads). */
final class CounterNames {
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

    private CounterNames() {
    }

    /** @return the endpoint's counters, every one of them (a rejection counter per reason too) at 0 */
    static Counters create(String... rejectionReasons) {
        List<String> names = new ArrayList<>(List.of(RECEIVED, ACCEPTED, HELD, ERRORS, CLOSED_HEADER_TIMEOUT,
                CLOSED_REQUEST_TIMEOUT, CAP_REACHED));
        for (String reason : rejectionReasons) {
            names.add(REJECTED + reason);
        }
        return new Counters(names.toArray(String[]::new));
    }
}
