package org.l3ha.engine.impl;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.l3ha.api.HaState;
import org.l3ha.api.Router;
import org.l3ha.common.Counters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls one bound transition listener for {@link Transitions} and keeps what its failures need: a
 * failure never escapes and is counted every time, in total ({@code listener_failures}) and for the
 * listener ({@code listener_failures.<name>}); a failing apply is logged at ERROR only when the listener
 * starts failing for the router, and its recovery once at INFO (bounded by routers times listeners).
 * It logs under the logger of {@link Transitions}, beside the transition lines it belongs to.
 */
final class ListenerCalls {
    private static final Logger LOG = LoggerFactory.getLogger(Transitions.class);
    private static final String FAILURES = "listener_failures";

    private final Counters counters;
    private final LongAdder failures;
    /** "router listener" pairs whose last call failed, to log a repeated failure once. */
    private final Set<String> failing = ConcurrentHashMap.newKeySet();

    /** @param counters where the failures are counted */
    ListenerCalls(Counters counters) {
        this.counters = counters;
        this.failures = counters.counter(FAILURES);
    }

    /** A call of the listener named {@code name} failed. */
    private void failed(String name) {
        failures.increment();
        counters.increment(FAILURES + '.' + name);
    }

    /** Gives {@code state} of {@code router} (whose id is {@code routerId}) to one listener. */
    void apply(String routerId, Transitions.Listener l, Router router, HaState state) {
        try {
            l.listener().apply(router, state);
            // the usual case, nothing failing: no key built, no lookup
            if (!failing.isEmpty() && failing.remove(key(routerId, l))) {
                LOG.info("Router {}: listener {} applied {} again", routerId, l.name(), state.word());
            }
        } catch (Exception | LinkageError e) {
            failed(l.name());
            if (failing.add(key(routerId, l))) {
                LOG.error("Router {}: listener {} failed to apply {}: {} (logged once until it succeeds; counted in "
                        + "l3ha:stats)", routerId, l.name(), state.word(), e.toString());
            } else {
                LOG.debug("Router {}: listener {} failed again to apply {}: {}", routerId, l.name(), state.word(), e.toString());
            }
            LOG.debug("Router {}: listener {} failure", routerId, l.name(), e);
        }
    }

    private static String key(String routerId, Transitions.Listener l) {
        return routerId + ' ' + l.name();
    }

    /**
     * Tells one listener a router is gone; a failure is logged with the router id and counted.
     *
     * @return whether the listener took it without failing
     */
    boolean remove(String routerId, Transitions.Listener l) {
        try {
            l.listener().remove(routerId);
            return true;
        } catch (Exception | LinkageError e) {
            failed(l.name());
            LOG.error("Router {}: listener {} failed to remove the router: {} (counted in l3ha:stats)", routerId, l.name(),
                    e.toString());
            LOG.debug("Router {}: listener {} removal failure", routerId, l.name(), e);
            return false;
        }
    }

    /** The router was removed: a failure of its next apply (if it comes back) is logged as a first one. */
    void forget(String routerId) {
        failing.removeIf(k -> k.startsWith(routerId + ' '));
    }
}
