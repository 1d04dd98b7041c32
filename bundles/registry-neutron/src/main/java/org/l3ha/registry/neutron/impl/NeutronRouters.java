package org.l3ha.registry.neutron.impl;

import org.l3ha.common.Scheduler;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.Router;
import org.l3ha.api.RouterRegistry;
import org.l3ha.api.RouterRegistryListener;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.RouterIds;

/**
 * The routers neutron-server schedules to this host, kept as Neutron's L3 agent keeps them: a
 * full sync ({@code get_router_ids}, then {@code sync_routers} in chunks) at start, after the
 * notification feed (re)connects and after a failed sync; every {@code periodicInterval} only
 * {@code get_router_ids}, fetching new ids and dropping gone ones; notifications fetch or drop the
 * routers they name; a {@link #find} of an unknown id fetches it once (deduplicated and
 * rate-limited per id).
 *
 * <p>This class wires the jobs together and answers the readers: {@link Pump} runs the steps,
 * {@link FullSync}, {@link DriftCheck} and {@link Fetches} make the calls, {@link FeedEvents} applies
 * the notification feed, {@link SnapshotWriter} swaps the snapshot and tells the listener,
 * {@link Retries} handles failures; {@link RegistryState} holds what they share. Their log lines all
 * use this class's logger.
 *
 * <p><b>Threads.</b> Every call to neutron-server runs on the {@link Scheduler}, one at a time;
 * {@link #find}, {@link #all}, the {@link L3Events} of {@link #events()}, {@link #check} and
 * {@link #counters} may be called from any thread and never wait for neutron-server. Readers answer
 * from an immutable snapshot swapped in one step; each swap that adds, changes or removes routers
 * is one {@code routersChanged} call to the listener given to the constructor (on the scheduler's
 * thread, after the swap, never while a lock is held), naming every such router. A full sync swaps
 * once for the routers no longer scheduled here and once per chunk.
 *
 * <p><b>Ordering.</b> The newest event per router wins: a notification that arrives while a call
 * is in flight is not overtaken by the call's (older) answer. A router dropped by a notification
 * during a {@code sync_routers} that returns it stays dropped; one updated during the call is
 * fetched again after it.
 *
 * <p><b>Faults.</b> A failed call is retried with capped exponential backoff; the routers of the
 * last good sync stay in effect (a failure never empties the registry), and {@link #check} says
 * WARN with the cause. {@code AgentNotFoundByTypeHost} means this host is not a registered L3 agent
 * in neutron-server: one ERROR line naming the host, CRITICAL health, retried all the same. A
 * router dict that cannot be read is skipped with one log line naming router and field (its last
 * good version, if any, stays), counted, and listed in the health; the rest of the reply is used.
 * A {@code sync_routers} that times out asks for half as many routers at a time, down to
 * {@link NeutronSettings#minChunkSize()}; each completed full sync grows the chunk back by that
 * much, up to {@link NeutronSettings#syncRoutersChunkSize()}.
 *
 * <p>{@code get_router_ids} answers {@code []} also for a host that is not a registered agent. So
 * before an empty answer drops routers, {@code sync_routers(host, [])} is asked, which raises
 * {@code AgentNotFoundByTypeHost} for such a host (and returns nothing for a registered host
 * without routers).
 */
final class NeutronRouters implements RouterRegistry, HealthCheck, StatsProvider {
    private static final Logger LOG = LoggerFactory.getLogger(NeutronRouters.class);

    private final RegistryState state;
    private final Pump pump;
    private final Fetches fetches;
    private final FeedEvents feed;

    /**
     * @param host this agent's host name, as it reports itself to neutron-server
     * @param settings pacing of the calls
     * @param rpc neutron-server's L3 plugin RPC
     * @param scheduler where the calls run and time is kept
     * @param listener told after each swap that added, changed or removed routers (must not block)
     */
    NeutronRouters(String host, NeutronSettings settings, L3PluginRpc rpc, Scheduler scheduler,
            RouterRegistryListener listener) {
        state = new RegistryState(host, settings, rpc, scheduler);
        SnapshotWriter writer = new SnapshotWriter(state, Objects.requireNonNull(listener, "listener"));
        Retries retries = new Retries(state);
        fetches = new Fetches(state, writer, retries);
        pump = new Pump(state, retries, writer, new FullSync(state, writer, retries), fetches,
                new DriftCheck(state, writer, retries));
        feed = new FeedEvents(state, retries, pump);
    }

    /** Starts the first full sync and the periodic check. Idempotent. */
    void start() {
        synchronized (state.lock) {
            if (state.started || state.stopped) {
                return;
            }
            state.started = true;
            state.fullSyncRequested = true;
            pump.schedulePeriodic();
            pump.kick();
        }
        LOG.info("Neutron router registry for host {} starting: full sync, then get_router_ids every {} s; "
                + "sync_routers asks for at most {} routers at a time", state.shownHost,
                state.settings.periodicInterval().toSeconds(), state.settings.syncRoutersChunkSize());
    }

    /**
     * Stops: no call starts any more and no listener is told anything after this returns (a call in
     * flight finishes on the scheduler's thread and its answer is dropped). The routers stay
     * readable. Idempotent.
     */
    void stop() {
        int n;
        synchronized (state.lock) {
            if (state.stopped) {
                return;
            }
            state.stopped = true;
            pump.cancelTimers();
            state.pending.clear();
            n = state.snapshot.routers().size();
        }
        LOG.info("Neutron router registry for host {} stopped ({} routers)", state.shownHost, n);
    }

    /* ---------------------------------------------------------------- RouterRegistry */

    /**
     * @return the router if neutron-server scheduled it here; for an unknown id empty at once, and
     *         (at most once per {@link NeutronSettings#lookupInterval()} per id, and not while a full
     *         sync is due anyway) a fetch of that router starts; if neutron-server returns it, it is
     *         added and the listener is told
     */
    @Override
    public Optional<Router> find(String routerId) {
        if (!RouterIds.isUuid(routerId)) {
            return Optional.empty();
        }
        String id = RouterIds.normalize(routerId);
        Router r = state.snapshot.routers().get(id);
        if (r != null) {
            return Optional.of(r);
        }
        fetches.lookup(id, pump::kick);
        return Optional.empty();
    }

    @Override
    public Collection<Router> all() {
        return Collections.unmodifiableCollection(state.snapshot.routers().values());
    }

    /** @return where the notification feed's deliveries go (any thread; never waits for neutron-server) */
    L3Events events() {
        return feed;
    }

    /* ---------------------------------------------------------------- health and counters */

    /** @return the verdict of {@link RegistryHealth} on the registry now */
    @Override
    public HealthResult check() {
        synchronized (state.lock) {
            return new RegistryHealth(state.shownHost, state.snapshot, state.backoff.last(), state.lastGoodSyncMillis,
                    state.feedDown, state.feedDownSinceMillis, state.backoff.retryIn(state.scheduler.nanoTime()),
                    state.unidentifiedNow).verdict();
        }
    }

    /**
     * @return {@code routers}, {@code routers_skipped} (latest dict rejected), {@code routers_incomplete},
     *         {@code full_syncs}, {@code drift_checks}, {@code drift_added}, {@code drift_removed},
     *         {@code rpc_get_router_ids}, {@code rpc_sync_routers}, {@code routers_fetched} (dicts received),
     *         {@code dicts_rejected}, {@code failures_<kind>} (connection, timeout, remote, other),
     *         {@code failures_agent_not_found}, {@code chunk_timeouts}, {@code chunk_size} (now),
     *         {@code lookups} (fetches started by find), {@code notifications_<method>},
     *         {@code notifications_ignored}, {@code notifications_malformed}, {@code feed_connects},
     *         {@code feed_disconnects}
     */
    @Override
    public Map<String, Long> counters() {
        Snapshot s = state.snapshot;
        return state.stats.counters(s.routers().size(), s.skipped().size(), s.incomplete().size(),
                state.chunk());
    }

    String host() {
        return state.host;
    }
}
