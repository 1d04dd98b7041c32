package org.l3ha.engine.impl;

import org.l3ha.common.testing.ManualScheduler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.api.HaState.BACKUP;
import static org.l3ha.api.HaState.PRIMARY;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;
import org.l3ha.api.Router;
import org.l3ha.api.RouterStatus;
import org.l3ha.api.StateBatcher;
import org.l3ha.api.TransitionListener;
import org.l3ha.common.testing.LogCapture;
import org.l3ha.engine.impl.Fakes.Event;

/**
 * A router that leaves the node (the registry's {@code routersChanged} for an id it no longer
 * finds): listeners told in descending order, state directory removed, batcher told to forget,
 * slot dropped; serialised with the router's transitions; never on a registry swap.
 */
class RemovalTest {
    static final String R1 = "11111111-1111-1111-1111-111111111111";
    static final String R2 = "22222222-2222-2222-2222-222222222222";
    static final String R3 = "33333333-3333-3333-3333-333333333333";

    @TempDir
    Path confs;

    final ManualScheduler clock = new ManualScheduler();
    final Fakes.Registry registry = new Fakes.Registry().with(R1, R2);
    final Fakes.Recorder reports = new Fakes.Recorder(clock::seconds, "report");
    final List<Event> applies = Collections.synchronizedList(new ArrayList<>());
    final List<String> removals = Collections.synchronizedList(new ArrayList<>());
    Transitions t;

    @BeforeEach
    void start() {
        t = engine(2);
    }

    /** An engine with the three data-plane listeners in l3ha.order (ipv6, metadata, radvd), generation 1. */
    Transitions engine(int advert) {
        Transitions e = new Transitions(clock, new StateFiles(confs), advert);
        e.loadStateFiles(new StateFiles(confs));
        e.setListeners(List.of(listener("ipv6", 1, null), listener("metadata", 1, null), listener("radvd", 1, null)));
        e.setBatcher(reports);
        e.setRegistry(registry);
        clock.runReady();
        reports.events.clear();
        return e;
    }

    Transitions.Listener listener(String name, long generation, Exception removeFailure) {
        return new Transitions.Listener(new Fakes.Recorder(clock::seconds, name).removable(applies, removals, removeFailure),
                name, generation);
    }

    void notify(String id, HaState s) {
        assertTrue(t.accept(id, s));
        clock.runReady();
    }

    void settle(String id, HaState s) {
        notify(id, s);
        clock.advance(10);
        assertEquals(Optional.of(s), t.view().appliedState(id));
        applies.clear();
        reports.events.clear();
    }

    /** The registry forgets {@code id} and says so. */
    void leave(String id) {
        registry.routers.remove(id);
        t.routersChanged(Set.of(id));
        clock.runReady();
    }

    List<String> appliedTo(String id) {
        synchronized (applies) {
            return applies.stream().filter(e -> e.routerId().equals(id)).map(e -> e.by() + " " + e.state()).toList();
        }
    }

    Path dir(String id) {
        return confs.resolve(id);
    }

    // ------------------------------------------------------------------ the removal

    @Test
    void listenersAreToldInDescendingOrderThenTheStateGoesAndTheRouterIsForgotten() throws IOException {
        settle(R1, PRIMARY);
        settle(R2, BACKUP);
        assertEquals("primary", Files.readString(dir(R1).resolve("state")));
        try (LogCapture log = new LogCapture()) {
            leave(R1);
            assertEquals(List.of("radvd " + R1, "metadata " + R1, "ipv6 " + R1), removals, "reverse of apply");
            List<String> info = log.lines("INFO", "Router " + R1 + " removed from this agent");
            assertEquals(1, info.size(), log.text());
            assertTrue(info.get(0).contains("3 listener(s) told"), info.get(0));
            assertTrue(info.get(0).contains("state directory " + dir(R1) + " removed"), info.get(0));
        }
        assertFalse(Files.exists(dir(R1), LinkOption.NOFOLLOW_LINKS), "state directory removed");
        assertEquals(List.of(R1), reports.forgotten, "the batcher forgets it");
        assertEquals(List.of(), reports.events, "nothing reported for it");
        assertEquals(Optional.empty(), t.view().appliedState(R1));
        assertEquals(Optional.empty(), t.view().status(R1), "gone from l3ha:router");
        assertEquals(List.of(R2), t.view().statuses().stream().map(RouterStatus::routerId).toList(), "and from l3ha:routers");
        assertEquals(List.of(), t.view().history(R1, 10), "its history goes with it");
        assertEquals(1, t.routers(), "its slot is dropped");
        assertEquals(1, t.counters().get("routers_removed"));
        assertEquals(Optional.of(BACKUP), t.view().appliedState(R2), "the other router is untouched");
        assertTrue(Files.exists(dir(R2).resolve("state")));

        // the registry says it again: the router is not known any more, nothing happens
        removals.clear();
        t.routersChanged(Set.of(R1));
        clock.runReady();
        assertEquals(List.of(), removals);
        assertEquals(1, t.counters().get("routers_removed"));
        assertEquals(1, t.routers(), "no slot is kept for it");
    }

    @Test
    void aListenerFailingToRemoveIsLoggedCountedAndStopsNothing() {
        t.setListeners(List.of(listener("ipv6", 1, null), listener("metadata", 1, new IOException("haproxy will not die")),
                listener("radvd", 1, null)));
        settle(R1, PRIMARY);
        try (LogCapture log = new LogCapture()) {
            leave(R1);
            assertEquals(1, log.lines("ERROR", R1, "listener metadata failed to remove the router", "haproxy will not die")
                    .size(), log.text());
            assertEquals(1, log.lines("INFO", R1, "3 listener(s) told (1 failed)").size(), log.text());
        }
        assertEquals(List.of("radvd " + R1, "metadata " + R1, "ipv6 " + R1), removals);
        assertEquals(1, t.counters().get("listener_failures"));
        assertEquals(1, t.counters().get("listener_failures.metadata"));
        assertFalse(Files.exists(dir(R1), LinkOption.NOFOLLOW_LINKS), "the rest of the removal happened");
        assertEquals(List.of(R1), reports.forgotten);
        assertEquals(1, t.counters().get("routers_removed"));
    }

    @Test
    void aPrimaryWaitingOutItsDebounceIsNeverAppliedAfterTheRemoval() {
        settle(R1, BACKUP);
        notify(R1, PRIMARY);
        leave(R1);
        assertEquals(3, removals.size());
        clock.advance(10);
        assertEquals(List.of(), appliedTo(R1), "the waiting primary went with the router");
        assertEquals(List.of(), reports.events);
        assertEquals(0, clock.pendingTimers());
        assertEquals(Optional.empty(), t.view().status(R1));
    }

    @Test
    void aLaterNotificationIsHeldLikeAnUnknownRoutersAndTheRouterComesBackAsANewOne() throws IOException {
        settle(R1, PRIMARY);
        leave(R1);
        assertEquals(3, removals.size());
        long held = t.counters().get("held_unknown_router");
        notify(R1, BACKUP);
        clock.advance(10);
        assertEquals(List.of(), appliedTo(R1), "not applied: the registry does not have it");
        assertEquals(List.of(), reports.events, "not reported");
        assertTrue(t.counters().get("held_unknown_router") > held, "counted as held");
        assertFalse(Files.exists(dir(R1), LinkOption.NOFOLLOW_LINKS), "no state file written for it");
        RouterStatus st = t.view().status(R1).orElseThrow();
        assertFalse(st.managed());
        assertEquals(Optional.empty(), st.applied(), "a new router: no state from before its removal");
        assertEquals(Optional.of(BACKUP), st.pending());

        try (LogCapture log = new LogCapture()) {
            registry.with(R1);
            t.routersChanged(Set.of(R1));
            clock.runReady();
            assertEquals(1, log.lines("INFO", "Router " + R1 + " transitioned to backup (was not applied since start)").size(),
                    log.text());
        }
        assertEquals(List.of("ipv6 BACKUP", "metadata BACKUP", "radvd BACKUP"), appliedTo(R1));
        assertEquals(List.of(BACKUP), reports.of(R1).stream().map(Event::state).toList());
        assertEquals("backup", Files.readString(dir(R1).resolve("state")));
        assertEquals(List.of(BACKUP), t.view().history(R1, 10).stream().map(org.l3ha.api.Transition::state).toList(),
                "history starts afresh");
        assertEquals(3, removals.size(), "no removal on the way back");
    }

    @Test
    void aRouterAddedBackWithoutANotificationIsReportedUnknownByTheResync() {
        settle(R1, PRIMARY);
        leave(R1);
        registry.with(R1);
        t.routersChanged(Set.of(R1));
        clock.runReady();
        assertEquals(List.of(HaState.UNKNOWN), reports.of(R1).stream().map(Event::state).toList(),
                "like a new router without a state file");
        assertEquals(List.of(), appliedTo(R1));
    }

    // ------------------------------------------------------------------ what is not a removal

    @Test
    void unbindingTheRegistryOrBindingOneWithoutTheRouterRemovesNothing() throws IOException {
        settle(R1, PRIMARY);
        t.setRegistry(null);
        clock.runReady();
        t.routersChanged(Set.of(R1)); // no registry bound: nobody says the router is gone
        clock.runReady();
        Fakes.Registry other = new Fakes.Registry().with(R2);
        t.setRegistry(other);
        clock.runReady();
        clock.advance(10);
        assertEquals(List.of(), removals);
        assertEquals(Optional.of(PRIMARY), t.view().appliedState(R1));
        assertEquals("primary", Files.readString(dir(R1).resolve("state")));
        assertEquals(List.of(), reports.forgotten);
        assertEquals(0, t.counters().get("routers_removed"));

        // only that registry's own word for the id removes it
        t.routersChanged(Set.of(R1));
        clock.runReady();
        assertEquals(List.of("radvd " + R1, "metadata " + R1, "ipv6 " + R1), removals);
        assertEquals(1, t.counters().get("routers_removed"));
    }

    @Test
    void aChangedRouterTheRegistryStillHasIsNotRemoved() {
        settle(R1, PRIMARY);
        t.routersChanged(Set.of(R1));
        clock.runReady();
        assertEquals(List.of(), removals);
        assertEquals(Optional.of(PRIMARY), t.view().appliedState(R1));
    }

    @Test
    void aRouterTheEngineDoesNotKnowIsNotRemoved() {
        // router_deleted goes to every agent: a router never here has nothing to remove
        t.routersChanged(Set.of(R3));
        clock.runReady();
        assertEquals(List.of(), removals);
        assertEquals(0, t.counters().get("routers_removed"));
        assertEquals(Optional.empty(), t.view().status(R3), "no slot is left behind");

        // nor one only held as unknown: nothing of it was applied, and its held state stays
        notify(R3, BACKUP);
        t.routersChanged(Set.of(R3));
        clock.runReady();
        assertEquals(List.of(), removals);
        assertEquals(Optional.of(BACKUP), t.view().status(R3).orElseThrow().pending());
        registry.with(R3);
        t.routersChanged(Set.of(R3));
        clock.runReady();
        assertEquals(List.of("ipv6 BACKUP", "metadata BACKUP", "radvd BACKUP"), appliedTo(R3));
    }

    @Test
    void aRouterKnownOnlyByItsStateFileIsRemoved() throws IOException {
        // written after the engine started (by Neutron's monitor, or an earlier agent): no slot for it
        Files.createDirectories(dir(R3));
        Files.writeString(dir(R3).resolve("state"), "primary");
        assertEquals(Optional.empty(), t.view().status(R3));
        t.routersChanged(Set.of(R3));
        clock.runReady();
        assertEquals(List.of("radvd " + R3, "metadata " + R3, "ipv6 " + R3), removals);
        assertFalse(Files.exists(dir(R3), LinkOption.NOFOLLOW_LINKS));
        assertEquals(1, t.counters().get("routers_removed"));
    }

    @Test
    void aRouterBackInTheRegistryBeforeItsRemovalRanIsNotRemoved() {
        settle(R1, PRIMARY);
        registry.routers.remove(R1);
        t.routersChanged(Set.of(R1)); // asked for, not run yet
        registry.with(R1);
        clock.runReady();
        assertEquals(List.of(), removals);
        assertEquals(Optional.of(PRIMARY), t.view().appliedState(R1));
    }

    // ------------------------------------------------------------------ serialisation

    /**
     * A removal asked for while the router's transition is in its listeners waits for it, and no
     * listener ever runs for the router beside or after the removal.
     */
    @Test
    void aRemovalWaitsForTheRunningTransitionAndNothingRunsBesideOrAfterIt() throws Exception {
        t = engine(0);
        settle(R1, BACKUP);
        CountDownLatch inApply = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger active = new AtomicInteger();
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        List<String> overlaps = Collections.synchronizedList(new ArrayList<>());
        TransitionListener slow = new TransitionListener() {
            @Override
            public void apply(Router router, HaState state) throws Exception {
                if (active.incrementAndGet() > 1) {
                    overlaps.add("apply " + state);
                }
                calls.add("apply " + state);
                if (state == PRIMARY) {
                    inApply.countDown();
                    assertTrue(release.await(60, TimeUnit.SECONDS));
                }
                active.decrementAndGet();
            }

            @Override
            public void remove(String routerId) {
                if (active.incrementAndGet() > 1) {
                    overlaps.add("remove");
                }
                calls.add("remove");
                active.decrementAndGet();
            }
        };
        List<String> batcher = Collections.synchronizedList(new ArrayList<>());
        t.setBatcher(new StateBatcher() {
            @Override
            public void queue(String routerId, HaState state) {
                batcher.add("queue " + routerId + " " + state);
            }

            @Override
            public void forget(String routerId) {
                batcher.add("forget " + routerId);
            }
        });
        t.setListeners(List.of(new Transitions.Listener(slow, "slow", 2)));
        clock.runReady();
        batcher.clear();
        calls.clear();

        assertTrue(t.accept(R1, PRIMARY));
        Thread worker = new Thread(clock::runReady, "worker");
        worker.start();
        assertTrue(inApply.await(60, TimeUnit.SECONDS));
        // while the primary is in the listener: the registry drops the router, and the engine's other work runs
        registry.routers.remove(R1);
        t.routersChanged(Set.of(R1));
        clock.runReady();
        assertEquals(List.of("apply PRIMARY"), calls, "the removal waits for the transition in progress");
        assertTrue(t.accept(R1, BACKUP), "a notification meanwhile");
        clock.runReady();
        release.countDown();
        worker.join(60_000);
        assertFalse(worker.isAlive());
        clock.advance(10);

        assertEquals(List.of(), overlaps);
        assertEquals(List.of("apply PRIMARY", "remove"), calls, "removed after the primary, nothing applied after");
        assertEquals(List.of("queue " + R1 + " PRIMARY", "forget " + R1), batcher, "reported, then forgotten");
        assertFalse(Files.exists(dir(R1), LinkOption.NOFOLLOW_LINKS), "the file the primary wrote is removed");
        assertEquals(1, t.counters().get("routers_removed"));
        RouterStatus st = t.view().status(R1).orElseThrow();
        assertEquals(Optional.empty(), st.applied());
        assertEquals(Optional.of(BACKUP), st.pending(), "the notification that came after the removal was asked for is held");
    }

    /** The same with the engine's real threads: many routers flapping while the registry drops half of them. */
    @Test
    void removalsUnderConcurrentNotificationsLeaveNoRemovedRouterApplied(@TempDir Path statePath) throws Exception {
        DebouncingTransitionEngine e = EngineActivation.activate(java.util.Map.of("state_path", statePath.toString(), "ha_vrrp_advert_int", "0"));
        try {
            Fakes.Registry reg = new Fakes.Registry();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String id = String.format("%08d-0000-0000-0000-000000000000", i);
                ids.add(id);
                reg.with(id);
            }
            e.bindRegistry(reg);
            e.bindBatcher(new DebouncingTransitionEngineTest.LastReports());
            java.util.Map<String, Integer> active = new java.util.concurrent.ConcurrentHashMap<>();
            java.util.Set<String> removed = java.util.concurrent.ConcurrentHashMap.newKeySet();
            List<String> violations = Collections.synchronizedList(new ArrayList<>());
            e.bindListener(new TransitionListener() {
                @Override
                public void apply(Router router, HaState state) {
                    if (active.merge(router.id(), 1, Integer::sum) > 1) {
                        violations.add("apply beside another call: " + router.id());
                    }
                    if (removed.contains(router.id())) {
                        violations.add("apply after removal: " + router.id());
                    }
                    active.merge(router.id(), -1, Integer::sum);
                }

                @Override
                public void remove(String routerId) {
                    if (active.merge(routerId, 1, Integer::sum) > 1) {
                        violations.add("remove beside another call: " + routerId);
                    }
                    removed.add(routerId);
                    active.merge(routerId, -1, Integer::sum);
                }
            }, java.util.Map.of("service.id", 1L, "component.name", "checker"));
            for (String id : ids) {
                e.accept(id, BACKUP);
            }
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> ids.stream()
                    .allMatch(id -> e.appliedState(id).equals(Optional.of(BACKUP))));
            Thread flapper = new Thread(() -> {
                for (int k = 0; k < 2000; k++) {
                    e.accept(ids.get(k % ids.size()), k % 2 == 0 ? PRIMARY : BACKUP);
                }
            }, "flapper");
            flapper.start();
            Set<String> gone = new java.util.HashSet<>();
            for (int i = 0; i < ids.size(); i += 2) {
                reg.routers.remove(ids.get(i));
                gone.add(ids.get(i));
            }
            e.routersChanged(gone);
            flapper.join(60_000);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> e.counters().get("routers_removed") == gone.size());
            assertEquals(gone, removed, "each removed router removed once it was known");
            assertEquals(List.of(), violations);
            for (String id : gone) {
                assertEquals(Optional.empty(), e.appliedState(id), id);
                assertFalse(Files.exists(statePath.resolve("ha_confs").resolve(id), LinkOption.NOFOLLOW_LINKS), id);
            }
        } finally {
            e.deactivate();
        }
    }

    // ------------------------------------------------------------------ listeners bound later

    @Test
    void aListenerBoundShortlyAfterARemovalIsToldOfItOnce() {
        settle(R1, PRIMARY);
        // radvd is away (its bundle is being swapped) when the router leaves
        t.setListeners(List.of(listener("ipv6", 1, null), listener("metadata", 1, null)));
        leave(R1);
        assertEquals(List.of("metadata " + R1, "ipv6 " + R1), removals);
        removals.clear();
        t.setListeners(List.of(listener("ipv6", 1, null), listener("metadata", 1, null), listener("radvd", 2, null)));
        clock.runReady();
        assertEquals(List.of("radvd " + R1), removals, "only the listener that missed it");
        assertEquals(Optional.empty(), t.view().status(R1), "no slot kept for it");
        assertEquals(1, t.counters().get("routers_removed"), "one removal");
        removals.clear();
        t.setListeners(List.of(listener("ipv6", 1, null), listener("metadata", 1, null), listener("radvd", 2, null),
                listener("extension", 3, null)));
        clock.runReady();
        assertEquals(List.of("extension " + R1), removals, "none told twice");
    }

    @Test
    void aRouterAppliedAgainIsNotRemovedFromListenersBoundLater() {
        settle(R1, PRIMARY);
        leave(R1);
        registry.with(R1);
        t.routersChanged(Set.of(R1));
        notify(R1, BACKUP);
        removals.clear();
        t.setListeners(List.of(listener("ipv6", 1, null), listener("late", 2, null)));
        clock.runReady();
        assertEquals(List.of(), removals);
        assertEquals(List.of("late BACKUP"), appliedTo(R1).subList(appliedTo(R1).size() - 1, appliedTo(R1).size()),
                "it is given the router's state instead");
    }

    // ------------------------------------------------------------------ hand-over

    @Test
    void aRemovalNotCarriedOutIsHandedOverAndDoneByTheNextEngine() throws IOException {
        settle(R1, PRIMARY);
        registry.routers.remove(R1);
        t.routersChanged(Set.of(R1)); // asked for; the engine stops before a worker runs it
        t.close();
        List<Transitions.Pending> pending = t.pending();
        assertEquals(List.of(R1), pending.stream().filter(Transitions.Pending::isRemoval).map(Transitions.Pending::routerId)
                .toList());
        assertEquals(List.of(), removals);
        Path file = confs.resolve(PendingFile.NAME);
        PendingFile.write(file, pending);
        assertTrue(Files.readString(file, StandardCharsets.US_ASCII).startsWith(R1 + " removed "));
        List<Transitions.Pending> read = PendingFile.read(file);
        assertEquals(pending, read);

        Transitions next = new Transitions(clock, new StateFiles(confs), 2);
        next.loadStateFiles(new StateFiles(confs));
        next.restorePending(read);
        next.setListeners(List.of(listener("ipv6", 1, null)));
        clock.runReady();
        assertEquals(List.of(), removals, "not before a registry is bound");
        next.setBatcher(reports);
        next.setRegistry(registry);
        clock.runReady();
        assertEquals(List.of("ipv6 " + R1), removals);
        assertFalse(Files.exists(dir(R1), LinkOption.NOFOLLOW_LINKS));
        assertEquals(List.of(), appliedTo(R1), "the state read from its file is not re-applied");
        assertEquals(1, next.counters().get("routers_removed"));
    }
}
