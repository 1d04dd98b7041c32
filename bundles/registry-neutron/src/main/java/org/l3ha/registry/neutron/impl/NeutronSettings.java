package org.l3ha.registry.neutron.impl;

import java.time.Duration;
import java.util.Objects;

/**
 * How the registry paces its calls to neutron-server.
 *
 * @param periodicInterval how often {@code get_router_ids} looks for routers added or removed
 *        behind the notifications' back ({@code periodic_interval}, 40 s as in Neutron's L3 agent)
 * @param syncRoutersChunkSize most router ids one {@code sync_routers} call asks for (256: a host
 *        with thousands of routers never asks for all of them in one reply)
 * @param minChunkSize the floor a timed-out {@code sync_routers} halves the chunk down to (32);
 *        a timeout at the floor is a failure, retried with backoff
 * @param retryMin first wait after a failed call (1 s), doubled after each further failure
 * @param retryMax longest wait between retries (60 s)
 * @param lookupInterval how long a router id asked for by {@code find} and not found (or just
 *        removed) is not asked for again (10 s): a flood of lookups of an unknown router costs
 *        neutron-server one call per id per interval
 */
record NeutronSettings(Duration periodicInterval, int syncRoutersChunkSize, int minChunkSize, Duration retryMin,
        Duration retryMax, Duration lookupInterval) {

    static final NeutronSettings DEFAULT = new NeutronSettings(Duration.ofSeconds(40), 256, 32, Duration.ofSeconds(1),
            Duration.ofSeconds(60), Duration.ofSeconds(10));

    NeutronSettings {
        positive(periodicInterval, "periodicInterval");
        positive(retryMin, "retryMin");
        positive(retryMax, "retryMax");
        Objects.requireNonNull(lookupInterval, "lookupInterval");
        if (lookupInterval.isNegative()) {
            throw new IllegalArgumentException("lookupInterval must not be negative");
        }
        if (retryMax.compareTo(retryMin) < 0) {
            throw new IllegalArgumentException("retryMax must not be below retryMin");
        }
        if (minChunkSize < 1) {
            throw new IllegalArgumentException("minChunkSize must be at least 1");
        }
        if (syncRoutersChunkSize < minChunkSize) {
            throw new IllegalArgumentException("syncRoutersChunkSize must not be below minChunkSize (" + minChunkSize + ")");
        }
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }

    NeutronSettings withPeriodicInterval(Duration d) {
        return new NeutronSettings(d, syncRoutersChunkSize, minChunkSize, retryMin, retryMax, lookupInterval);
    }

    NeutronSettings withChunks(int chunk, int min) {
        return new NeutronSettings(periodicInterval, chunk, min, retryMin, retryMax, lookupInterval);
    }
}
