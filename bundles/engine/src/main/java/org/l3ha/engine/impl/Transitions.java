package org.l3ha.engine.impl;

import org.l3ha.common.Scheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.l3ha.api.HaState;
import org.l3ha.api.HistogramSnapshot;
import org.l3ha.api.Router;
import org.l3ha.api.RouterRegistry;
import org.l3ha.api.StateBatcher;
import org.l3ha.api.TransitionListener;
import org.l3ha.common.Counters;
import org.l3ha.common.Histogram;
import org.l3ha.common.LogText;
import org.l3ha.common.RouterIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transition engine's core: one small slot per router, the debounce rule, per-router serial
 * application, listeners in order, the report. No OSGi here; {@link DebouncingTransitionEngine} wires it.
 * It is longer than the engine's other classes because it is one state machine: notifications,
 * timers, applies, replays, removals, resyncs and the hand-over all read and change a router's
 * {@link Slot} under the slot's monitor and go through its phase, which serialises a router's
 * work; kept together, that protocol can be checked in one place. Showing the slots
 * ({@link RouterStatusView}), holding unknown routers ({@link UnknownRouters}) and calling one
 * listener ({@link ListenerCalls}) are classes of their own; the counters of all three are kept in
 * one {@link Counters} ({@link #counters}).
 *
 * <p>Debounce rule (docs/design.md §4.1; Neutron's rule and the differences: docs/behaviour.md §3.1): every notification sets the router's <em>desired</em> state to
 * the newest one. A desired state equal to the applied state does nothing. {@code backup} and
 * {@code fault} are applied at once; {@code primary} once it has stayed the desired state for
 * {@code ha_vrrp_advert_int} seconds counted from the moment it became the desired state (a
 * repeated {@code primary} does not restart the wait). So a blip backup→primary→backup applies and
 * reports nothing, and a real backup after a stale primary is never swallowed.
 *
 * <p>Threads: {@link #accept} only records and schedules. At most one task per router is queued or
 * running at a time ({@link Slot#phase}), so work for one router is serialised while different
 * routers run in parallel on the scheduler's bounded pool.
 *
 * <p>A router the registry does not know is held (its state applied if the registry learns it)
 * within the bounds of {@link UnknownRouters}: memory stays bounded by the known routers plus
 * that limit, whatever is notified.
 *
 * <p>Removal (a router that left this node: deleted, or unscheduled from this host). Only the
 * bound registry's {@link #routersChanged} for an id it no longer finds asks for it; a registry
 * unbound or newly bound without a router removes nothing. The removal runs in the router's
 * serial work like a transition, so no apply runs beside or after it unless the registry has the
 * router again; and only for a router the engine knows (an applied state, a state read from its
 * file, or a state file on disk: {@code router_deleted} goes to every agent). It tells the bound
 * listeners in descending order ({@link TransitionListener#remove}), removes the router's state
 * file and directory ({@link StateFiles#remove}), has the batcher forget the router, and drops the
 * router's slot and history: a later notification is held like any unknown router's, and a router
 * added back is applied like a new one. Notifications received before the removal was asked for
 * are dropped with it. Listeners bound within 10 minutes after a removal (a hot swap) are told too
 * ({@link RemovedRouters}).
 */
final class Transitions {
    private static final Logger LOG = LoggerFactory.getLogger(Transitions.class);

    /**
     * A bound listener, its name, and the generation at which it was bound: a listener bound after
     * a router's state was applied (a hot swap, a late start) is given that state once.
     */
    record Listener(TransitionListener listener, String name, long generation) {
    }

    /** The listeners in calling order, and the newest generation among them. */
    private record ListenerSet(long generation, List<Listener> listeners) {
    }

    /**
     * A desired state not yet applied, or a removal not yet carried out ({@code state} null), as
     * handed over between engine instances.
     */
    /** {@code desiredSince} of an apply that no notification asked for. */
    private static final long NOT_NOTIFIED = Long.MIN_VALUE;

    record Pending(String routerId, HaState state, long sinceMillis) {
        static Pending removal(String routerId, long millis) {
            return new Pending(routerId, null, millis);
        }

        boolean isRemoval() {
            return state == null;
        }
    }

    /** A removal taken from a slot to be carried out. */
    private record Removal(long after, boolean announced, boolean knownInMemory, HaState desiredBefore) {
    }

    /** Transitions kept for {@code l3ha:router}, for all routers together. */
    static final int HISTORY_CAPACITY = 16_384;

    private final Scheduler scheduler;
    private final TransitionLog log = new TransitionLog(HISTORY_CAPACITY);
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    private final UnknownRouters unknownRouters;
    private final RemovedRouters removedRouters;
    private final AtomicInteger inflight = new AtomicInteger();
    private volatile boolean closed;

    private volatile StateFiles store;
    private volatile long debounceNanos;
    private volatile RouterRegistry registry;
    private volatile StateBatcher batcher;
    private volatile ListenerSet listenerSet = new ListenerSet(0, List.of());
    private volatile boolean noRegistryLogged;

    /** What {@link #counters} shows, beside the sizes; each counter is named once, here or where it is counted. */
    private final Counters counters = new Counters();
    /** The states a notification can make desired, and so apply. */
    private static final HaState[] APPLIED_STATES = {HaState.PRIMARY, HaState.BACKUP, HaState.FAULT};
    private final LongAdder notifications = counters.counter("notifications");
    private final LongAdder applied = counters.counter("applied");
    /** {@code applied.<state>}, beside their sum {@code applied}. */
    private final Map<HaState, LongAdder> appliedByState = new EnumMap<>(HaState.class);
    /** Notification received (the state became desired) → transition applied, by state. */
    private final Map<HaState, Histogram> delays = new EnumMap<>(HaState.class);
    private final LongAdder debounced = counters.counter("debounced");
    private final LongAdder heldUnknown = counters.counter("held_unknown_router");
    private final LongAdder replayed = counters.counter("replayed_to_new_listeners");
    private final LongAdder resynced = counters.counter("resynced");
    private final LongAdder routersRemoved = counters.counter("routers_removed");
    private final LongAdder stateWriteFailures = counters.counter("state_write_failures");
    private final LongAdder stateRemoveFailures = counters.counter("state_remove_failures");
    private final RouterStatusView view;
    private final ListenerCalls calls;

    Transitions(Scheduler scheduler, StateFiles store, int haVrrpAdvertInt) {
        this(scheduler, store, haVrrpAdvertInt, UnknownRouters.DEFAULT_MAX, UnknownRouters.DEFAULT_HOLD_NANOS);
    }

    /** @param maxUnknown, holdUnknownNanos the bounds of held states of routers the registry does not know */
    Transitions(Scheduler scheduler, StateFiles store, int haVrrpAdvertInt, int maxUnknown, long holdUnknownNanos) {
        this.scheduler = scheduler;
        this.store = store;
        this.unknownRouters = new UnknownRouters(scheduler, this::dropIfUnknown, maxUnknown, holdUnknownNanos, counters);
        this.removedRouters = new RemovedRouters();
        this.calls = new ListenerCalls(counters);
        for (HaState state : APPLIED_STATES) {
            appliedByState.put(state, counters.counter("applied." + state.word()));
            delays.put(state, new Histogram("transition_delay_seconds",
                    "Time from the notification that made the state desired to the transition applied (state file"
                    + " written, every listener run); a primary waits out ha_vrrp_advert_int first",
                    Map.of("state", state.word()), Histogram.SECONDS, Histogram.NANOS_AS_SECONDS));
        }
        this.view = new RouterStatusView(slots, () -> registry, scheduler, () -> debounceNanos, log);
        setAdvertInterval(haVrrpAdvertInt);
    }

    void setAdvertInterval(int seconds) {
        this.debounceNanos = TimeUnit.SECONDS.toNanos(seconds);
    }

    /**
     * Reads every state file under the store's directory and makes each state the desired state
     * of its router, to be (re-)applied as soon as the registry knows the router: after a restart
     * the data plane follows what keepalived's monitor or this engine last wrote. Routers with a
     * newer notification keep theirs.
     *
     * @return the number of state files read
     */
    int loadStateFiles(StateFiles newStore) {
        StateFiles old = this.store;
        this.store = newStore;
        if (old != newStore) {
            old.close(); // a write still on its way there walks the old path, as before the change
        }
        Map<String, HaState> states = newStore.readAll();
        long now = scheduler.nanoTime();
        states.forEach((id, state) -> {
            Slot slot = slots.computeIfAbsent(id, Slot::new);
            synchronized (slot) {
                slot.persisted(state);
                if (slot.desired() == null) {
                    slot.desired(state);
                    slot.desiredFromFile(true);
                    // already settled on disk: no debounce wait
                    slot.desiredSince = now - debounceNanos;
                }
            }
        });
        if (registry != null) {
            kickAll(); // routers the registry does not know are held, and bounded, from now
        }
        return states.size();
    }

    /**
     * Restores desired states handed over by a previous engine instance, wait included, and
     * removals it had not carried out (done once a registry is bound, if it does not have the
     * router).
     */
    void restorePending(Collection<Pending> pending) {
        long nowNanos = scheduler.nanoTime();
        long nowMillis = scheduler.currentTimeMillis();
        for (Pending p : pending) {
            Slot slot = slots.computeIfAbsent(p.routerId(), Slot::new);
            synchronized (slot) {
                if (p.isRemoval()) {
                    // as requestRemoval: the state read from its file goes with it; a desired state
                    // handed over after this line came after the removal was asked for
                    slot.announceRemoval();
                    continue;
                }
                long elapsed = TimeUnit.MILLISECONDS.toNanos(Math.max(0, nowMillis - p.sinceMillis()));
                slot.desired(p.state());
                slot.desiredSince = nowNanos - elapsed;
            }
        }
    }

    // ------------------------------------------------------------------ notifications

    /**
     * Records a notification. Non-blocking.
     *
     * @return false once {@link #close} has begun
     */
    boolean accept(String routerId, HaState state) {
        if (state == null || state == HaState.UNKNOWN) {
            throw new IllegalArgumentException("not a notification state: " + state);
        }
        inflight.incrementAndGet();
        try {
            if (closed) {
                return false;
            }
            notifications.increment();
            while (!record(routerId, state)) {
                // the router's slot was dropped meanwhile (unknown, held too long): a fresh one takes it
            }
            return true;
        } finally {
            inflight.decrementAndGet();
        }
    }

    /** @return false if the slot found was dropped meanwhile, and nothing was recorded */
    private boolean record(String routerId, HaState state) {
        Slot slot = slot(routerId);
        synchronized (slot) {
            if (slot.dropped()) {
                return false;
            }
            if (slot.desired() != state) {
                if (state == slot.applied() && slot.desired() != null) {
                    // a pending change withdrawn before it was applied: a flap absorbed
                    debounced.increment();
                }
                slot.desired(state);
                slot.desiredFromFile(false);
                slot.desiredSince = scheduler.nanoTime();
            }
            LOG.debug("Router {}: notified {}, applied {}", routerId, state, slot.applied());
            if (slot.phase() == Slot.IDLE) {
                submit(slot);
            } else if (slot.phase() == Slot.WAITING && state != HaState.PRIMARY) {
                cancelTimer(slot);
                submit(slot);
            }
        }
        return true;
    }

    /**
     * @return the router's slot, created if new; a new slot is keyed by the registry's own id string
     *         when the registry knows the router, so the engine keeps no second copy of it
     */
    private Slot slot(String routerId) {
        Slot slot = slots.get(routerId);
        if (slot != null) {
            return slot;
        }
        RouterRegistry reg = registry;
        String id = routerId;
        if (reg != null) {
            Optional<Router> known = reg.find(routerId);
            if (known.isPresent()) {
                id = known.get().id();
            }
        }
        return slots.computeIfAbsent(id, Slot::new);
    }

    private void submit(Slot slot) {
        slot.phase(Slot.QUEUED);
        scheduler.execute(() -> run(slot));
    }

    private void cancelTimer(Slot slot) {
        slot.timerToken++;
        Runnable cancel = slot.cancelTimer;
        slot.cancelTimer = null;
        if (cancel != null) {
            cancel.run();
        }
    }

    /**
     * The only place that applies: at most one per slot at any time. Applies the desired state if it
     * differs from the applied one (after the debounce wait for a primary), or else gives the applied
     * state to listeners bound since it was applied.
     */
    private void run(Slot slot) {
        try {
            while (true) {
                ListenerSet ls = listenerSet;
                Removal removal;
                synchronized (slot) {
                    if (closed || slot.dropped()) {
                        slot.phase(Slot.IDLE);
                        return;
                    }
                    RouterRegistry reg = registry;
                    if (slot.removeAfter() != Slot.NO_REMOVAL && reg == null) {
                        // kept until a registry is bound: that one says whether the router is gone
                        slot.phase(Slot.IDLE);
                        return;
                    }
                    removal = takeRemoval(slot, reg);
                }
                if (removal != null) {
                    // outside the monitor, like an apply: notifications never wait for listeners or files
                    remove(slot, removal, ls);
                    continue;
                }
                HaState target;
                Router router;
                boolean replay;
                long since;
                synchronized (slot) {
                    if (closed || slot.dropped()) {
                        slot.phase(Slot.IDLE);
                        return;
                    }
                    if (slot.removeAfter() != Slot.NO_REMOVAL) {
                        continue; // asked for meanwhile: it goes first
                    }
                    target = slot.desired();
                    replay = target == null || target == slot.applied();
                    if (replay) {
                        if (slot.applied() == null || slot.listenerGen >= ls.generation() && !slot.routerChanged()) {
                            slot.phase(Slot.IDLE);
                            return;
                        }
                        target = slot.applied();
                    }
                    // before any wait: a router the registry does not know is held at once, not on a timer
                    router = lookup(slot);
                    if (router == null) {
                        slot.phase(Slot.IDLE);
                        return;
                    }
                    if (!replay && target == HaState.PRIMARY) {
                        long now = scheduler.nanoTime();
                        long due = slot.desiredSince + debounceNanos;
                        if (now - due < 0) {
                            int token = ++slot.timerToken;
                            slot.phase(Slot.WAITING);
                            slot.cancelTimer = scheduler.schedule(() -> timerFired(slot, token), due - now);
                            return;
                        }
                    }
                    // a router whose data changed is given to every listener again (an apply does so anyway)
                    since = slot.routerChanged() ? Long.MIN_VALUE : slot.listenerGen;
                    slot.routerChanged(false);
                }
                if (replay) {
                    replay(slot, router, target, ls, since);
                } else {
                    apply(slot, router, target, ls);
                }
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.error("Router {}: transition failed unexpectedly", slot.id, e);
            synchronized (slot) {
                slot.phase(Slot.IDLE);
            }
        }
    }

    private void timerFired(Slot slot, int token) {
        synchronized (slot) {
            if (slot.phase() != Slot.WAITING || slot.timerToken != token) {
                return;
            }
            slot.cancelTimer = null;
            submit(slot);
        }
    }

    /**
     * @return the router, or null (counted; held and logged, within bounds, by {@link UnknownRouters})
     *         if the registry does not know it; called under the slot's monitor
     */
    private Router lookup(Slot slot) {
        RouterRegistry reg = registry;
        if (reg == null) {
            if (!noRegistryLogged) {
                noRegistryLogged = true;
                LOG.warn("No router registry is bound: transitions are held until one is");
            }
            heldUnknown.increment();
            return null;
        }
        Optional<Router> router = reg.find(slot.id);
        if (router.isEmpty()) {
            slot.unknownStamp(unknownRouters.seen(slot.id, slot.desired(), slot.unknownStamp() == 0));
            heldUnknown.increment();
            return null;
        }
        if (slot.unknownStamp() != 0) {
            slot.unknownStamp(0);
            unknownRouters.forget(slot.id);
        }
        return router.get();
    }

    /**
     * Forgets a router held as unknown (its state, status and pending transition) if the registry
     * still does not know it, nothing runs for it, and it was not seen again since the drop was
     * decided ({@code stamp}). Called by {@link UnknownRouters} on a worker, with no monitor held.
     *
     * @return whether it was dropped
     */
    private boolean dropIfUnknown(String routerId, long stamp) {
        Slot slot = slots.get(routerId);
        RouterRegistry reg = registry;
        if (slot == null || reg == null) {
            return false;
        }
        synchronized (slot) {
            if (closed || slot.dropped() || slot.unknownStamp() != stamp || slot.phase() != Slot.IDLE || reg.find(routerId).isPresent()) {
                return false;
            }
            slot.drop();
            slots.remove(routerId, slot);
            return true;
        }
    }

    // ------------------------------------------------------------------ removal

    /**
     * The registry no longer finds {@code routerId}: asks for its removal, carried out in the
     * router's serial work ({@link #remove}). Notifications received until now are dropped with
     * the router (kept if it turns out not to be removed). Non-blocking.
     */
    private void requestRemoval(String routerId) {
        while (true) {
            Slot slot = slots.computeIfAbsent(routerId, Slot::new);
            synchronized (slot) {
                if (slot.dropped()) {
                    continue; // dropped meanwhile: a fresh slot takes it
                }
                slot.announceRemoval();
                schedule(slot);
                return;
            }
        }
    }

    /**
     * Tells the listeners bound after {@code generation} of the removal of {@code routerId}, in
     * the router's serial work, unless the router was applied again since.
     */
    private void requestToldRemoval(String routerId, long generation) {
        while (true) {
            Slot slot = slots.computeIfAbsent(routerId, Slot::new);
            synchronized (slot) {
                if (slot.dropped()) {
                    continue;
                }
                if (slot.applied() != null) {
                    removedRouters.forget(routerId); // it is back
                    return;
                }
                slot.removeAfter(Math.min(slot.removeAfter(), generation));
                schedule(slot);
                return;
            }
        }
    }

    /** Runs the slot's work now, cutting a primary's wait short; called under the slot's monitor. */
    private void schedule(Slot slot) {
        if (slot.phase() == Slot.IDLE) {
            submit(slot);
        } else if (slot.phase() == Slot.WAITING) {
            cancelTimer(slot);
            submit(slot);
        }
    }

    /**
     * Takes the slot's removal, if one was asked for, to be carried out by {@link #remove}; called
     * under the slot's monitor, with a registry bound if a removal is there.
     *
     * @return null if there is none, or if the registry has the router again (the removal is then
     *         dropped, and notifications it set aside are restored)
     */
    private Removal takeRemoval(Slot slot, RouterRegistry reg) {
        if (slot.removeAfter() == Slot.NO_REMOVAL) {
            return null;
        }
        Removal removal = null;
        if (reg.find(slot.id).isEmpty()) {
            removal = new Removal(slot.removeAfter(), slot.removalAnnounced(), slot.applied() != null || slot.persisted() != null,
                    slot.desiredBeforeRemoval());
        } else {
            LOG.debug("Router {}: in the registry again before its removal ran; not removed", slot.id);
            restoreDesired(slot, slot.desiredBeforeRemoval());
            removedRouters.forget(slot.id);
        }
        slot.clearRemoval();
        return removal;
    }

    private static void restoreDesired(Slot slot, HaState before) {
        if (slot.desired() == null && before != null) {
            slot.desired(before); // desiredSince is still the one of that notification
        }
    }

    /**
     * Carries out a removal in the router's serial work, outside its monitor: listeners in
     * descending order (those bound after {@code removal.after()}), then, for a removal the
     * registry asked for, the state directory, one INFO line, the batcher, the history and the
     * slot. A router the engine does not know (no state applied or read, no state file) is left
     * as it is: nothing of it is on the node.
     */
    private void remove(Slot slot, Removal removal, ListenerSet ls) {
        String id = slot.id;
        if (removal.announced() && !removal.knownInMemory() && !store.exists(id)) {
            synchronized (slot) {
                restoreDesired(slot, removal.desiredBefore());
                dropIfEmpty(slot);
            }
            LOG.debug("Router {}: not in the registry any more, and not known here: nothing to remove", id);
            return;
        }
        // recorded first: a listener bound from now on is told by a removal queued behind this one
        if (removal.announced()) {
            removedRouters.removed(id, ls.generation(), scheduler.nanoTime());
        } else {
            removedRouters.told(id, ls.generation());
        }
        List<Listener> listeners = ls.listeners();
        int told = 0;
        int failed = 0;
        for (int i = listeners.size() - 1; i >= 0; i--) {
            Listener l = listeners.get(i);
            if (l.generation() > removal.after()) {
                told++;
                if (!calls.remove(id, l)) {
                    failed++;
                }
                if (!removal.announced()) {
                    replayed.increment();
                }
            }
        }
        if (!removal.announced()) {
            synchronized (slot) {
                dropIfEmpty(slot);
            }
            return;
        }
        String files = removeStateDirectory(id);
        synchronized (slot) {
            // under the monitor, which a resync holds while it queues: no report of the router follows
            StateBatcher b = batcher;
            if (b != null) {
                try {
                    b.forget(id);
                } catch (RuntimeException | LinkageError e) {
                    LOG.warn("Router {}: the batcher did not forget it: {}", id, e.toString());
                }
            }
            slot.applied(null);
            slot.persisted(null);
            slot.lastChangeMillis = 0;
            slot.listenerGen = 0;
            dropIfEmpty(slot);
        }
        log.forget(id);
        calls.forget(id);
        routersRemoved.increment();
        LOG.info("Router {} removed from this agent (no longer in the registry): {} listener(s) told{}, {}; no longer"
                + " reported", id, told, failed > 0 ? " (" + failed + " failed)" : "", files);
    }

    /** @return what was done, for the log line; a failure is logged and counted */
    private String removeStateDirectory(String id) {
        StateFiles s = store;
        Path dir = s.root().resolve(id);
        try {
            return switch (s.remove(id)) {
                case NOTHING -> "no state directory";
                case DIRECTORY_REMOVED -> "state directory " + LogText.path(dir) + " removed";
                case DIRECTORY_KEPT -> "state file removed, directory " + LogText.path(dir)
                        + " kept (other files than l3ha's are in it)";
                case NOT_A_DIRECTORY -> LogText.path(dir) + " left alone (a link or not a directory: not followed)";
            };
        } catch (IOException | RuntimeException e) {
            stateRemoveFailures.increment();
            LOG.error("Router {}: cannot remove its state from {}: {}", id, LogText.path(dir), LogText.escape(String.valueOf(e)));
            return "state not removed from " + LogText.path(dir) + " (see the error above)";
        }
    }

    /**
     * Drops the slot if it holds nothing (no desired, applied or read state, no removal to carry
     * out): a removed router keeps no memory. Called under the slot's monitor.
     */
    private void dropIfEmpty(Slot slot) {
        if (slot.desired() != null || slot.applied() != null || slot.persisted() != null || slot.removeAfter() != Slot.NO_REMOVAL) {
            return;
        }
        slot.drop();
        slots.remove(slot.id, slot);
        if (slot.unknownStamp() != 0) {
            slot.unknownStamp(0);
            unknownRouters.forget(slot.id);
        }
    }

    /** Persist the state file → listeners in order → report. Runs outside the slot's monitor. */
    private void apply(Slot slot, Router router, HaState target, ListenerSet ls) {
        HaState before;
        HaState persisted;
        long notifiedAt;
        synchronized (slot) {
            before = slot.applied();
            persisted = slot.persisted();
            // a state read from the state file at start was not notified: no delay to show
            notifiedAt = slot.desired() == target && !slot.desiredFromFile() ? slot.desiredSince : NOT_NOTIFIED;
        }
        LOG.info("Router {} transitioned to {} (was {})", slot.id, target.word(),
                before == null ? "not applied since start" : before.word());
        if (persisted != target) {
            try {
                store.write(slot.id, target);
                persisted = target;
            } catch (IOException | RuntimeException e) {
                stateWriteFailures.increment();
                LOG.error("Router {}: cannot write state file {}: {}", slot.id, LogText.path(store.file(slot.id)),
                        LogText.escape(String.valueOf(e)));
            }
        }
        for (Listener l : ls.listeners()) {
            calls.apply(slot.id, l, router, target);
        }
        long now = scheduler.currentTimeMillis();
        synchronized (slot) {
            slot.applied(target);
            slot.persisted(persisted);
            slot.lastChangeMillis = now;
            slot.listenerGen = ls.generation();
        }
        log.add(slot.id, now, target);
        removedRouters.forget(slot.id);
        applied.increment();
        LongAdder byState = appliedByState.get(target);
        if (byState != null) {
            byState.increment();
        }
        Histogram delay = delays.get(target);
        if (delay != null && notifiedAt != NOT_NOTIFIED) {
            delay.record(scheduler.nanoTime() - notifiedAt);
        }
        report(slot.id, target);
    }

    /**
     * Gives the applied state to the listeners bound after generation {@code since} (all of them
     * when the router's data changed); no report.
     */
    private void replay(Slot slot, Router router, HaState state, ListenerSet ls, long since) {
        for (Listener l : ls.listeners()) {
            if (l.generation() > since) {
                LOG.debug("Router {}: giving {} to listener {} again", slot.id, state.word(), l.name());
                calls.apply(slot.id, l, router, state);
                replayed.increment();
            }
        }
        synchronized (slot) {
            slot.listenerGen = ls.generation();
        }
    }

    private void report(String routerId, HaState state) {
        StateBatcher b = batcher;
        if (b == null) {
            // Not lost: the engine resyncs every router when a batcher binds.
            LOG.debug("Router {}: no batcher bound; {} is reported on the next resync", routerId, state);
            return;
        }
        try {
            b.queue(routerId, state);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Router {}: the batcher refused {}: {}; it is reported on the next resync", routerId, state, e.toString());
        }
    }

    // ------------------------------------------------------------------ wiring

    void setRegistry(RouterRegistry registry) {
        this.registry = registry;
        if (registry != null) {
            noRegistryLogged = false;
            kickAll();
            resyncAll();
        }
    }

    void setBatcher(StateBatcher batcher) {
        this.batcher = batcher;
        if (batcher != null) {
            resyncAll();
        }
    }

    /**
     * Publishes the listeners in calling order. A listener newer than a router's last apply is
     * given that router's applied state once (serialised with the router's transitions).
     */
    void setListeners(List<Listener> sorted) {
        long generation = sorted.stream().mapToLong(Listener::generation).max().orElse(0);
        ListenerSet old = listenerSet;
        listenerSet = new ListenerSet(Math.max(generation, old.generation()), List.copyOf(sorted));
        if (generation > old.generation()) {
            kickAll();
            for (RemovedRouters.Removed r : removedRouters.toldBefore(generation, scheduler.nanoTime())) {
                requestToldRemoval(r.routerId(), r.generation());
            }
        }
    }

    /**
     * The registry changed: removes the routers it no longer finds (see the class comment), applies
     * held states of routers it now knows, resyncs the others; a router with an applied state and
     * nothing pending also has that state given again to every listener with the registry's new
     * data (a subnet added to a primary: radvd must advertise it).
     */
    void routersChanged(Set<String> ids) {
        RouterRegistry reg = registry;
        if (reg == null) {
            return;
        }
        for (String id : ids) {
            if (!RouterIds.isUuid(id)) {
                continue;
            }
            if (reg.find(id).isEmpty()) {
                requestRemoval(RouterIds.normalize(id));
                continue;
            }
            Slot slot = slots.get(id);
            boolean pending = false;
            if (slot != null) {
                synchronized (slot) {
                    pending = !slot.dropped() && slot.pending() != null;
                    if (pending && slot.phase() == Slot.IDLE) {
                        submit(slot);
                    } else if (!pending && !slot.dropped() && slot.applied() != null && reg.find(id).isPresent()) {
                        slot.routerChanged(true);
                        if (slot.phase() == Slot.IDLE) {
                            submit(slot);
                        }
                    }
                }
            }
            if (!pending) {
                resync(id);
            }
        }
    }

    /** Re-runs every router whose desired state is not applied or not given to every listener. */
    private void kickAll() {
        long generation = listenerSet.generation();
        for (Slot slot : slots.values()) {
            synchronized (slot) {
                boolean behind = slot.pending() != null
                        || slot.applied() != null && slot.listenerGen < generation
                        || slot.removeAfter() != Slot.NO_REMOVAL;
                if (slot.phase() == Slot.IDLE && behind) {
                    submit(slot);
                }
            }
        }
    }

    // ------------------------------------------------------------------ resync and queries

    /**
     * Queues the router's current state (applied, else read from its state file, else unknown) for
     * reporting, with no debounce and no data-plane step; skipped while a first apply is pending,
     * since that apply reports. The state is queued under the router's lock, which an apply takes to
     * record its new state before reporting it, so a resync never queues a state older than one an
     * apply has queued.
     */
    boolean resync(String routerId) {
        RouterRegistry reg = registry;
        StateBatcher b = batcher;
        if (reg == null || b == null || reg.find(routerId).isEmpty()) {
            return false;
        }
        Slot slot = slot(routerId);
        synchronized (slot) {
            if (slot.dropped()) {
                return false; // removed meanwhile
            }
            HaState state;
            if (slot.applied() != null) {
                state = slot.applied();
            } else if (slot.desired() != null) {
                return true;
            } else {
                state = slot.persisted() != null ? slot.persisted() : HaState.UNKNOWN;
            }
            resynced.increment();
            report(routerId, state);
        }
        return true;
    }

    int resyncAll() {
        RouterRegistry reg = registry;
        if (reg == null || batcher == null) {
            return 0;
        }
        int n = 0;
        for (Router r : reg.all()) {
            if (resync(r.id())) {
                n++;
            }
        }
        LOG.info("Resync: queued the state of {} routers for reporting", n);
        return n;
    }

    int routers() {
        return slots.size();
    }

    /** @return what the engine shows of its routers */
    RouterStatusView view() {
        return view;
    }

    /**
     * @return every counter by name, sorted: {@code notifications}, {@code applied} and {@code applied.<state>},
     *         {@code debounced}, {@code held_unknown_router}, {@code replayed_to_new_listeners},
     *         {@code resynced}, {@code routers_removed}, {@code state_write_failures},
     *         {@code state_remove_failures}, {@code listener_failures} and
     *         {@code listener_failures.<name>} for each listener that failed ({@link ListenerCalls}),
     *         {@code unknown_dropped} ({@link UnknownRouters}), and the sizes read now:
     *         {@code routers} (slots kept), {@code routers.<state>} (those by the state applied, else
     *         read from the state file, else {@code unknown}), {@code pending} (desired states not
     *         yet applied: mostly primaries waiting out the debounce) and {@code unknown_held}
     *         (routers held as unknown)
     */
    Map<String, Long> counters() {
        Map<String, Long> c = counters.snapshot();
        c.put("routers", (long) slots.size());
        c.put("unknown_held", (long) unknownRouters.size());
        long[] byState = new long[HaState.values().length];
        long pending = 0;
        for (Slot slot : slots.values()) {
            synchronized (slot) {
                HaState known = slot.appliedOrPersisted();
                byState[(known == null ? HaState.UNKNOWN : known).ordinal()]++;
                if (slot.pending() != null) {
                    pending++;
                }
            }
        }
        for (HaState state : HaState.values()) {
            c.put("routers." + state.word(), byState[state.ordinal()]);
        }
        c.put("pending", pending);
        return c;
    }

    /** @return {@code transition_delay_seconds} by state: notification received → transition applied */
    List<HistogramSnapshot> histograms() {
        List<HistogramSnapshot> out = new ArrayList<>(delays.size());
        delays.values().forEach(h -> out.add(h.snapshot()));
        return out;
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Stops taking notifications and starting applies, and closes the state files' held directory.
     * Waits for in-flight {@link #accept} calls (they never block, so this is short); an apply
     * already running finishes (its state file written by a walk of the whole path).
     */
    void close() {
        closed = true;
        unknownRouters.close();
        store.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (inflight.get() > 0 && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
        }
    }

    /**
     * @return the desired states not yet applied, with when they became desired, so that the next
     *         engine instance carries on with them (debounce wait included), and the removals the
     *         registry asked for that were not carried out
     */
    List<Pending> pending() {
        long nowNanos = scheduler.nanoTime();
        long nowMillis = scheduler.currentTimeMillis();
        List<Pending> pending = new ArrayList<>();
        for (Slot slot : slots.values()) {
            synchronized (slot) {
                cancelTimer(slot);
                if (!slot.dropped() && slot.removalAnnounced()) {
                    pending.add(Pending.removal(slot.id, nowMillis));
                }
                if (!slot.dropped() && slot.pending() != null) {
                    long since = nowMillis - TimeUnit.NANOSECONDS.toMillis(nowNanos - slot.desiredSince);
                    pending.add(new Pending(slot.id, slot.desired(), since));
                }
            }
        }
        return pending;
    }
}
