package org.l3ha.registry.neutron.impl;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

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
import org.l3ha.common.routers.RouterParser;
import org.l3ha.registry.neutron.impl.ServerCalls.CallFailed;

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

    /** Most ids whose last lookup time is remembered (oldest forgotten first). */
    static final int MAX_LOOKUPS_REMEMBERED = 100_000;

    private enum StepKind { FULL, FETCH, DRIFT, REMOVE }

    private record Step(StepKind kind, List<String> ids) {
    }

    private final String host;
    private final String shownHost;
    private final NeutronSettings settings;
    private final ServerCalls calls;
    private final Scheduler scheduler;
    private final RouterRegistryListener listener;
    private final RegistryStats stats = new RegistryStats();

    /* readers: one volatile read, never a lock */
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    private final Object lock = new Object();
    /* guarded by lock */
    private final PendingEvents pending = new PendingEvents();
    private final LinkedHashMap<String, Long> lookups = new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_LOOKUPS_REMEMBERED;
        }
    };
    private final Set<String> malformedLogged = new HashSet<>();
    private boolean started;
    private boolean stopped;
    private boolean pumpScheduled;
    private boolean fullSyncRequested;
    private boolean fullSyncRunning;
    private boolean driftCheckDue;
    private final Backoff backoff;
    private Runnable retryTimer;
    private Runnable periodicTimer;
    private long lastGoodSyncMillis = -1;
    private String feedDown;
    private long feedDownSinceMillis;
    private int chunk;
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
        this.shownHost = LogText.quote(host, Texts.MAX_SHOWN);
        this.settings = Objects.requireNonNull(settings, "settings");
        this.calls = new ServerCalls(host, Objects.requireNonNull(rpc, "rpc"), stats);
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.chunk = settings.syncRoutersChunkSize();
        this.backoff = new Backoff(settings.retryMin(), settings.retryMax());
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
            if (!started || stopped || fullSyncRequested || fullSyncRunning || pending.contains(id)) {
                return;
            }
            long now = scheduler.nanoTime();
            Long last = lookups.get(id);
            if (last != null && now - last < settings.lookupInterval().toNanos()) {
                return;
            }
            lookups.put(id, now);
            stats.lookups.incrementAndGet();
            pending.add(id, PendingEvents.Action.FETCH);
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
            if (backoff.retryIn(scheduler.nanoTime()) >= 0) {
                // the broker is back: no reason to wait out the backoff
                backoff.retryNow();
                cancel(retryTimer);
                retryTimer = null;
            }
            kick();
        }
        if (was != null) {
            LOG.info("Notification feed reconnected (down since {}): syncing every router again", Texts.time(since));
        } else {
            LOG.info("Notification feed connected: syncing every router (notifications before it were not seen)");
        }
    }

    @Override
    public void disconnected(String cause) {
        String shown = Texts.shown(cause);
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
            LOG.debug("Notification {} ignored", LogText.quote(method, Texts.MAX_SHOWN));
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
                pending.add(id, n.method().removes() ? PendingEvents.Action.REMOVE : PendingEvents.Action.FETCH);
            }
            kick();
        }
        LOG.debug("Notification {} for {}", name, n.ids());
    }

    /* ---------------------------------------------------------------- the worker */

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
        List<String> removals = pending.takeRemovals();
        if (!removals.isEmpty()) {
            return new Step(StepKind.REMOVE, removals);   // no call: also while calls wait for their retry
        }
        if (!backoff.mayCall(scheduler.nanoTime())) {
            return null;   // the retry timer kicks the pump
        }
        if (fullSyncRequested) {
            fullSyncRequested = false;
            fullSyncRunning = true;
            return new Step(StepKind.FULL, List.of());
        }
        List<String> fetch = pending.fetchBatch(chunk);
        if (!fetch.isEmpty()) {
            return new Step(StepKind.FETCH, fetch);
        }
        if (driftCheckDue) {
            driftCheckDue = false;
            return new Step(StepKind.DRIFT, List.of());
        }
        return null;
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
            s0 = pending.seq();
            unidentifiedNow = null;   // said again by any reply of this sync that still has such dicts
        }
        List<String> ids = calls.routerIds();
        if (ids.isEmpty()) {
            confirmRegistered();
        }
        applyMembership(new HashSet<>(ids), s0, "full sync");
        int asked = 0;
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
                asked++;
                reply = calls.syncRouters(batch);
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
                removals = pending.takeRemovals();
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
                + "{} ms); chunk size {}", shownHost, routers, ids.size(), asked,
                Duration.ofNanos(scheduler.nanoTime() - begun).toMillis(), grownTo);
    }

    private void fetch(List<String> ids) throws CallFailed {
        long s0 = currentSeq();
        JsonNode reply;
        try {
            reply = calls.syncRouters(ids);
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
        List<String> ids = calls.routerIds();
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
                if (!now.routers().containsKey(id) && !pending.contains(id)) {
                    pending.add(id, PendingEvents.Action.FETCH);
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
        JsonNode reply = calls.syncRouters(List.of());
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
            Snapshot.Edit edit = new Snapshot.Edit(snapshot);
            Set<String> known = new HashSet<>(edit.base.routers().keySet());
            known.addAll(edit.base.skipped().keySet());
            for (String id : known) {
                if (!want.contains(id) && !pending.newerThan(id, s0) && edit.remove(id)) {
                    removed++;
                }
            }
            // earlier events for routers not scheduled here are answered too
            pending.answeredNotScheduled(want, s0);
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
            Snapshot.Edit edit = new Snapshot.Edit(snapshot);
            for (String id : ids) {
                edit.remove(id);
            }
            changed = publish(edit);
        }
        if (!changed.isEmpty()) {
            LOG.info("{} routers removed by neutron-server's notifications: {}", changed.size(),
                    Texts.ids(changed));
        }
        tell(changed);
    }

    /**
     * Applies a sync_routers reply: returned routers added or changed (a rejected dict skipped,
     * its last good version kept), requested routers not returned dropped; events newer than the
     * call ({@code s0}) win.
     */
    private void applyReply(List<String> requested, JsonNode reply, long s0) {
        ReplyDicts dicts = ReplyDicts.read(reply);
        Map<String, RouterParser.Parsed> good = dicts.good();
        Map<String, String> bad = dicts.bad();
        List<String> unidentified = dicts.unidentified();
        stats.routersFetched.addAndGet(reply.size());
        stats.dictsRejected.addAndGet(dicts.rejected());
        Set<String> changed;
        int[] counts = new int[3];
        synchronized (lock) {
            if (stopped) {
                return;
            }
            Snapshot.Edit edit = new Snapshot.Edit(snapshot);
            for (RouterParser.Parsed p : good.values()) {
                String id = p.router().id();
                if (!pending.removedAfter(id, s0)) {
                    counts[edit.base.routers().containsKey(id) ? 1 : 0] += edit.put(p) ? 1 : 0;
                }
            }
            for (Map.Entry<String, String> e : bad.entrySet()) {
                if (!pending.removedAfter(e.getKey(), s0)) {
                    edit.skip(e.getKey(), e.getValue());
                }
            }
            if (unidentified.isEmpty()) {
                for (String id : requested) {
                    if (!dicts.returned(id) && !pending.newerThan(id, s0) && edit.remove(id)) {
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
            pending.answered(answered, s0);
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
        LOG.warn("sync_routers for {} routers timed out ({}); asking for {} at a time", asked,
                Texts.shown(e.getMessage()), now);
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
        Failure f = new Failure(x.kind(), e.method, x.remoteClass().map(Texts::shown).orElse(null),
                Texts.shown(x.getMessage()), x.agentNotFound(), scheduler.currentTimeMillis());
        boolean again = f.same(backoff.last());
        Duration wait = backoff.failed(f, scheduler.nanoTime());
        cancel(retryTimer);
        retryTimer = scheduler.schedule(this::retryDue, wait);
        if (kind == StepKind.FULL || kind == StepKind.DRIFT) {
            fullSyncRequested = true;
        }
        int n = snapshot.routers().size();
        if (again) {
            LOG.debug("{} failed again ({}); retrying in {} ms", e.method, f.message(), wait.toMillis());
        } else if (f.agentNotFound()) {
            LOG.error("This host ({}) is not a registered L3 agent in neutron-server: {} raised {}. Register this "
                    + "host's L3 agent in neutron-server (its state reports), or check host in org.l3ha.agent (the "
                    + "name the agent reports). Keeping {} routers from the last good sync ({}); retrying with backoff",
                    shownHost, e.method, f.remoteClass(), n, Texts.time(lastGoodSyncMillis));
        } else {
            LOG.warn("{}; keeping {} routers from the last good sync ({}); retrying in {} ms, then backing off up "
                    + "to {} s", f.describe(), n, Texts.time(lastGoodSyncMillis), wait.toMillis(),
                    settings.retryMax().toSeconds());
        }
    }

    /* caller holds lock */
    private void succeeded() {
        int attempts = backoff.attempts();
        long since = backoff.sinceMillis();
        Failure ended = backoff.succeeded();
        if (ended != null) {
            LOG.info("neutron-server answers again (after {} failed attempt(s) since {}; last: {})", attempts,
                    Texts.time(since), ended.describe());
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

    /* ---------------------------------------------------------------- snapshots */

    /* caller holds lock: publishes the edit; find() right after a removal (a listener asking about the
     * router it was just told of) asks neutron-server nothing */
    private Set<String> publish(Snapshot.Edit edit) {
        snapshot = edit.result();
        if (!edit.dropped().isEmpty()) {
            long now = scheduler.nanoTime();
            for (String id : edit.dropped()) {
                lookups.put(id, now);
            }
        }
        return edit.changed();
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

    private long currentSeq() {
        synchronized (lock) {
            return pending.seq();
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

    /** @return the verdict of {@link RegistryHealth} on the registry now */
    @Override
    public HealthResult check() {
        synchronized (lock) {
            return new RegistryHealth(shownHost, snapshot, backoff.last(), lastGoodSyncMillis, feedDown,
                    feedDownSinceMillis, backoff.retryIn(scheduler.nanoTime()), unidentifiedNow).verdict();
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
        Snapshot s = snapshot;
        return stats.counters(s.routers().size(), s.skipped().size(), s.incomplete().size(), chunk());
    }

    String host() {
        return host;
    }

    private static void cancel(Runnable handle) {
        if (handle != null) {
            handle.run();
        }
    }
}
