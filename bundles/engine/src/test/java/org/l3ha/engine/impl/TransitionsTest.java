package org.l3ha.engine.impl;

import org.l3ha.common.testing.ManualScheduler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.api.HaState.BACKUP;
import static org.l3ha.api.HaState.FAULT;
import static org.l3ha.api.HaState.PRIMARY;
import static org.l3ha.api.HaState.UNKNOWN;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;
import org.l3ha.engine.impl.Fakes.Event;

/**
 * The debounce rule and apply sequence in virtual time. Case numbers are those of
 * docs/behaviour.md §10, which states l3ha's expectation, deliberate differences included (§3.1).
 */
class TransitionsTest {
    static final String R1 = "11111111-1111-1111-1111-111111111111";
    static final String R2 = "22222222-2222-2222-2222-222222222222";
    static final String R3 = "33333333-3333-3333-3333-333333333333";

    @TempDir
    Path confs;

    final ManualScheduler clock = new ManualScheduler();
    final Fakes.Registry registry = new Fakes.Registry().with(R1, R2);
    final Fakes.Recorder reports = new Fakes.Recorder(clock::seconds, "report");
    final List<Event> applies = Collections.synchronizedList(new ArrayList<>());
    Transitions t;

    @BeforeEach
    void start() {
        t = engine(2);
    }

    Transitions engine(int advert) {
        Transitions e = new Transitions(clock, new StateFiles(confs), advert);
        e.loadStateFiles(new StateFiles(confs));
        e.setListeners(List.of(new Transitions.Listener(new Fakes.Recorder(clock::seconds, "apply").listener(applies, null), "apply", 1)));
        e.setBatcher(reports);
        e.setRegistry(registry);
        clock.runReady();
        reports.events.clear();
        return e;
    }

    void notify(String id, HaState s) {
        assertTrue(t.accept(id, s));
        clock.runReady();
    }

    /** Brings R to an applied state and forgets the records of it. */
    void settle(String id, HaState s) {
        notify(id, s);
        clock.advance(10);
        assertEquals(Optional.of(s), t.view().appliedState(id));
        applies.clear();
        reports.events.clear();
    }

    List<String> applied(String id) {
        synchronized (applies) {
            return applies.stream().filter(e -> e.routerId().equals(id)).map(e -> String.format("%s@%.1f", e.state(), e.at())).toList();
        }
    }

    List<String> reported(String id) {
        return reports.of(id).stream().map(e -> String.format("%s@%.1f", e.state(), e.at())).toList();
    }

    String file(String id) throws IOException {
        return Files.readString(confs.resolve(id).resolve("state"), StandardCharsets.US_ASCII);
    }

    double now() {
        return clock.seconds();
    }

    @Test
    void case14PrimaryAloneIsAppliedOnceAfterTheAdvertInterval() throws IOException {
        double t0 = now();
        notify(R1, PRIMARY);
        clock.advance(1.9);
        assertEquals(List.of(), applied(R1), "not before A");
        clock.advance(0.1);
        assertEquals(List.of(String.format("PRIMARY@%.1f", t0 + 2)), applied(R1));
        assertEquals(List.of(String.format("PRIMARY@%.1f", t0 + 2)), reported(R1));
        clock.advance(10);
        assertEquals(1, applied(R1).size(), "applied once");
        assertEquals("primary", file(R1), "case 35: exactly the word, 7 bytes, no newline");
    }

    @Test
    void case15BackupAloneIsAppliedAtOnce() throws IOException {
        double t0 = now();
        notify(R1, BACKUP);
        assertEquals(List.of(String.format("BACKUP@%.1f", t0)), applied(R1));
        assertEquals(List.of(String.format("BACKUP@%.1f", t0)), reported(R1));
        assertEquals("backup", file(R1));
    }

    @Test
    void case16PrimaryThenBackupInsideTheWindowAppliesNothingWhenBackupWasApplied() {
        settle(R1, BACKUP);
        notify(R1, PRIMARY);
        clock.advance(0.2);
        notify(R1, BACKUP);
        clock.advance(10);
        assertEquals(List.of(), applied(R1));
        assertEquals(List.of(), reported(R1));
        assertEquals(1, t.counters().get("debounced"));
        assertEquals(0, clock.pendingTimers(), "the primary's timer is cancelled");
    }

    @Test
    void case16OnARouterWithNoAppliedStateBackupIsAppliedAtOnce() {
        double t0 = now();
        notify(R1, PRIMARY);
        clock.advance(0.2);
        notify(R1, BACKUP);
        clock.advance(10);
        assertEquals(List.of(String.format("BACKUP@%.1f", t0 + 0.2)), applied(R1));
        assertEquals(List.of(String.format("BACKUP@%.1f", t0 + 0.2)), reported(R1));
    }

    @Test
    void case17BackupThenPrimaryAppliesBothInTurn() {
        t = engine(1);
        double t0 = now();
        notify(R1, BACKUP);
        clock.advance(0.2);
        notify(R1, PRIMARY);
        clock.advance(10);
        assertEquals(List.of(String.format("BACKUP@%.1f", t0), String.format("PRIMARY@%.1f", t0 + 1.2)), applied(R1));
        assertEquals(2, reported(R1).size());
    }

    @Test
    void case18PrimaryMustStayDesiredForTheWholeIntervalFromItsLastChange() {
        settle(R1, BACKUP);
        double t0 = now();
        notify(R1, PRIMARY);
        clock.advance(0.5);
        notify(R1, BACKUP);
        clock.advance(0.5);
        notify(R1, PRIMARY);
        clock.advance(1.9);
        assertEquals(List.of(), applied(R1), "not at 2.0: primary became desired again at 1.0");
        clock.advance(10);
        assertEquals(List.of(String.format("PRIMARY@%.1f", t0 + 3.0)), applied(R1));
        assertEquals(List.of(String.format("PRIMARY@%.1f", t0 + 3.0)), reported(R1));
    }

    @Test
    void case19ARepeatedPrimaryDoesNotRestartTheWait() {
        double t0 = now();
        notify(R1, PRIMARY);
        clock.advance(1);
        notify(R1, PRIMARY);
        clock.advance(10);
        assertEquals(List.of(String.format("PRIMARY@%.1f", t0 + 2)), applied(R1));
    }

    @Test
    void case20PrimaryThenALateBackupAppliesBoth() {
        double t0 = now();
        notify(R1, PRIMARY);
        clock.advance(2.5);
        notify(R1, BACKUP);
        clock.advance(10);
        assertEquals(List.of(String.format("PRIMARY@%.1f", t0 + 2), String.format("BACKUP@%.1f", t0 + 2.5)), applied(R1));
        assertEquals(List.of(String.format("PRIMARY@%.1f", t0 + 2), String.format("BACKUP@%.1f", t0 + 2.5)), reported(R1));
    }

    @Test
    void case21RoutersDoNotBlockEachOther() {
        double t0 = now();
        notify(R1, PRIMARY);
        notify(R2, BACKUP);
        assertEquals(List.of(String.format("BACKUP@%.1f", t0)), applied(R2));
        clock.advance(10);
        assertEquals(List.of(String.format("PRIMARY@%.1f", t0 + 2)), applied(R1));
    }

    @Test
    void neutronBug3ARealBackupAfterAStalePrimaryIsNeverSwallowed() throws IOException {
        settle(R1, PRIMARY);
        double t0 = now();
        notify(R1, PRIMARY);
        clock.advance(0.3);
        notify(R1, BACKUP);
        clock.advance(10);
        assertEquals(List.of(String.format("BACKUP@%.1f", t0 + 0.3)), applied(R1));
        assertEquals(List.of(String.format("BACKUP@%.1f", t0 + 0.3)), reported(R1));
        assertEquals("backup", file(R1));
    }

    @Test
    void neutronBug4ABackupImmediatelyFollowedByPrimaryLosesNeither() {
        t = engine(1);
        // both arrive before any worker runs: the newest always wins, nothing is dropped
        assertTrue(t.accept(R1, BACKUP));
        assertTrue(t.accept(R1, PRIMARY));
        clock.advance(10);
        assertEquals(Optional.of(PRIMARY), t.view().appliedState(R1));
        assertEquals(PRIMARY, reports.of(R1).get(reports.of(R1).size() - 1).state());
    }

    @Test
    void faultIsAppliedAtOnceAndReportedAsStandbyByTheBatcher() {
        notify(R1, FAULT);
        assertEquals(1, applied(R1).size());
        assertEquals(FAULT, reports.of(R1).get(0).state());
    }

    @Test
    void advertIntervalZeroAppliesPrimaryAtOnce() {
        t = engine(0);
        double t0 = now();
        notify(R1, PRIMARY);
        assertEquals(List.of(String.format("PRIMARY@%.1f", t0)), applied(R1));
    }

    @Test
    void aDesiredStateEqualToTheAppliedOneDoesNothing() {
        settle(R1, BACKUP);
        notify(R1, BACKUP);
        notify(R1, BACKUP);
        clock.advance(10);
        assertEquals(List.of(), applied(R1));
        assertEquals(List.of(), reported(R1));
    }

    @Test
    void case13UnknownRouterIsHeldCountedAndAppliedWhenTheRegistryLearnsIt() {
        double t0 = now();
        notify(R3, PRIMARY);
        clock.advance(10);
        notify(R3, BACKUP);
        clock.advance(1);
        notify(R3, PRIMARY);
        clock.advance(10);
        assertEquals(List.of(), applied(R3), "no side effects");
        assertEquals(List.of(), reported(R3), "reported to no one");
        assertTrue(t.counters().get("held_unknown_router") >= 2, "counted");
        assertTrue(Files.notExists(confs.resolve(R3)), "no state file");
        registry.with(R3);
        t.routersChanged(Set.of(R3));
        clock.runReady();
        assertEquals(List.of(String.format("PRIMARY@%.1f", t0 + 21)), applied(R3));
        assertEquals(List.of(String.format("PRIMARY@%.1f", t0 + 21)), reported(R3));
    }

    @Test
    void withNoRegistryTransitionsAreHeldUntilOneBinds() {
        t.setRegistry(null);
        notify(R1, BACKUP);
        assertEquals(List.of(), applied(R1));
        t.setRegistry(registry);
        clock.runReady();
        assertEquals(1, applied(R1).size());
        assertEquals(BACKUP, reports.of(R1).get(reports.of(R1).size() - 1).state());
    }

    @Test
    void listenersRunInTheGivenOrderAndAFailureStopsNeitherTheOthersNorTheReport() {
        List<Event> calls = Collections.synchronizedList(new ArrayList<>());
        t.setListeners(List.of(
                new Transitions.Listener(new Fakes.Recorder(clock::seconds, "ipv6").listener(calls, null), "ipv6", 1),
                new Transitions.Listener(new Fakes.Recorder(clock::seconds, "metadata").listener(calls, new IllegalStateException("haproxy missing")), "metadata", 1),
                new Transitions.Listener((router, state) -> {
                    throw new NoClassDefFoundError("bundle being updated");
                }, "broken", 1),
                new Transitions.Listener(new Fakes.Recorder(clock::seconds, "radvd").listener(calls, null), "radvd", 1)));
        notify(R1, BACKUP);
        assertEquals(List.of("ipv6", "metadata", "radvd"), calls.stream().map(Event::by).toList());
        assertEquals(List.of(BACKUP), reports.of(R1).stream().map(Event::state).toList());
        assertEquals(2, t.counters().get("listener_failures"));
        assertEquals(1, t.counters().get("listener_failures.metadata"));
        assertEquals(1, t.counters().get("listener_failures.broken"));
        assertEquals(Optional.of(BACKUP), t.view().appliedState(R1));
    }

    @Test
    void theStateFileIsWrittenBeforeTheListenersRun() {
        List<String> seen = new ArrayList<>();
        t.setListeners(List.of(new Transitions.Listener((router, state) -> seen.add(file(router.id())), "reader", 1)));
        notify(R1, BACKUP);
        clock.advance(0.1);
        notify(R1, PRIMARY);
        clock.advance(10);
        assertEquals(List.of("backup", "primary"), seen);
    }

    @Test
    void anUnwritableStateFileIsLoggedAndTheTransitionStillHappens() throws IOException {
        Path notADir = confs.resolve("blocked");
        Files.writeString(notADir, "x");
        t = new Transitions(clock, new StateFiles(notADir), 0);
        t.setListeners(List.of(new Transitions.Listener(new Fakes.Recorder(clock::seconds, "apply").listener(applies, null), "apply", 1)));
        t.setBatcher(reports);
        t.setRegistry(registry);
        clock.runReady();
        reports.events.clear();
        notify(R1, PRIMARY);
        assertEquals(1, applied(R1).size());
        assertEquals(List.of(PRIMARY), reports.of(R1).stream().map(Event::state).toList());
        assertEquals(1, t.counters().get("state_write_failures"));
    }

    @Test
    void case67StateFilesAreReadBackAndReappliedOnStartWithoutDebounce() throws IOException {
        for (String[] f : new String[][] {{R1, "master"}, {R2, " backup\n"}, {R3, "garbage"}}) {
            Files.createDirectories(confs.resolve(f[0]));
            Files.writeString(confs.resolve(f[0]).resolve("state"), f[1]);
        }
        registry.with(R3);
        t = engine(2);
        assertEquals(Optional.of(PRIMARY), t.view().appliedState(R1), "legacy master is primary");
        assertEquals(Optional.of(BACKUP), t.view().appliedState(R2), "trimmed");
        assertEquals(Optional.empty(), t.view().appliedState(R3), "junk is unknown");
        assertEquals(1, applied(R1).size(), "re-applied at once on start, no debounce");
        assertEquals(1, applied(R2).size());
        assertEquals("master", file(R1), "a file already holding the state is not rewritten");
        assertEquals(1, t.resyncAll() - 2, "only R3 and the two applied routers");
        assertEquals(UNKNOWN, reports.of(R3).get(0).state(), "case 32: no state → unknown");
        assertEquals(PRIMARY, reports.of(R1).get(reports.of(R1).size() - 1).state());
    }

    @Test
    void case33ResyncReportsTheCurrentStateWithNoDataPlaneStep() {
        settle(R1, PRIMARY);
        assertTrue(t.resync(R1));
        assertEquals(List.of(PRIMARY), reports.of(R1).stream().map(Event::state).toList());
        assertEquals(List.of(), applied(R1), "no listener call");
        assertTrue(t.resync(R2));
        assertEquals(List.of(UNKNOWN), reports.of(R2).stream().map(Event::state).toList());
        assertFalse(t.resync(R3), "not managed");
        assertEquals(List.of(), reports.of(R3));
    }

    @Test
    void resyncDuringAPrimaryWaitReportsWhatIsAppliedNow() {
        settle(R1, BACKUP);
        notify(R1, PRIMARY);
        assertTrue(t.resync(R1));
        assertEquals(List.of(BACKUP), reports.of(R1).stream().map(Event::state).toList());
    }

    @Test
    void bindingABatcherResyncsEveryRouterSoNothingAppliedMeanwhileIsLost() {
        t.setBatcher(null);
        notify(R1, BACKUP);
        assertEquals(List.of(), reports.of(R1));
        Fakes.Recorder next = new Fakes.Recorder(clock::seconds, "next");
        t.setBatcher(next);
        assertEquals(List.of(BACKUP), next.of(R1).stream().map(Event::state).toList());
        assertEquals(List.of(UNKNOWN), next.of(R2).stream().map(Event::state).toList());
    }

    @Test
    void closeRefusesNotificationsAndHandsOverPendingWithTheirWait() {
        settle(R1, BACKUP);
        double t0 = now();
        notify(R1, PRIMARY);
        clock.advance(1.5);
        t.close();
        assertFalse(t.accept(R2, BACKUP), "refused once closing: the endpoint keeps it");
        List<Transitions.Pending> pending = t.pending();
        assertEquals(1, pending.size());
        assertEquals(R1, pending.get(0).routerId());
        assertEquals(PRIMARY, pending.get(0).state());
        clock.advance(10);
        assertEquals(List.of(), applied(R1), "a closed engine applies nothing");

        // the successor restores the pending primary 0.3 s after the old one handed it over
        ManualScheduler later = new ManualScheduler();
        later.advance(t0 + 1.8);
        Fakes.Recorder reports2 = new Fakes.Recorder(later::seconds, "report2");
        List<Event> applies2 = Collections.synchronizedList(new ArrayList<>());
        Transitions next = new Transitions(later, new StateFiles(confs), 2);
        next.loadStateFiles(new StateFiles(confs));
        next.restorePending(pending);
        next.setListeners(List.of(new Transitions.Listener(new Fakes.Recorder(later::seconds, "a").listener(applies2, null), "a", 1)));
        next.setBatcher(reports2);
        next.setRegistry(registry);
        later.runReady();
        assertEquals(Optional.of(BACKUP), next.view().appliedState(R1), "the file still says backup");
        assertEquals(List.of(), reports2.of(R1), "resync leaves R1 to its pending apply, which reports");
        later.advance(10);
        assertEquals(List.of(String.format("PRIMARY@%.1f", t0 + 2.0)),
                applies2.stream().filter(e -> e.routerId().equals(R1)).map(e -> String.format("%s@%.1f", e.state(), e.at())).toList(),
                "the wait continues from where it was, it does not restart");
        assertEquals(List.of(PRIMARY), reports2.of(R1).stream().map(Event::state).toList());
    }

    @Test
    void statusShowsAppliedPendingAndWhenTheWaitEnds() {
        settle(R1, BACKUP);
        notify(R1, PRIMARY);
        org.l3ha.api.RouterStatus st = t.view().status(R1).orElseThrow();
        assertEquals(Optional.of(BACKUP), st.applied());
        assertEquals(Optional.of(PRIMARY), st.pending());
        assertEquals(clock.currentTimeMillis() + 2000, st.pendingDue().orElseThrow().toEpochMilli());
        assertTrue(st.managed());
        clock.advance(10);
        st = t.view().status(R1).orElseThrow();
        assertEquals(Optional.of(PRIMARY), st.applied());
        assertEquals(Optional.empty(), st.pending());
        assertEquals(Optional.empty(), st.pendingDue());
        assertEquals(clock.currentTimeMillis() - 8000, st.lastTransition().orElseThrow().toEpochMilli());
    }

    @Test
    void statusesListRegistryRoutersAndHeldUnknownOnesById() {
        notify(R3, BACKUP);
        List<org.l3ha.api.RouterStatus> all = t.view().statuses();
        assertEquals(List.of(R1, R2, R3), all.stream().map(org.l3ha.api.RouterStatus::routerId).toList());
        assertEquals(Optional.empty(), all.get(0).applied(), "managed, nothing known yet");
        assertTrue(all.get(0).managed());
        assertFalse(all.get(2).managed());
        assertEquals(Optional.of(BACKUP), all.get(2).pending(), "held until the registry learns R3");
        assertEquals(Optional.empty(), t.view().status("44444444-4444-4444-4444-444444444444"));
    }

    @Test
    void historyListsAppliedTransitionsNewestFirst() {
        t = engine(0);
        notify(R1, BACKUP);
        notify(R2, BACKUP);
        notify(R1, PRIMARY);
        clock.advance(1);
        notify(R1, FAULT);
        assertEquals(List.of(FAULT, PRIMARY, BACKUP), t.view().history(R1, 10).stream().map(org.l3ha.api.Transition::state).toList());
        assertEquals(List.of(FAULT, PRIMARY), t.view().history(R1, 2).stream().map(org.l3ha.api.Transition::state).toList());
        assertEquals(clock.currentTimeMillis(), t.view().history(R1, 1).get(0).time().toEpochMilli());
        assertEquals(1, t.view().history(R2, 10).size());
    }

    @Test
    void aListenerBoundAfterAnApplyIsGivenTheAppliedStateOnceWithoutAReport() {
        settle(R1, PRIMARY);
        settle(R2, BACKUP);
        List<Event> late = Collections.synchronizedList(new ArrayList<>());
        t.setListeners(List.of(
                new Transitions.Listener(new Fakes.Recorder(clock::seconds, "apply").listener(applies, null), "apply", 1),
                new Transitions.Listener(new Fakes.Recorder(clock::seconds, "late").listener(late, null), "late", 2)));
        clock.runReady();
        assertEquals(List.of(), applied(R1), "listeners that already had it are not called again");
        assertEquals(2, late.size());
        assertEquals(Set.of(R1 + "=PRIMARY", R2 + "=BACKUP"),
                Set.copyOf(late.stream().map(e -> e.routerId() + "=" + e.state()).toList()));
        assertEquals(List.of(), reports.events, "nothing changed: nothing reported");
        assertEquals(2, t.counters().get("replayed_to_new_listeners"));
        // the next transition reaches both, once
        notify(R2, PRIMARY);
        clock.advance(10);
        assertEquals(1, applied(R2).size());
        assertEquals(3, late.size());
        // re-publishing the same generation replays nothing
        t.setListeners(List.of(new Transitions.Listener(new Fakes.Recorder(clock::seconds, "late").listener(late, null), "late", 2)));
        clock.runReady();
        assertEquals(3, late.size());
    }

    @Test
    void aListenerBoundWhileAPrimaryWaitsGetsTheAppliedStateThenThePrimary() {
        settle(R1, BACKUP);
        notify(R1, PRIMARY);
        List<Event> late = Collections.synchronizedList(new ArrayList<>());
        t.setListeners(List.of(new Transitions.Listener(new Fakes.Recorder(clock::seconds, "late").listener(late, null), "late", 2)));
        clock.advance(10);
        assertEquals(List.of(PRIMARY), late.stream().map(Event::state).toList(),
                "the pending primary is applied to it once due; no stale backup first");
    }

    @Test
    void aListenerFailingAgainAndAgainIsLoggedOnceAndItsRecoveryOnce() {
        t = engine(0);
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean(true);
        t.setListeners(List.of(new Transitions.Listener((router, state) -> {
            if (broken.get()) {
                throw new java.io.IOException("namespace qrouter-x missing");
            }
        }, "ipv6", 1)));
        try (org.l3ha.common.testing.LogCapture log = new org.l3ha.common.testing.LogCapture()) {
            notify(R1, BACKUP);
            notify(R1, PRIMARY);
            notify(R1, BACKUP);
            assertEquals(3, t.counters().get("listener_failures"), "every failure is counted");
            assertEquals(1, log.lines("ERROR", R1, "listener ipv6 failed").size(), log.text());
            notify(R2, BACKUP);
            assertEquals(1, log.lines("ERROR", R2, "listener ipv6 failed").size(), "per router");
            broken.set(false);
            notify(R1, PRIMARY);
            notify(R1, BACKUP);
            assertEquals(1, log.lines(R1, "listener ipv6 applied").size(), log.text());
            broken.set(true);
            notify(R1, PRIMARY);
            assertEquals(2, log.lines("ERROR", R1, "listener ipv6 failed").size(), "a new failure after a recovery is logged");
        }
    }

    @Test
    void aResyncNeverQueuesAStateOlderThanAConcurrentApplyQueued() throws Exception {
        t = engine(0);
        settle(R1, BACKUP);
        java.util.concurrent.CountDownLatch inQueue = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean(false);
        List<HaState> queued = Collections.synchronizedList(new ArrayList<>());
        t.setBatcher((id, state) -> {
            if (id.equals(R1) && armed.compareAndSet(true, false)) {
                inQueue.countDown();
                try {
                    release.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (id.equals(R1)) {
                queued.add(state);
            }
        });
        armed.set(true); // the bind's own resync has passed; the next R1 report is the resync below
        queued.clear();
        Thread resync = new Thread(() -> t.resync(R1), "resync");
        resync.start();
        assertTrue(inQueue.await(10, java.util.concurrent.TimeUnit.SECONDS));
        // while the resync is inside queue(BACKUP), a FAULT is notified and applied on another thread
        assertTrue(t.accept(R1, FAULT));
        Thread apply = new Thread(clock::runReady, "apply");
        apply.start();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> apply.getState() == Thread.State.BLOCKED || !apply.isAlive());
        release.countDown();
        resync.join(10_000);
        apply.join(10_000);
        assertEquals(FAULT, queued.get(queued.size() - 1), "the newest report must be the newest state: " + queued);
    }

    @Test
    void aResyncOfARouterWithoutStateCannotOvertakeItsFirstTransition() {
        t = engine(0);
        assertTrue(t.resync(R2));
        notify(R2, BACKUP);
        assertEquals(List.of(UNKNOWN, BACKUP), reports.of(R2).stream().map(Event::state).toList());
        assertTrue(t.view().status(R2).isPresent());
    }

    @Test
    void aRouterTheRegistryKnowsIsKeyedByTheRegistrysOwnIdString() {
        String fromRequest = new String(R1.toCharArray());
        notify(fromRequest, BACKUP);
        String registrys = registry.find(R1).orElseThrow().id();
        assertTrue(reports.of(R1).get(0).routerId() == registrys, "no second copy of the id is kept");
        String unknown = new String(R3.toCharArray());
        notify(unknown, BACKUP);
        List<org.l3ha.api.RouterStatus> all = t.view().statuses();
        assertTrue(all.get(0).routerId() == registrys, "the engine's own id of R1 is the registry's");
        assertTrue(all.get(2).routerId() == unknown, "an unknown router keeps the id it was notified with");
    }

    @Test
    void aChangedRouterIsGivenItsAppliedStateAgainWithItsNewDataAndNothingElseChanges() {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        List<org.l3ha.api.Router> given = Collections.synchronizedList(new ArrayList<>());
        t.setListeners(List.of(new Transitions.Listener((router, state) -> {
            seen.add(router.id() + " " + state);
            given.add(router);
        }, "radvd", 2)));
        settle(R1, PRIMARY);
        clock.runReady();
        seen.clear();
        given.clear();
        long appliedBefore = t.counters().get("applied");

        // neutron-server added a subnet: the registry has new data for R1 and says so
        org.l3ha.api.Router changed = Fakes.router(R1);
        registry.routers.put(R1, changed);
        t.routersChanged(Set.of(R1));
        clock.runReady();
        assertEquals(List.of(R1 + " PRIMARY"), seen, "the applied state given again, once");
        assertTrue(given.get(0) == changed, "with the registry's new data");
        assertEquals(appliedBefore, t.counters().get("applied"), "not a transition");
        assertEquals(Optional.of(PRIMARY), t.view().appliedState(R1));

        // a router with no applied state, and one the registry no longer has, are given nothing
        seen.clear();
        t.routersChanged(Set.of(R2, R3));
        clock.runReady();
        clock.advance(10);
        assertEquals(List.of(), seen);
    }
}
