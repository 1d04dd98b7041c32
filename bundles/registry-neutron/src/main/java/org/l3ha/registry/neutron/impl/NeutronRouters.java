package org.l3ha.registry.neutron.impl;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.Router;
import org.l3ha.api.RouterRegistry;
import org.l3ha.api.RouterRegistryListener;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.LogText;
import org.l3ha.common.RouterIds;
import org.l3ha.common.routers.BadDocumentException;
import org.l3ha.common.routers.RouterParser;

/**
 * The routers neutron-server schedules to this host, kept as Neutron's L3 agent keeps them: a
 * full sync ({@code get_router_ids}, then {@code sync_routers} in chunks) at start, after the
 * notification feed (re)connects and after a failed sync; every {@code periodicInterval} only
 * {@code get_router_ids}, fetching new ids and dropping gone ones; notifications fetch or drop the
 * routers they name; a {@link #find} of an unknown id fetches it once (deduplicated and
 * rate-limited per id).
 *
 * <p><b>Threads.</b> Every call to neutron-server runs on the {@link Scheduler}, one at a time;
 * {@link #find}, {@link #all}, the {@link L3Events} methods, {@link #check} and {@link #counters}
 * may be called from any thread and never wait for neutron-server. Readers answer from an
 * immutable snapshot swapped in one step; each swap that adds, changes or removes routers is one
 * {@code routersChanged} call to the listener given to the constructor (on the scheduler's thread,
 * after the swap, never while a lock is held), naming every such router. A full sync swaps once
 * for the routers no longer scheduled here and once per chunk.
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
final class NeutronRouters implements RouterRegistry, L3Events, HealthCheck, StatsProvider {
    private static final Logger LOG = LoggerFactory.getLogger(NeutronRouters.class);

    /** Most router ids named in the health message. */
    static final int MAX_IDS_IN_HEALTH = 10;
    /** Most ids whose last lookup time is remembered (oldest forgotten first). */
    static final int MAX_LOOKUPS_REMEMBERED = 100_000;
    /** Longest text from outside (an error message, a cause) shown in the log or health. */
    static final int MAX_SHOWN = 300;

    /**
     * What readers see: published in one volatile write, never modified afterwards.
     *
     * @param routers router id (lower case) to router
     * @param skipped router id to why its latest dict was rejected (log-safe); its last good version,
     *        if any, is in {@code routers}
     * @param incomplete router id to the subnets and DNS servers it was loaded without (log-safe)
     */
    record Snapshot(Map<String, Router> routers, Map<String, String> skipped, Map<String, String> incomplete) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), Map.of());
    }

    private enum Action { FETCH, REMOVE }

    /** The newest event for a router not yet acted on; {@code seq} orders it against calls in flight. */
    private record Pending(Action action, long seq) {
    }

    private enum StepKind { FULL, FETCH, DRIFT, REMOVE }

    private record Step(StepKind kind, List<String> ids) {
    }

    /** The last failed call, for health and for logging a failure once. */
    private record Failure(NeutronRpcException.Kind kind, String method, String remoteClass, String message,
            boolean agentNotFound, long atMillis) {
        boolean same(Failure o) {
            return o != null && kind == o.kind && method.equals(o.method) && Objects.equals(remoteClass, o.remoteClass)
                    && message.equals(o.message);
        }
    }

    /** A failed call and which RPC method it was. */
    private static final class CallFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final String method;
        final NeutronRpcException failure;

        CallFailed(String method, NeutronRpcException failure) {
            super(failure.getMessage(), failure);
            this.method = method;
            this.failure = failure;
        }
    }

    private final String host;
    private final String shownHost;
    private final NeutronSettings settings;
    private final L3PluginRpc rpc;
    private final Scheduler scheduler;
    private final RouterRegistryListener listener;
    private final RegistryStats stats = new RegistryStats();

    /* readers: one volatile read, never a lock */
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    private final Object lock = new Object();
    /* guarded by lock */
    private final LinkedHashMap<String, Pending> pending = new LinkedHashMap<>();
    private final LinkedHashMap<String, Long> lookups = new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_LOOKUPS_REMEMBERED;
        }
    };
    private final Set<String> malformedLogged = new HashSet<>();
    private long seq;
    private boolean started;
    private boolean stopped;
    private boolean pumpScheduled;
    private boolean fullSyncRequested;
    private boolean fullSyncRunning;
    private boolean driftCheckDue;
    private boolean waitingForRetry;
    private long retryAt;
    private Duration backoff;
    private Runnable retryTimer;
    private Runnable periodicTimer;
    private Failure failure;
    private int failedAttempts;
    private long lastGoodSyncMillis = -1;
    private String feedDown;
    private long feedDownSinceMillis;
    private int chunk;
    private int badIdsLogged;
    private String unidentifiedLogged;
    private String unidentifiedNow;

    /**
     * @param host this agent's host name, as it reports itself to neutron-server
     * @param settings pacing of the calls
     * @param rpc neutron-server's L3 plugin RPC
     * @param scheduler where the calls run and time is kept
     * @param listener told after each swap that added, changed or removed routers (must not block)
     */
    NeutronRouters(String host, NeutronSettings settings, L3PluginRpc rpc, Scheduler scheduler,
            RouterRegistryListener listener) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        this.host = host;
        this.shownHost = LogText.quote(host, MAX_SHOWN);
        this.settings = Objects.requireNonNull(settings, "settings");
        this.rpc = Objects.requireNonNull(rpc, "rpc");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.chunk = settings.syncRoutersChunkSize();
    }

    /** Starts the first full sync and the periodic check. Idempotent. */
    void start() {
        synchronized (lock) {
            if (started || stopped) {
                return;
            }
            started = true;
            fullSyncRequested = true;
            schedulePeriodic();
            kick();
        }
        LOG.info("Neutron router registry for host {} starting: full sync, then get_router_ids every {} s; "
                + "sync_routers asks for at most {} routers at a time", shownHost,
                settings.periodicInterval().toSeconds(), settings.syncRoutersChunkSize());
    }

    /**
     * Stops: no call starts any more and no listener is told anything after this returns (a call in
     * flight finishes on the scheduler's thread and its answer is dropped). The routers stay
     * readable. Idempotent.
     */
    void stop() {
        int n;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
            cancel(periodicTimer);
            cancel(retryTimer);
            periodicTimer = null;
            retryTimer = null;
            pending.clear();
            n = snapshot.routers().size();
        }
        LOG.info("Neutron router registry for host {} stopped ({} routers)", shownHost, n);
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
        Router r = snapshot.routers().get(id);
        if (r != null) {
            return Optional.of(r);
        }
        lookup(id);
        return Optional.empty();
    }

    @Override
    public Collection<Router> all() {
        return Collections.unmodifiableCollection(snapshot.routers().values());
    }

    private void lookup(String id) {
        synchronized (lock) {
            if (!started || stopped || fullSyncRequested || fullSyncRunning || pending.containsKey(id)) {
                return;
            }
            long now = scheduler.nanoTime();
            Long last = lookups.get(id);
            if (last != null && now - last < settings.lookupInterval().toNanos()) {
                return;
            }
            lookups.put(id, now);
            stats.lookups.incrementAndGet();
            enqueue(id, Action.FETCH);
            kick();
        }
        LOG.debug("Router {} unknown: asking neutron-server for it", id);
    }

    /* ---------------------------------------------------------------- L3Events */

    @Override
    public void connected() {
        String was;
        long since;
        synchronized (lock) {
            stats.feedConnects.incrementAndGet();
            was = feedDown;
            since = feedDownSinceMillis;
            feedDown = null;
            if (!started || stopped) {
                return;
            }
            fullSyncRequested = true;
            if (waitingForRetry) {
                // the broker is back: no reason to wait out the backoff
                waitingForRetry = false;
                cancel(retryTimer);
                retryTimer = null;
            }
            kick();
        }
        if (was != null) {
            LOG.info("Notification feed reconnected (down since {}): syncing every router again", time(since));
        } else {
            LOG.info("Notification feed connected: syncing every router (notifications before it were not seen)");
        }
    }

    @Override
    public void disconnected(String cause) {
        String shown = shown(cause);
        boolean first;
        synchronized (lock) {
            stats.feedDisconnects.incrementAndGet();
            first = feedDown == null;
            if (first) {
                feedDownSinceMillis = scheduler.currentTimeMillis();
            }
            feedDown = shown;
        }
        if (first) {
            LOG.warn("Notification feed disconnected ({}): keeping the routers; changes in neutron-server are seen "
                    + "again when it reconnects, and meanwhile only by the periodic check every {} s", shown,
                    settings.periodicInterval().toSeconds());
        }
    }

    @Override
    public void notification(String method, JsonNode args) {
        L3Notification n = L3Notification.decode(method, args);
        if (n.method() == null) {
            stats.notificationsIgnored.incrementAndGet();
            LOG.debug("Notification {} ignored", LogText.quote(method, MAX_SHOWN));
            return;
        }
        stats.notified(n.method());
        String name = n.method().wireName();
        if (n.malformed() != null) {
            stats.notificationsMalformed.incrementAndGet();
            boolean log;
            synchronized (lock) {
                log = malformedLogged.size() < 100 && malformedLogged.add(name + ": " + n.malformed());
                if (started && !stopped) {
                    fullSyncRequested = true;
                    kick();
                }
            }
            if (log) {
                LOG.warn("Notification {} from neutron-server cannot be read ({}): syncing every router instead", name,
                        n.malformed());
            }
            return;
        }
        if (!n.problems().isEmpty()) {
            LOG.warn("Notification {} from neutron-server: {} entries skipped ({})", name, n.problems().size(),
                    String.join("; ", n.problems()));
        }
        synchronized (lock) {
            if (!started || stopped) {
                return;   // the full sync at start reads what it would have told
            }
            for (String id : n.ids()) {
                enqueue(id, n.method().removes() ? Action.REMOVE : Action.FETCH);
            }
            kick();
        }
        LOG.debug("Notification {} for {}", name, n.ids());
    }

    /* ---------------------------------------------------------------- the worker */

    /* caller holds lock */
    private void enqueue(String id, Action action) {
        pending.remove(id);   // the newest event goes last
        pending.put(id, new Pending(action, ++seq));
    }

    /* caller holds lock */
    private void kick() {
        if (!pumpScheduled && !stopped) {
            pumpScheduled = true;
            scheduler.execute(this::pump);
        }
    }

    /** Runs steps until there is nothing to do now; only one pump runs at a time (pumpScheduled). */
    private void pump() {
        boolean idle = false;
        try {
            while (true) {
                Step step;
                synchronized (lock) {
                    step = nextStep();
                    if (step == null) {
                        pumpScheduled = false;
                        idle = true;
                        return;
                    }
                }
                run(step);
            }
        } finally {
            if (!idle) {
                synchronized (lock) {
                    pumpScheduled = false;
                }
            }
        }
    }

    /* caller holds lock */
    private Step nextStep() {
        if (stopped) {
            return null;
        }
        List<String> removals = takeRemovals();
        if (!removals.isEmpty()) {
            return new Step(StepKind.REMOVE, removals);   // no call: also while calls wait for their retry
        }
        if (waitingForRetry) {
            if (scheduler.nanoTime() - retryAt < 0) {
                return null;   // the retry timer kicks the pump
            }
            waitingForRetry = false;
        }
        if (fullSyncRequested) {
            fullSyncRequested = false;
            fullSyncRunning = true;
            return new Step(StepKind.FULL, List.of());
        }
        List<String> fetch = new ArrayList<>();
        for (Map.Entry<String, Pending> e : pending.entrySet()) {
            if (e.getValue().action() == Action.FETCH) {
                fetch.add(e.getKey());
                if (fetch.size() == chunk) {
                    break;
                }
            }
        }
        if (!fetch.isEmpty()) {
            return new Step(StepKind.FETCH, fetch);
        }
        if (driftCheckDue) {
            driftCheckDue = false;
            return new Step(StepKind.DRIFT, List.of());
        }
        return null;
    }

    /* caller holds lock */
    private List<String> takeRemovals() {
        List<String> ids = new ArrayList<>();
        for (Iterator<Map.Entry<String, Pending>> it = pending.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Pending> e = it.next();
            if (e.getValue().action() == Action.REMOVE) {
                ids.add(e.getKey());
                it.remove();
            }
        }
        return ids;
    }

    private void run(Step step) {
        try {
            switch (step.kind()) {
                case REMOVE:
                    applyRemovals(step.ids());
                    break;
                case FULL:
                    fullSync();
                    break;
                case FETCH:
                    fetch(step.ids());
                    break;
                case DRIFT:
                    driftCheck();
                    break;
                default:
                    throw new IllegalStateException(step.kind().name());
            }
        } catch (CallFailed e) {
            synchronized (lock) {
                failed(step.kind(), e);
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.error("Neutron router registry: unexpected failure in {}; retrying", step.kind(), e);
            synchronized (lock) {
                failed(step.kind(), new CallFailed(step.kind().name().toLowerCase(Locale.ROOT),
                        new NeutronRpcException(NeutronRpcException.Kind.OTHER, e.toString(), e)));
            }
        } finally {
            if (step.kind() == StepKind.FULL) {
                synchronized (lock) {
                    fullSyncRunning = false;
                }
            }
        }
    }

    private void fullSync() throws CallFailed {
        long begun = scheduler.nanoTime();
        long s0;
        synchronized (lock) {
            s0 = seq;
            unidentifiedNow = null;   // said again by any reply of this sync that still has such dicts
        }
        List<String> ids = validIds(getRouterIds());
        if (ids.isEmpty()) {
            confirmRegistered();
        }
        applyMembership(new HashSet<>(ids), s0, "full sync");
        int calls = 0;
        int i = 0;
        while (i < ids.size()) {
            if (isStopped()) {
                return;
            }
            int n = Math.min(chunk(), ids.size() - i);
            List<String> batch = List.copyOf(ids.subList(i, i + n));
            long sb = currentSeq();
            JsonNode reply;
            try {
                calls++;
                reply = syncRouters(batch);
            } catch (CallFailed e) {
                if (shrinkAfterTimeout(e, n)) {
                    continue;
                }
                throw e;
            }
            applyReply(batch, reply, sb);
            i += n;
            List<String> removals;
            synchronized (lock) {
                removals = takeRemovals();
            }
            applyRemovals(removals);   // notified meanwhile: not held back until the sync ends
        }
        int routers;
        int grownTo;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            lastGoodSyncMillis = scheduler.currentTimeMillis();
            driftCheckDue = false;
            grownTo = chunk = Math.min(settings.syncRoutersChunkSize(), chunk + settings.minChunkSize());
            stats.fullSyncs.incrementAndGet();
            succeeded();
            routers = snapshot.routers().size();
        }
        LOG.info("Full sync with neutron-server for host {} done: {} routers ({} scheduled here, {} sync_routers calls, "
                + "{} ms); chunk size {}", shownHost, routers, ids.size(), calls,
                Duration.ofNanos(scheduler.nanoTime() - begun).toMillis(), grownTo);
    }

    private void fetch(List<String> ids) throws CallFailed {
        long s0 = currentSeq();
        JsonNode reply;
        try {
            reply = syncRouters(ids);
        } catch (CallFailed e) {
            if (shrinkAfterTimeout(e, ids.size())) {
                return;   // the ids are still pending: asked for again, fewer at a time
            }
            throw e;
        }
        applyReply(ids, reply, s0);
        synchronized (lock) {
            succeeded();
        }
    }

    private void driftCheck() throws CallFailed {
        long s0 = currentSeq();
        List<String> ids = validIds(getRouterIds());
        Snapshot s = snapshot;
        if (ids.isEmpty() && (!s.routers().isEmpty() || !s.skipped().isEmpty())) {
            confirmRegistered();
        }
        Set<String> want = new HashSet<>(ids);
        int removed = applyMembership(want, s0, "periodic check");
        int added = 0;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            Snapshot now = snapshot;
            for (String id : ids) {
                if (!now.routers().containsKey(id) && !pending.containsKey(id)) {
                    enqueue(id, Action.FETCH);
                    added++;
                }
            }
            lastGoodSyncMillis = scheduler.currentTimeMillis();
            stats.driftChecks.incrementAndGet();
            stats.driftAdded.addAndGet(added);
            stats.driftRemoved.addAndGet(removed);
            succeeded();
        }
        if (added > 0) {
            LOG.info("Periodic check: {} routers scheduled to host {} not known here (a notification missed?); "
                    + "fetching them", added, shownHost);
        }
    }

    /** Asks sync_routers for nothing: it raises AgentNotFoundByTypeHost for a host that is no registered agent. */
    private void confirmRegistered() throws CallFailed {
        JsonNode reply = syncRouters(List.of());
        if (reply.size() > 0) {
            LOG.debug("sync_routers(host, []) returned {} routers after get_router_ids returned none; "
                    + "their notifications will bring them", reply.size());
        }
    }

    /**
     * Drops the routers not in {@code want} (get_router_ids' answer, asked at {@code s0}), except
     * those with an event newer than the answer.
     *
     * @return how many routers were dropped
     */
    private int applyMembership(Set<String> want, long s0, String why) {
        Set<String> changed;
        int removed = 0;
        synchronized (lock) {
            if (stopped) {
                return 0;
            }
            Edit edit = new Edit(snapshot);
            Set<String> known = new HashSet<>(edit.base.routers().keySet());
            known.addAll(edit.base.skipped().keySet());
            for (String id : known) {
                if (want.contains(id) || newer(id, s0)) {
                    continue;
                }
                pending.remove(id);
                if (edit.remove(id)) {
                    removed++;
                }
            }
            // earlier requests for ids not scheduled here are answered too
            pending.entrySet().removeIf(e -> e.getValue().seq() <= s0 && !want.contains(e.getKey()));
            changed = publish(edit);
        }
        if (removed > 0) {
            LOG.info("{} routers no longer scheduled to host {} removed ({})", removed, shownHost, why);
        }
        tell(changed);
        return removed;
    }

    private void applyRemovals(List<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        Set<String> changed;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            Edit edit = new Edit(snapshot);
            for (String id : ids) {
                edit.remove(id);
            }
            changed = publish(edit);
        }
        if (!changed.isEmpty()) {
            LOG.info("{} routers removed by neutron-server's notifications: {}", changed.size(),
                    String.join(", ", first(changed)) + (changed.size() > MAX_IDS_IN_HEALTH ? ", ..." : ""));
        }
        tell(changed);
    }

    /**
     * Applies a sync_routers reply: returned routers added or changed (a rejected dict skipped,
     * its last good version kept), requested routers not returned dropped; events newer than the
     * call ({@code s0}) win.
     */
    private void applyReply(List<String> requested, JsonNode reply, long s0) {
        Map<String, RouterParser.Parsed> good = new LinkedHashMap<>();
        Map<String, String> bad = new LinkedHashMap<>();
        List<String> unidentified = new ArrayList<>();
        for (int i = 0; i < reply.size(); i++) {
            try {
                RouterParser.Parsed p = RouterParser.readRouterDict(reply.get(i));
                good.put(p.router().id(), p);
                bad.remove(p.router().id());
            } catch (BadDocumentException e) {
                Optional<String> id = e.routerId();
                if (id.isPresent()) {
                    bad.put(id.get(), e.getMessage());
                    good.remove(id.get());
                } else {
                    unidentified.add("element " + (i + 1) + " of " + reply.size() + ": " + e.getMessage());
                }
            }
        }
        stats.routersFetched.addAndGet(reply.size());
        stats.dictsRejected.addAndGet(bad.size() + unidentified.size());
        Set<String> changed;
        int[] counts = new int[3];
        synchronized (lock) {
            if (stopped) {
                return;
            }
            Edit edit = new Edit(snapshot);
            for (RouterParser.Parsed p : good.values()) {
                String id = p.router().id();
                if (!removedLater(id, s0)) {
                    counts[edit.base.routers().containsKey(id) ? 1 : 0] += edit.put(p) ? 1 : 0;
                }
            }
            for (Map.Entry<String, String> e : bad.entrySet()) {
                if (!removedLater(e.getKey(), s0)) {
                    edit.skip(e.getKey(), e.getValue());
                }
            }
            if (unidentified.isEmpty()) {
                for (String id : requested) {
                    if (!good.containsKey(id) && !bad.containsKey(id) && !newer(id, s0) && edit.remove(id)) {
                        counts[2]++;
                    }
                }
            } else {
                // a dict without a usable id may be any of those asked for: none is dropped this time
                unidentifiedNow = unidentified.size() + " router dicts without a usable id (" + unidentified.get(0) + ")";
            }
            Set<String> answered = new HashSet<>(requested);
            answered.addAll(good.keySet());
            answered.addAll(bad.keySet());
            for (String id : answered) {
                Pending p = pending.get(id);
                if (p != null && p.seq() <= s0) {
                    pending.remove(id);
                }
            }
            changed = publish(edit);
            if (!unidentified.isEmpty() && !unidentified.get(0).equals(unidentifiedLogged)) {
                unidentifiedLogged = unidentified.get(0);
                LOG.warn("sync_routers reply for host {}: {} router dicts skipped, without a usable id ({}); routers "
                        + "asked for and not returned are kept this time", shownHost, unidentified.size(),
                        String.join("; ", unidentified));
            }
        }
        if (!changed.isEmpty()) {
            LOG.debug("sync_routers for {} routers: {} added, {} changed, {} removed", requested.size(), counts[0],
                    counts[1], counts[2]);
        }
        tell(changed);
    }

    /** A timed-out sync_routers for more than the floor: halve the chunk and go on at once. */
    private boolean shrinkAfterTimeout(CallFailed e, int asked) {
        if (e.failure.kind() != NeutronRpcException.Kind.TIMEOUT || asked <= settings.minChunkSize()) {
            return false;
        }
        int now;
        synchronized (lock) {
            now = chunk = Math.max(settings.minChunkSize(), asked / 2);
        }
        stats.failed(NeutronRpcException.Kind.TIMEOUT);
        stats.chunkTimeouts.incrementAndGet();
        LOG.warn("sync_routers for {} routers timed out ({}); asking for {} at a time", asked, shown(e.getMessage()), now);
        return true;
    }

    /* caller holds lock */
    private void failed(StepKind kind, CallFailed e) {
        NeutronRpcException x = e.failure;
        stats.failed(x.kind());
        if (x.agentNotFound()) {
            stats.agentNotFound.incrementAndGet();
        }
        if (stopped) {
            return;
        }
        Failure f = new Failure(x.kind(), e.method, x.remoteClass().map(c -> shown(c)).orElse(null),
                shown(x.getMessage()), x.agentNotFound(), scheduler.currentTimeMillis());
        boolean again = f.same(failure);
        failure = f;
        failedAttempts++;
        backoff = backoff == null ? settings.retryMin()
                : min(backoff.multipliedBy(2), settings.retryMax());
        waitingForRetry = true;
        retryAt = scheduler.nanoTime() + backoff.toNanos();
        cancel(retryTimer);
        retryTimer = scheduler.schedule(this::retryDue, backoff);
        if (kind == StepKind.FULL || kind == StepKind.DRIFT) {
            fullSyncRequested = true;
        }
        int n = snapshot.routers().size();
        if (again) {
            LOG.debug("{} failed again ({}); retrying in {} ms", e.method, f.message(), backoff.toMillis());
        } else if (f.agentNotFound()) {
            LOG.error("This host ({}) is not a registered L3 agent in neutron-server: {} raised {}. Register this "
                    + "host's L3 agent in neutron-server (its state reports), or check host in org.l3ha.agent (the "
                    + "name the agent reports). Keeping {} routers from the last good sync ({}); retrying with backoff",
                    shownHost, e.method, f.remoteClass(), n, time(lastGoodSyncMillis));
        } else {
            LOG.warn("{}; keeping {} routers from the last good sync ({}); retrying in {} ms, then backing off up "
                    + "to {} s", describe(f), n, time(lastGoodSyncMillis), backoff.toMillis(),
                    settings.retryMax().toSeconds());
        }
    }

    /* caller holds lock */
    private void succeeded() {
        backoff = null;
        if (failure != null) {
            LOG.info("neutron-server answers again (after {} failed attempt(s) since {}; last: {})", failedAttempts,
                    time(failure.atMillis()), describe(failure));
            failure = null;
            failedAttempts = 0;
        }
    }

    private void retryDue() {
        synchronized (lock) {
            retryTimer = null;
            kick();
        }
    }

    private void schedulePeriodic() {
        periodicTimer = scheduler.schedule(this::periodicDue, settings.periodicInterval());
    }

    private void periodicDue() {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            if (!fullSyncRequested && !fullSyncRunning) {
                driftCheckDue = true;
            }
            schedulePeriodic();
            kick();
        }
    }

    /* ---------------------------------------------------------------- calls */

    private List<String> getRouterIds() throws CallFailed {
        stats.getRouterIdsCalls.incrementAndGet();
        try {
            List<String> ids = rpc.getRouterIds(host);
            if (ids == null) {
                throw new NeutronRpcException(NeutronRpcException.Kind.OTHER, "no answer");
            }
            return ids;
        } catch (NeutronRpcException e) {
            throw new CallFailed("get_router_ids", e);
        } catch (RuntimeException e) {
            throw new CallFailed("get_router_ids", new NeutronRpcException(NeutronRpcException.Kind.OTHER, e.toString(), e));
        }
    }

    private JsonNode syncRouters(List<String> ids) throws CallFailed {
        stats.syncRoutersCalls.incrementAndGet();
        try {
            JsonNode reply = rpc.syncRouters(host, ids);
            if (reply == null || !reply.isArray()) {
                throw new NeutronRpcException(NeutronRpcException.Kind.OTHER,
                        "the reply is not a list of router dicts but " + L3Notification.kind(reply));
            }
            return reply;
        } catch (NeutronRpcException e) {
            throw new CallFailed("sync_routers", e);
        } catch (RuntimeException e) {
            throw new CallFailed("sync_routers", new NeutronRpcException(NeutronRpcException.Kind.OTHER, e.toString(), e));
        }
    }

    /** @return the UUIDs of get_router_ids' answer, lower case, in order, once each */
    private List<String> validIds(List<String> raw) {
        Set<String> ids = new LinkedHashSet<>();
        int bad = 0;
        for (String s : raw) {
            if (RouterIds.isUuid(s)) {
                ids.add(RouterIds.normalize(s));
            } else {
                bad++;
            }
        }
        boolean log;
        synchronized (lock) {
            log = bad != badIdsLogged;
            badIdsLogged = bad;
        }
        if (log && bad > 0) {
            LOG.warn("get_router_ids for host {} returned {} entries that are not router ids (UUIDs); ignored",
                    shownHost, bad);
        }
        return new ArrayList<>(ids);
    }

    /* ---------------------------------------------------------------- snapshots */

    /** Changes to the current snapshot, made under the lock and published in one step. */
    private final class Edit {
        final Snapshot base;
        private Map<String, Router> routers;
        private Map<String, String> skipped;
        private Map<String, String> incomplete;
        final Set<String> changed = new TreeSet<>();

        Edit(Snapshot base) {
            this.base = base;
        }

        private Map<String, Router> routers() {
            if (routers == null) {
                routers = new HashMap<>(base.routers());
            }
            return routers;
        }

        private Map<String, String> skipped() {
            if (skipped == null) {
                skipped = new TreeMap<>(base.skipped());
            }
            return skipped;
        }

        private Map<String, String> incomplete() {
            if (incomplete == null) {
                incomplete = new TreeMap<>(base.incomplete());
            }
            return incomplete;
        }

        private Map<String, Router> currentRouters() {
            return routers != null ? routers : base.routers();
        }

        /** @return whether the router was added or changed */
        boolean put(RouterParser.Parsed p) {
            Router r = p.router();
            String id = r.id();
            if ((skipped != null ? skipped : base.skipped()).containsKey(id)) {
                skipped().remove(id);
                LOG.info("Router {} from neutron-server is readable again", id);
            }
            String now = p.skipped().isEmpty() ? null : String.join("; ", p.skipped());
            String before = (incomplete != null ? incomplete : base.incomplete()).get(id);
            if (!Objects.equals(before, now)) {
                if (now == null) {
                    incomplete().remove(id);
                    LOG.info("Router {} from neutron-server loaded with all its subnets again", id);
                } else {
                    incomplete().put(id, now);
                    LOG.warn("Router {} from neutron-server loaded without {} subnet(s) or DNS server(s) radvd cannot "
                            + "advertise: {}", id, p.skipped().size(), now);
                }
            }
            if (r.equals(currentRouters().get(id))) {
                return false;
            }
            routers().put(id, r);
            changed.add(id);
            return true;
        }

        void skip(String id, String reason) {
            String before = (skipped != null ? skipped : base.skipped()).get(id);
            if (reason.equals(before)) {
                return;
            }
            skipped().put(id, reason);
            boolean kept = currentRouters().containsKey(id);
            LOG.warn("Router {} from neutron-server skipped: {}; {}", id, reason,
                    kept ? "keeping its last good version" : "not loaded");
        }

        /** @return whether a router was removed */
        boolean remove(String id) {
            if ((skipped != null ? skipped : base.skipped()).containsKey(id)) {
                skipped().remove(id);
            }
            if ((incomplete != null ? incomplete : base.incomplete()).containsKey(id)) {
                incomplete().remove(id);
            }
            // find() right after a removal (a listener asking for the router it was told about) asks nothing
            lookups.put(id, scheduler.nanoTime());
            if (!currentRouters().containsKey(id)) {
                return false;
            }
            routers().remove(id);
            changed.add(id);
            return true;
        }

        Snapshot result() {
            if (routers == null && skipped == null && incomplete == null) {
                return base;
            }
            return new Snapshot(
                    routers == null ? base.routers() : Collections.unmodifiableMap(routers),
                    skipped == null ? base.skipped() : Collections.unmodifiableMap(skipped),
                    incomplete == null ? base.incomplete() : Collections.unmodifiableMap(incomplete));
        }
    }

    /* caller holds lock */
    private Set<String> publish(Edit edit) {
        snapshot = edit.result();
        return edit.changed;
    }

    private void tell(Set<String> ids) {
        if (ids.isEmpty() || isStopped()) {
            return;
        }
        try {
            listener.routersChanged(Collections.unmodifiableSet(new LinkedHashSet<>(ids)));
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Router registry listener failed on {} changed routers", ids.size(), e);
        }
    }

    /* caller holds lock: whether an event for id is newer than a call made at s0 */
    private boolean newer(String id, long s0) {
        Pending p = pending.get(id);
        return p != null && p.seq() > s0;
    }

    /* caller holds lock */
    private boolean removedLater(String id, long s0) {
        Pending p = pending.get(id);
        return p != null && p.seq() > s0 && p.action() == Action.REMOVE;
    }

    private long currentSeq() {
        synchronized (lock) {
            return seq;
        }
    }

    private int chunk() {
        synchronized (lock) {
            return chunk;
        }
    }

    private boolean isStopped() {
        synchronized (lock) {
            return stopped;
        }
    }

    /* ---------------------------------------------------------------- health and counters */

    /**
     * CRITICAL while neutron-server says this host is not a registered L3 agent; WARN while calls
     * fail (naming the cause, the last good sync and how many routers are kept), before the first
     * full sync, while the notification feed is disconnected, or while router dicts are skipped
     * (naming them); else OK.
     */
    @Override
    public HealthResult check() {
        Snapshot s = snapshot;
        Failure f;
        long lastGood;
        String feed;
        long feedSince;
        long retryIn;
        String unidentified;
        synchronized (lock) {
            f = failure;
            lastGood = lastGoodSyncMillis;
            feed = feedDown;
            feedSince = feedDownSinceMillis;
            retryIn = waitingForRetry ? Math.max(0, retryAt - scheduler.nanoTime()) : -1;
            unidentified = unidentifiedNow;
        }
        HealthResult.Status status = HealthResult.Status.OK;
        List<String> parts = new ArrayList<>();
        int n = s.routers().size();
        String retry = retryIn < 0 ? "" : "; retrying in " + Math.max(1, Duration.ofNanos(retryIn).toSeconds()) + " s";
        if (f != null && f.agentNotFound()) {
            status = HealthResult.Status.CRITICAL;
            parts.add("host " + shownHost + " is not a registered L3 agent in neutron-server (" + f.method() + " raised "
                    + f.remoteClass() + "): register this host's L3 agent or check host in org.l3ha.agent; " + n
                    + " routers kept from the last good sync (" + time(lastGood) + ")" + retry);
        } else if (f != null) {
            status = HealthResult.Status.WARN;
            parts.add(describe(f) + ", last good sync " + time(lastGood) + ", " + n + " routers kept" + retry);
        } else if (lastGood < 0) {
            status = HealthResult.Status.WARN;
            parts.add("first sync with neutron-server for host " + shownHost + " not done yet");
        } else {
            parts.add(n + " routers from neutron-server for host " + shownHost + ", last good sync " + time(lastGood));
        }
        if (feed != null) {
            status = worst(status, HealthResult.Status.WARN);
            parts.add("notification feed disconnected since " + time(feedSince) + " (" + feed
                    + "): changes are seen only by the periodic check");
        }
        if (!s.skipped().isEmpty()) {
            status = worst(status, HealthResult.Status.WARN);
            parts.add(s.skipped().size() + " router dicts skipped: " + listed(s.skipped()));
        }
        if (unidentified != null) {
            status = worst(status, HealthResult.Status.WARN);
            parts.add(unidentified);
        }
        if (!s.incomplete().isEmpty()) {
            status = worst(status, HealthResult.Status.WARN);
            parts.add(s.incomplete().size() + " routers loaded without subnets radvd cannot advertise: "
                    + String.join(", ", first(s.incomplete().keySet())));
        }
        return new HealthResult(status, String.join("; ", parts));
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
        Snapshot s = snapshot;
        return stats.counters(s.routers().size(), s.skipped().size(), s.incomplete().size(), chunk());
    }

    String host() {
        return host;
    }

    private static String listed(Map<String, String> reasons) {
        List<String> out = new ArrayList<>();
        for (String id : first(reasons.keySet())) {
            out.add(id + " (" + reasons.get(id) + ")");
        }
        if (reasons.size() > MAX_IDS_IN_HEALTH) {
            out.add("... (" + (reasons.size() - MAX_IDS_IN_HEALTH) + " more)");
        }
        return String.join(", ", out);
    }

    private static List<String> first(Set<String> ids) {
        List<String> out = new ArrayList<>();
        for (String id : ids) {   // sorted
            if (out.size() == MAX_IDS_IN_HEALTH) {
                break;
            }
            out.add(id);
        }
        return out;
    }

    private static String describe(Failure f) {
        switch (f.kind()) {
            case CONNECTION:
                return "neutron-server unreachable (" + f.method() + "): " + f.message();
            case TIMEOUT:
                return "neutron-server did not answer " + f.method() + " in time: " + f.message();
            case REMOTE:
                return "neutron-server raised " + (f.remoteClass() == null ? "an exception" : f.remoteClass()) + " in "
                        + f.method() + ": " + f.message();
            default:
                return f.method() + " with neutron-server failed: " + f.message();
        }
    }

    private static HealthResult.Status worst(HealthResult.Status a, HealthResult.Status b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void cancel(Runnable handle) {
        if (handle != null) {
            handle.run();
        }
    }

    private static String time(long millis) {
        return millis < 0 ? "never" : Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Text from outside (a broker's or neutron-server's message): one escaped line, cut short. */
    private static String shown(String s) {
        if (s == null) {
            return "no message";
        }
        String e = LogText.escape(s.length() > MAX_SHOWN ? s.substring(0, MAX_SHOWN) : s);
        return s.length() > MAX_SHOWN ? e + "..." : e;
    }
}
