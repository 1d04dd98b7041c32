package org.l3ha.engine.impl;

import org.l3ha.common.Scheduler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.l3ha.api.HaState;
import org.l3ha.api.RouterRegistry;
import org.l3ha.api.RouterStatus;
import org.l3ha.api.Transition;

/**
 * What the engine shows of its routers (the {@code TransitionEngine} queries behind the shell's
 * {@code l3ha:router} and {@code l3ha:routers}): a router's applied state, its pending state and
 * when a primary's wait ends, whether the registry knows it, and its recent transitions. It reads
 * the slots of {@link Transitions}, each under its monitor, and changes nothing.
 */
final class RouterStatusView {
    private final Map<String, Slot> slots;
    private final Supplier<RouterRegistry> registry;
    private final Scheduler scheduler;
    private final LongSupplier debounceNanos;
    private final TransitionLog log;

    /**
     * @param slots         the engine's slots by router id
     * @param registry      the bound registry, or null
     * @param debounceNanos the primary's debounce wait now
     * @param log           the applied transitions
     */
    RouterStatusView(Map<String, Slot> slots, Supplier<RouterRegistry> registry, Scheduler scheduler,
            LongSupplier debounceNanos, TransitionLog log) {
        this.slots = slots;
        this.registry = registry;
        this.scheduler = scheduler;
        this.debounceNanos = debounceNanos;
        this.log = log;
    }

    /** @return the state applied, else the one read from the router's state file */
    Optional<HaState> appliedState(String routerId) {
        Slot slot = slots.get(routerId);
        if (slot == null) {
            return Optional.empty();
        }
        synchronized (slot) {
            return Optional.ofNullable(slot.appliedOrPersisted());
        }
    }

    /** @return the router's status if the engine or the registry knows it */
    Optional<RouterStatus> status(String routerId) {
        RouterRegistry reg = registry.get();
        boolean managed = reg != null && reg.find(routerId).isPresent();
        Slot slot = slots.get(routerId);
        if (slot == null) {
            return managed ? Optional.of(new Status(routerId, null, 0, null, 0, true)) : Optional.empty();
        }
        synchronized (slot) {
            HaState pending = slot.pending();
            long dueMillis = 0;
            // waiting out its debounce, or queued: just notified (its timer not armed yet), or due and being applied
            if (slot.phase() != Slot.IDLE && pending == HaState.PRIMARY) {
                long dueNanos = slot.desiredSince + debounceNanos.getAsLong();
                dueMillis = scheduler.currentTimeMillis() + TimeUnit.NANOSECONDS.toMillis(dueNanos - scheduler.nanoTime());
            }
            return Optional.of(new Status(routerId, slot.appliedOrPersisted(),
                    slot.lastChangeMillis, pending, dueMillis, managed));
        }
    }

    /** @return the status of every router the engine or the registry knows, by router id */
    List<RouterStatus> statuses() {
        TreeSet<String> ids = new TreeSet<>(slots.keySet());
        RouterRegistry reg = registry.get();
        if (reg != null) {
            reg.all().forEach(r -> ids.add(r.id()));
        }
        List<RouterStatus> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            status(id).ifPresent(out::add);
        }
        return out;
    }

    List<Transition> history(String routerId, int max) {
        return log.history(routerId, max);
    }

    private record Status(String routerId, HaState appliedState, long lastChangeMillis, HaState pendingState,
            long dueMillis, boolean managed) implements RouterStatus {
        @Override
        public Optional<HaState> applied() {
            return Optional.ofNullable(appliedState);
        }

        @Override
        public Optional<Instant> lastTransition() {
            return lastChangeMillis == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(lastChangeMillis));
        }

        @Override
        public Optional<HaState> pending() {
            return Optional.ofNullable(pendingState);
        }

        @Override
        public Optional<Instant> pendingDue() {
            return dueMillis == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(dueMillis));
        }
    }
}
