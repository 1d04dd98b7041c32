package org.l3ha.registry.neutron.impl;

import org.l3ha.common.Scheduler;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.registry.neutron.impl.ServerCalls.CallFailed;

/**
 * The full sync, as Neutron's L3 agent does it: {@code get_router_ids}, the routers no longer
 * scheduled here dropped, then {@code sync_routers} in chunks of {@link RegistryState#chunk()}
 * routers. A chunk that times out is asked for again, fewer at a time ({@link Retries}); each
 * completed full sync grows the chunk back by {@link NeutronSettings#minChunkSize()}, up to
 * {@link NeutronSettings#syncRoutersChunkSize()}. An empty get_router_ids answer is checked with
 * {@link ServerCalls#confirmRegistered()} before it drops routers.
 *
 * <p><b>Threads.</b> Runs on the scheduler's thread (one {@link Pump} step); the snapshot is
 * swapped once for the routers no longer scheduled here and once per chunk, and removals notified
 * meanwhile are applied after each chunk, not held back until the sync ends. A failed call ends the
 * sync with {@link CallFailed}; the pump retries it.
 */
final class FullSync {
    /* the registry's logger: these lines are the registry's */
    private static final Logger LOG = LoggerFactory.getLogger(NeutronRouters.class);

    private final RegistryState state;
    private final SnapshotWriter writer;
    private final Retries retries;

    FullSync(RegistryState state, SnapshotWriter writer, Retries retries) {
        this.state = state;
        this.writer = writer;
        this.retries = retries;
    }

    void run() throws CallFailed {
        Scheduler scheduler = state.scheduler;
        NeutronSettings settings = state.settings;
        long begun = scheduler.nanoTime();
        long s0;
        synchronized (state.lock) {
            s0 = state.pending.seq();
            state.unidentifiedNow = null;   // said again by any reply of this sync that still has such dicts
        }
        List<String> ids = state.calls.routerIds();
        if (ids.isEmpty()) {
            state.calls.confirmRegistered();
        }
        writer.applyMembership(new HashSet<>(ids), s0, "full sync");
        int asked = 0;
        int i = 0;
        while (i < ids.size()) {
            if (state.isStopped()) {
                return;
            }
            int n = Math.min(state.chunk(), ids.size() - i);
            List<String> batch = List.copyOf(ids.subList(i, i + n));
            long sb = state.currentSeq();
            JsonNode reply;
            try {
                asked++;
                reply = state.calls.syncRouters(batch);
            } catch (CallFailed e) {
                if (retries.shrinkAfterTimeout(e, n)) {
                    continue;
                }
                throw e;
            }
            writer.applyReply(batch, reply, sb);
            i += n;
            List<String> removals;
            synchronized (state.lock) {
                removals = state.pending.takeRemovals();
            }
            writer.applyRemovals(removals);   // notified meanwhile: not held back until the sync ends
        }
        int routers;
        int grownTo;
        synchronized (state.lock) {
            if (state.stopped) {
                return;
            }
            state.lastGoodSyncMillis = scheduler.currentTimeMillis();
            state.driftCheckDue = false;
            grownTo = state.chunk = Math.min(settings.syncRoutersChunkSize(), state.chunk + settings.minChunkSize());
            state.stats.fullSyncs.incrementAndGet();
            retries.succeeded();
            routers = state.snapshot.routers().size();
        }
        LOG.info("Full sync with neutron-server for host {} done: {} routers ({} scheduled here, {} sync_routers calls, "
                + "{} ms); chunk size {}", state.shownHost, routers, ids.size(), asked,
                Duration.ofNanos(scheduler.nanoTime() - begun).toMillis(), grownTo);
    }
}
