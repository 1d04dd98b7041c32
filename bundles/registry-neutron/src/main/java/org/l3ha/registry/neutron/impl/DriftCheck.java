package org.l3ha.registry.neutron.impl;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.registry.neutron.impl.ServerCalls.CallFailed;

/**
 * The periodic drift check, every {@link NeutronSettings#periodicInterval()}: only
 * {@code get_router_ids}, the routers no longer scheduled here dropped and the ids not known here
 * queued for a fetch (a notification missed?). An empty answer while routers are known is checked
 * with {@link ServerCalls#confirmRegistered()} before it drops them.
 *
 * <p><b>Threads.</b> Runs on the scheduler's thread (one {@link Pump} step); a failed call ends it
 * with {@link CallFailed}, and the pump asks for a full sync after the backoff.
 */
final class DriftCheck {
    /* the registry's logger: these lines are the registry's */
    private static final Logger LOG = LoggerFactory.getLogger(NeutronRouters.class);

    private final RegistryState state;
    private final SnapshotWriter writer;
    private final Retries retries;

    DriftCheck(RegistryState state, SnapshotWriter writer, Retries retries) {
        this.state = state;
        this.writer = writer;
        this.retries = retries;
    }

    void run() throws CallFailed {
        long s0 = state.currentSeq();
        List<String> ids = state.calls.routerIds();
        Snapshot s = state.snapshot;
        if (ids.isEmpty() && (!s.routers().isEmpty() || !s.skipped().isEmpty())) {
            state.calls.confirmRegistered();
        }
        Set<String> want = new HashSet<>(ids);
        int removed = writer.applyMembership(want, s0, "periodic check");
        int added = 0;
        synchronized (state.lock) {
            if (state.stopped) {
                return;
            }
            Snapshot now = state.snapshot;
            for (String id : ids) {
                if (!now.routers().containsKey(id) && !state.pending.contains(id)) {
                    state.pending.add(id, PendingEvents.Action.FETCH);
                    added++;
                }
            }
            state.lastGoodSyncMillis = state.scheduler.currentTimeMillis();
            state.stats.driftChecks.incrementAndGet();
            state.stats.driftAdded.addAndGet(added);
            state.stats.driftRemoved.addAndGet(removed);
            retries.succeeded();
        }
        if (added > 0) {
            LOG.info("Periodic check: {} routers scheduled to host {} not known here (a notification missed?); "
                    + "fetching them", added, state.shownHost);
        }
    }
}
