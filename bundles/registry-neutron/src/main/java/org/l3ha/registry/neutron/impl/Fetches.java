package org.l3ha.registry.neutron.impl;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.registry.neutron.impl.ServerCalls.CallFailed;

/**
 * Fetches single routers on demand: {@link #lookup} queues a router {@code find} does not know
 * (deduplicated, at most once per {@link NeutronSettings#lookupInterval()} per id, and not while a
 * full sync is due anyway), and {@link #fetch} asks {@code sync_routers} for a batch of the routers
 * queued to fetch (by lookups, notifications or the drift check). A fetch that times out leaves its
 * ids queued, to be asked for again fewer at a time.
 *
 * <p><b>Threads.</b> {@link #lookup} may be called from any thread and never waits for
 * neutron-server: it only queues the id and kicks the {@link Pump}. {@link #fetch} runs on the
 * scheduler's thread (one pump step).
 */
final class Fetches {
    /* the registry's logger: these lines are the registry's */
    private static final Logger LOG = LoggerFactory.getLogger(NeutronRouters.class);

    private final RegistryState state;
    private final SnapshotWriter writer;
    private final Retries retries;

    Fetches(RegistryState state, SnapshotWriter writer, Retries retries) {
        this.state = state;
        this.writer = writer;
        this.retries = retries;
    }

    /**
     * Queues a fetch of {@code id} (a normalized router id not in the snapshot) unless it is
     * pending, was asked for (or dropped) within the lookup interval, or a full sync is due.
     *
     * @param kick the pump's kick, called with the lock held when the id is queued
     */
    void lookup(String id, Runnable kick) {
        synchronized (state.lock) {
            if (!state.running() || state.fullSyncRequested || state.fullSyncRunning || state.pending.contains(id)) {
                return;
            }
            long now = state.scheduler.nanoTime();
            Long last = state.lookups.get(id);
            if (last != null && now - last < state.settings.lookupInterval().toNanos()) {
                return;
            }
            state.lookups.put(id, now);
            state.stats.lookups.incrementAndGet();
            state.pending.add(id, PendingEvents.Action.FETCH);
            kick.run();
        }
        LOG.debug("Router {} unknown: asking neutron-server for it", id);
    }

    /** Asks sync_routers for {@code ids} and applies the reply. */
    void fetch(List<String> ids) throws CallFailed {
        long s0 = state.currentSeq();
        JsonNode reply;
        try {
            reply = state.calls.syncRouters(ids);
        } catch (CallFailed e) {
            if (retries.shrinkAfterTimeout(e, ids.size())) {
                return;   // the ids are still pending: asked for again, fewer at a time
            }
            throw e;
        }
        writer.applyReply(ids, reply, s0);
        synchronized (state.lock) {
            retries.succeeded();
        }
    }
}
