package org.l3ha.engine.impl;

import org.l3ha.common.testing.ManualScheduler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.api.HaState.BACKUP;
import static org.l3ha.api.HaState.FAULT;
import static org.l3ha.api.HaState.PRIMARY;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.l3ha.api.RouterRegistry;
import org.l3ha.api.RouterStatus;

/** What the status view makes of slots in every state, without the state machine. */
class RouterStatusViewTest {
    static final String R1 = "11111111-1111-1111-1111-111111111111";
    static final String R2 = "22222222-2222-2222-2222-222222222222";
    static final String R3 = "33333333-3333-3333-3333-333333333333";

    final ManualScheduler clock = new ManualScheduler();
    final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    final Fakes.Registry registry = new Fakes.Registry().with(R1, R2);
    RouterRegistry bound = registry;
    final TransitionLog log = new TransitionLog(8);
    final RouterStatusView view = new RouterStatusView(slots, () -> bound, clock, () -> TimeUnit.SECONDS.toNanos(3), log);

    Slot slot(String id) {
        return slots.computeIfAbsent(id, Slot::new);
    }

    @Test
    void theAppliedStateIsTheOneReadFromTheStateFileUntilOneIsApplied() {
        assertEquals(Optional.empty(), view.appliedState(R1));
        slot(R1).persisted(BACKUP);
        assertEquals(Optional.of(BACKUP), view.appliedState(R1));
        assertEquals(Optional.of(BACKUP), view.status(R1).orElseThrow().applied());
        slot(R1).applied(FAULT);
        assertEquals(Optional.of(FAULT), view.appliedState(R1));
        assertEquals(Optional.of(FAULT), view.status(R1).orElseThrow().applied());
    }

    @Test
    void aWaitingPrimaryIsPendingAndDueWhenItsDebounceEnds() {
        Slot s = slot(R1);
        s.applied(BACKUP);
        s.lastChangeMillis = 1_000;
        s.desired(PRIMARY);
        s.desiredSince = clock.nanoTime() - TimeUnit.SECONDS.toNanos(1);
        s.phase(Slot.WAITING);
        RouterStatus st = view.status(R1).orElseThrow();
        assertEquals(Optional.of(PRIMARY), st.pending());
        assertEquals(Optional.of(Instant.ofEpochMilli(clock.currentTimeMillis() + 2_000)), st.pendingDue(),
                "3 s after it became desired, 1 s ago");
        assertEquals(Optional.of(Instant.ofEpochMilli(1_000)), st.lastTransition());

        s.phase(Slot.QUEUED);
        assertEquals(Optional.of(Instant.ofEpochMilli(clock.currentTimeMillis() + 2_000)),
                view.status(R1).orElseThrow().pendingDue(), "queued before its timer is armed: due as on the timer");
        s.desiredSince = clock.nanoTime() - TimeUnit.SECONDS.toNanos(4);
        assertEquals(Optional.of(Instant.ofEpochMilli(clock.currentTimeMillis() - 1_000)),
                view.status(R1).orElseThrow().pendingDue(), "queued once due (being applied): when it became due");
        s.phase(Slot.IDLE);
        assertEquals(Optional.empty(), view.status(R1).orElseThrow().pendingDue(),
                "idle with a pending primary (held for the registry): not due while it is held");
        s.applied(PRIMARY);
        assertEquals(Optional.empty(), view.status(R1).orElseThrow().pending(), "applied: nothing pending");
    }

    @Test
    void aRouterIsManagedWhileTheBoundRegistryHasIt() {
        slot(R3).desired(BACKUP);
        RouterStatus unknown = view.status(R3).orElseThrow();
        assertFalse(unknown.managed());
        assertEquals(Optional.of(BACKUP), unknown.pending());
        assertEquals(Optional.empty(), unknown.lastTransition());

        RouterStatus fresh = view.status(R2).orElseThrow();
        assertTrue(fresh.managed(), "the registry's router without a slot");
        assertEquals(Optional.empty(), fresh.applied());

        bound = null;
        assertEquals(Optional.empty(), view.status(R2), "known to neither");
        assertFalse(view.status(R3).orElseThrow().managed());
    }

    @Test
    void theStatusesAreEveryRouterOfTheSlotsAndTheRegistryById() {
        slot(R3).desired(FAULT);
        slot(R1).applied(BACKUP);
        assertEquals(List.of(R1, R2, R3), view.statuses().stream().map(RouterStatus::routerId).toList());
        bound = null;
        assertEquals(List.of(R1, R3), view.statuses().stream().map(RouterStatus::routerId).toList());
    }

    @Test
    void theHistoryIsTheLogs() {
        log.add(R1, 5, BACKUP);
        log.add(R2, 6, BACKUP);
        log.add(R1, 7, PRIMARY);
        assertEquals(List.of(PRIMARY, BACKUP), view.history(R1, 10).stream().map(t -> t.state()).toList());
        assertEquals(1, view.history(R1, 1).size());
    }
}
