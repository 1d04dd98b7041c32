package org.l3ha.registry.neutron.impl;

import org.l3ha.common.Scheduler;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.registry.neutron.impl.ServerCalls.CallFailed;

/**
 * What a failed call to neutron-server leads to, and what a good one ends: the capped exponential
 * {@link Backoff} and its retry timer, the log lines of failures and of the recovery, the failure
 * counters, and the smaller chunk after a timed-out sync_routers. The routers of the last good sync
 * stay in effect (a failure never empties the registry). {@code AgentNotFoundByTypeHost} (this host
 * is not a registered L3 agent in neutron-server) is one ERROR line naming the host, retried all the
 * same. A sync_routers that times out asks for half as many routers at a time, down to
 * {@link NeutronSettings#minChunkSize()}.
 *
 * <p><b>Threads.</b> The methods run on the scheduler's thread; those marked so expect the registry's
 * lock held by the caller. The retry timer runs the task given to {@link #failed} on the scheduler.
 */
final class Retries {
    /* the registry's logger: these lines are the registry's */
    private static final Logger LOG = LoggerFactory.getLogger(NeutronRouters.class);

    private final RegistryState state;
    /* guarded by state.lock */
    private Runnable retryTimer;

    Retries(RegistryState state) {
        this.state = state;
    }

    /**
     * Caller holds lock: counts and logs the failure, and arms the retry timer.
     *
     * @param syncAgain whether the next try is a full sync (a failed full sync or drift check)
     * @param retryDue run on the scheduler when the backoff is over
     */
    void failed(boolean syncAgain, CallFailed e, Runnable retryDue) {
        NeutronRpcException x = e.failure;
        state.stats.failed(x.kind());
        if (x.agentNotFound()) {
            state.stats.agentNotFound.incrementAndGet();
        }
        if (state.stopped) {
            return;
        }
        Scheduler scheduler = state.scheduler;
        Backoff backoff = state.backoff;
        Failure f = new Failure(x.kind(), e.method, x.remoteClass().map(Texts::shown).orElse(null),
                Texts.shown(x.getMessage()), x.agentNotFound(), scheduler.currentTimeMillis());
        boolean again = f.same(backoff.last());
        Duration wait = backoff.failed(f, scheduler.nanoTime());
        cancelTimer();
        retryTimer = scheduler.schedule(retryDue, wait);
        if (syncAgain) {
            state.fullSyncRequested = true;
        }
        int n = state.snapshot.routers().size();
        if (again) {
            LOG.debug("{} failed again ({}); retrying in {} ms", e.method, f.message(), wait.toMillis());
        } else if (f.agentNotFound()) {
            LOG.error("This host ({}) is not a registered L3 agent in neutron-server: {} raised {}. Register this "
                    + "host's L3 agent in neutron-server (its state reports), or check host in org.l3ha.agent (the "
                    + "name the agent reports). Keeping {} routers from the last good sync ({}); retrying with backoff",
                    state.shownHost, e.method, f.remoteClass(), n, Texts.time(state.lastGoodSyncMillis));
        } else {
            LOG.warn("{}; keeping {} routers from the last good sync ({}); retrying in {} ms, then backing off up "
                    + "to {} s", f.describe(), n, Texts.time(state.lastGoodSyncMillis), wait.toMillis(),
                    state.settings.retryMax().toSeconds());
        }
    }

    /** Caller holds lock: a call (or step of calls) succeeded; says so if it ends failures. */
    void succeeded() {
        Backoff backoff = state.backoff;
        int attempts = backoff.attempts();
        long since = backoff.sinceMillis();
        Failure ended = backoff.succeeded();
        if (ended != null) {
            LOG.info("neutron-server answers again (after {} failed attempt(s) since {}; last: {})", attempts,
                    Texts.time(since), ended.describe());
        }
    }

    /** Caller holds lock: the broker is back, no reason to wait out the backoff. */
    void retryNow() {
        if (state.backoff.retryIn(state.scheduler.nanoTime()) >= 0) {
            state.backoff.retryNow();
            cancelTimer();
        }
    }

    /** Caller holds lock: the retry timer fired. */
    void timerFired() {
        retryTimer = null;
    }

    /** Caller holds lock: cancels the retry timer, if armed. */
    void cancelTimer() {
        Scheduler.cancel(retryTimer);
        retryTimer = null;
    }

    /**
     * A timed-out sync_routers for more than the floor: halves the chunk (the caller goes on at once).
     *
     * @return whether it did
     */
    boolean shrinkAfterTimeout(CallFailed e, int asked) {
        NeutronSettings settings = state.settings;
        if (e.failure.kind() != NeutronRpcException.Kind.TIMEOUT || asked <= settings.minChunkSize()) {
            return false;
        }
        int now;
        synchronized (state.lock) {
            now = state.chunk = Math.max(settings.minChunkSize(), asked / 2);
        }
        state.stats.failed(NeutronRpcException.Kind.TIMEOUT);
        state.stats.chunkTimeouts.incrementAndGet();
        LOG.warn("sync_routers for {} routers timed out ({}); asking for {} at a time", asked,
                Texts.shown(e.getMessage()), now);
        return true;
    }
}
