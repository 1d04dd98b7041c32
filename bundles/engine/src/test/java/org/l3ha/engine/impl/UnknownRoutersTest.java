package org.l3ha.engine.impl;

import org.l3ha.common.testing.ManualScheduler;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.api.HaState.BACKUP;
import static org.l3ha.api.HaState.FAULT;
import static org.l3ha.api.HaState.PRIMARY;
import static org.l3ha.api.HaState.UNKNOWN;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;
import org.l3ha.api.RouterStatus;
import org.l3ha.common.testing.LogCapture;
import org.l3ha.engine.impl.Fakes.Event;

/**
 * Routers the registry does not know: held so that a router the registry learns soon is applied,
 * but bounded in number and time, and never one log line per router id.
 */
class UnknownRoutersTest {
    static final String R1 = "11111111-1111-1111-1111-111111111111";
    static final String R2 = "22222222-2222-2222-2222-222222222222";
    static final String R3 = "33333333-3333-3333-3333-333333333333";
    static final String R4 = "44444444-4444-4444-4444-444444444444";
    static final String NOT_MANAGED = "not managed by this agent";

    @TempDir
    Path confs;

    final ManualScheduler clock = new ManualScheduler();
    final Fakes.Registry registry = new Fakes.Registry().with(R1, R2);
    final Fakes.Recorder reports = new Fakes.Recorder(clock::seconds, "report");
    final List<Event> applies = Collections.synchronizedList(new ArrayList<>());
    Transitions t;

    @BeforeEach
    void start() {
        t = new Transitions(clock, new StateFiles(confs), 2);
        t.loadStateFiles(new StateFiles(confs));
        t.setListeners(List.of(new Transitions.Listener(new Fakes.Recorder(clock::seconds, "apply").listener(applies, null),
                "apply", 1)));
        t.setBatcher(reports);
        t.setRegistry(registry);
        clock.runReady();
        reports.events.clear();
    }

    static String unknownId(int i) {
        return String.format("%08x-aaaa-4bbb-8ccc-%012d", i, i);
    }

    void notify(String id, HaState s) {
        assertTrue(t.accept(id, s));
        clock.runReady();
    }

    List<String> applied(String id) {
        synchronized (applies) {
            return applies.stream().filter(e -> e.routerId().equals(id)).map(e -> String.format("%s@%.1f", e.state(), e.at()))
                    .toList();
        }
    }

    @Test
    void twentyThousandUnknownRoutersKeepBoundedEntriesAndLogLines() throws Exception {
        double t0 = clock.seconds();
        int known = t.routers();
        assertEquals(2, known, "the resync made entries for the registry's two routers");
        try (LogCapture log = new LogCapture()) {
            int most = 0;
            for (int i = 0; i < 20_000; i++) {
                assertTrue(t.accept(unknownId(i), i % 3 == 0 ? PRIMARY : BACKUP));
                if (i % 100 == 99) { // the workers keep up, 100 notifications at a time
                    clock.runReady();
                    most = Math.max(most, t.routers());
                }
            }
            clock.runReady();
            assertTrue(most <= known + UnknownRouters.DEFAULT_MAX + 100, "entries during the flood: at most " + most);
            assertEquals(known + UnknownRouters.DEFAULT_MAX, t.routers(), "entries after it");
            assertEquals(UnknownRouters.DEFAULT_MAX, t.counters().get("unknown_held"));
            assertEquals(10_000, t.counters().get("unknown_dropped"), "the oldest 10,000 dropped, counted");
            assertEquals(Optional.empty(), t.view().status(unknownId(0)), "the first one is gone");
            assertEquals(Optional.of(BACKUP), t.view().status(unknownId(19_999)).flatMap(RouterStatus::pending), "the newest is held");
            assertEquals(1, log.lines("WARN", NOT_MANAGED).size(), "only the first is named at once: " + log.lines(NOT_MANAGED));

            clock.advance(UnknownRouters.LOG_INTERVAL_SECONDS);
            List<String> lines = log.lines("WARN", NOT_MANAGED);
            assertEquals(2, lines.size(), "then one summary line: " + lines);
            String summary = lines.get(1);
            for (String part : new String[] {"19999 more seen in the last 10 s (e.g. " + unknownId(1) + ", " + unknownId(2) + ", "
                    + unknownId(3) + ", ...)", "10000 held states dropped (10000 oldest beyond the limit of 10000)",
                "10000 held now", "unknown_dropped"}) {
                assertTrue(summary.contains(part), "'" + part + "' missing in: " + summary);
            }

            // a second flood spread over 100 s: still at most one line per 10 s
            for (int i = 20_000; i < 40_000; i++) {
                t.accept(unknownId(i), FAULT);
                if (i % 200 == 199) {
                    clock.advance(1);
                }
            }
            clock.advance(UnknownRouters.LOG_INTERVAL_SECONDS);
            int linesNow = log.lines("WARN", NOT_MANAGED).size();
            assertTrue(linesNow <= 2 + 100 / UnknownRouters.LOG_INTERVAL_SECONDS + 1, linesNow + " lines: " + log.text().lines()
                    .filter(l -> l.contains(NOT_MANAGED)).limit(20).toList());
            assertEquals(known + UnknownRouters.DEFAULT_MAX, t.routers());
            assertEquals(30_000, t.counters().get("unknown_dropped"));
        }
        assertEquals(List.of(), applies, "no data-plane step for any of them");
        assertEquals(List.of(), reports.events, "reported to no one");
        try (var files = Files.list(confs)) {
            assertEquals(0, files.count(), "no state file");
        }

        // 10 minutes after their last notification, all of them are dropped (and that is summed up)
        clock.advance(600 + UnknownRouters.LOG_INTERVAL_SECONDS);
        assertEquals(known, t.routers(), "only the known routers are left, " + (clock.seconds() - t0) + " s in");
        assertEquals(0, t.counters().get("unknown_held"));
        assertEquals(40_000, t.counters().get("unknown_dropped"));
        assertEquals(0, clock.pendingTimers(), "no timer left once nothing is held");
    }

    @Test
    void aRouterTheRegistryLearnsWithinTheWindowIsApplied() {
        double t0 = clock.seconds();
        notify(R3, PRIMARY);
        clock.advance(8 * 60);
        notify(R3, BACKUP); // a new notification restarts the 10 minutes
        clock.advance(9 * 60);
        assertEquals(List.of(), applied(R3));
        registry.with(R3);
        t.routersChanged(Set.of(R3));
        clock.runReady();
        assertEquals(List.of(String.format("BACKUP@%.1f", t0 + 17 * 60)), applied(R3));
        assertEquals(List.of(BACKUP), reports.of(R3).stream().map(Event::state).toList());
        assertEquals(0, t.counters().get("unknown_held"), "no longer held as unknown");
        assertEquals(0, t.counters().get("unknown_dropped"));
    }

    @Test
    void aPrimaryLearnedSoonIsAppliedAfterItsDebounceCountedFromTheNotification() {
        double t0 = clock.seconds();
        notify(R3, PRIMARY);
        assertEquals(1, clock.pendingTimers(), "only the expiry of held states: an unknown primary is held at once,"
                + " not put on a debounce timer");
        clock.advance(0.5);
        registry.with(R3);
        t.routersChanged(Set.of(R3));
        clock.advance(10);
        assertEquals(List.of(String.format("PRIMARY@%.1f", t0 + 2)), applied(R3), "as before: due 2 s after it became desired");
    }

    @Test
    void aRouterHeldTenMinutesWithoutNewsIsDroppedCountedAndLogged() {
        notify(R4, PRIMARY);
        try (LogCapture log = new LogCapture()) {
            clock.advance(599);
            assertEquals(Optional.of(PRIMARY), t.view().status(R4).flatMap(RouterStatus::pending), "still held at 9:59");
            clock.advance(2);
            assertEquals(Optional.empty(), t.view().status(R4), "dropped at 10:00");
            assertEquals(1, t.counters().get("unknown_dropped"));
            clock.advance(UnknownRouters.LOG_INTERVAL_SECONDS);
            List<String> lines = log.lines("WARN", "1 held state dropped (1 held 10 min without the registry learning them)");
            assertEquals(1, lines.size(), log.text());
        }
        // learned later: as a router that was never notified (its next notification applies)
        registry.with(R4);
        t.routersChanged(Set.of(R4));
        clock.runReady();
        assertEquals(List.of(), applied(R4));
        assertEquals(List.of(UNKNOWN), reports.of(R4).stream().map(Event::state).toList(), "the resync says unknown");
        notify(R4, BACKUP);
        assertEquals(1, applied(R4).size());
    }

    @Test
    void knownRoutersAreNeverDroppedByAFlood() {
        Transitions small = new Transitions(clock, new StateFiles(confs), 0, 5, TimeUnit.MINUTES.toNanos(10));
        small.setRegistry(registry);
        small.setBatcher(reports);
        assertTrue(small.accept(R1, FAULT));
        for (int i = 0; i < 50; i++) {
            small.accept(unknownId(i), BACKUP);
        }
        clock.runReady();
        assertEquals(Optional.of(FAULT), small.view().appliedState(R1));
        assertEquals(5, small.counters().get("unknown_held"));
        assertEquals(45, small.counters().get("unknown_dropped"));
        assertEquals(2 + 5, small.routers(), "R1, R2 (resync) and the five newest unknown routers");
        small.close();
    }

    @Test
    void aDropDecidedBeforeTheRouterWasNotifiedAgainIsNotCarriedOut() {
        Transitions small = new Transitions(clock, new StateFiles(confs), 0, 2, TimeUnit.MINUTES.toNanos(10));
        small.setRegistry(registry);
        String a = unknownId(1);
        String b = unknownId(2);
        String c = unknownId(3);
        small.accept(a, BACKUP);
        small.accept(b, BACKUP);
        clock.runReady();
        // C's sighting evicts A (the oldest); A is notified again before that drop is carried out
        small.accept(c, BACKUP);
        small.accept(a, FAULT);
        clock.runReady();
        assertEquals(Optional.of(FAULT), small.view().status(a).flatMap(RouterStatus::pending), "A's newest state is held");
        assertEquals(Optional.empty(), small.view().status(b), "B, now the oldest, was dropped instead");
        assertEquals(Optional.of(BACKUP), small.view().status(c).flatMap(RouterStatus::pending));
        assertEquals(1, small.counters().get("unknown_dropped"));
        small.close();
    }

    @Test
    void aStateFileOfARouterTheRegistryDoesNotKnowIsHeldWithinTheSameBounds() throws Exception {
        Files.createDirectories(confs.resolve(R3));
        Files.writeString(confs.resolve(R3).resolve("state"), "primary");
        Transitions next = new Transitions(clock, new StateFiles(confs), 2);
        next.loadStateFiles(new StateFiles(confs));
        next.setRegistry(registry);
        clock.runReady();
        assertEquals(1, next.counters().get("unknown_held"), "held as unknown once a registry is bound");
        clock.advance(601);
        assertEquals(Optional.empty(), next.view().status(R3));
        assertEquals(1, next.counters().get("unknown_dropped"));
        assertEquals("primary", Files.readString(confs.resolve(R3).resolve("state")), "the file itself is left alone");
        next.close();
    }

    /**
     * Real threads: a flood of unknown routers (16,000 ids, notified again and again, so held states
     * are dropped while the same routers are notified) while known routers change state; then every
     * client notifies a few of its unknown routers once more. No transition of a known router is
     * lost, the last notification of an unknown router is held (never lost into a dropped entry),
     * entries stay bounded, and the log has a bounded number of lines.
     */
    @Test
    void underConcurrentLoadKnownRoutersLoseNothingAndUnknownOnesStayBounded(@TempDir Path statePath) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("state_path", statePath.toString());
        props.put("ha_vrrp_advert_int", "0");
        DebouncingTransitionEngine e = EngineActivation.activate(props);
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try (LogCapture log = new LogCapture()) {
            long startNanos = System.nanoTime();
            Fakes.Registry reg = new Fakes.Registry();
            List<String> knownIds = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                knownIds.add(String.format("%08d-0000-0000-0000-000000000000", i));
                reg.with(knownIds.get(i));
            }
            String sentinel = knownIds.get(99); // no client notifies it
            e.bindRegistry(reg);
            DebouncingTransitionEngineTest.LastReports reported = new DebouncingTransitionEngineTest.LastReports();
            e.bindBatcher(reported);
            Map<String, HaState> sent = new ConcurrentHashMap<>();
            HaState[] states = {PRIMARY, BACKUP, FAULT};
            List<Future<?>> flood = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int client = c;
                flood.add(clients.submit(() -> {
                    Random rnd = new Random(client);
                    for (int k = 0; k < 6000; k++) {
                        HaState s = states[rnd.nextInt(3)];
                        if (k % 3 == 0) {
                            String id = knownIds.get(client + 8 * rnd.nextInt(12)); // each client owns its routers
                            e.accept(id, s);
                            sent.put(id, s);
                        } else {
                            e.accept(unknownId(client * 100_000 + rnd.nextInt(2_000)), s);
                        }
                    }
                }));
            }
            for (Future<?> f : flood) {
                f.get(180, TimeUnit.SECONDS);
            }
            // the workers take tasks in order: once the sentinel is reported, every task of the flood has started
            e.accept(sentinel, FAULT);
            await().atMost(Duration.ofSeconds(60)).until(() -> reported.last.get(sentinel) == FAULT);

            Map<String, HaState> finals = new ConcurrentHashMap<>();
            List<Future<?>> last = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int client = c;
                last.add(clients.submit(() -> {
                    Random rnd = new Random(100 + client);
                    for (int k = 0; k < 20; k++) {
                        String id = unknownId(client * 100_000 + k * 97);
                        HaState s = states[rnd.nextInt(3)];
                        e.accept(id, s);
                        finals.put(id, s);
                    }
                }));
            }
            for (Future<?> f : last) {
                f.get(180, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> sent.entrySet().stream()
                    .allMatch(en -> en.getValue() == reported.last.get(en.getKey())
                            && Optional.of(en.getValue()).equals(e.appliedState(en.getKey()))));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                Map<String, Optional<HaState>> wrong = new TreeMap<>();
                finals.forEach((id, s) -> {
                    Optional<HaState> held = e.status(id).flatMap(RouterStatus::pending);
                    if (!held.equals(Optional.of(s))) {
                        wrong.put(id + " (sent " + s + ")", held);
                    }
                });
                assertEquals(Map.of(), wrong, "the last notification of these unknown routers is not what is held");
            });
            Map<String, Long> c = e.counters();
            assertTrue(c.get("routers") <= 100 + UnknownRouters.DEFAULT_MAX, "entries: " + c);
            assertTrue(c.get("unknown_held") <= UnknownRouters.DEFAULT_MAX, "held: " + c);
            assertTrue(c.get("unknown_dropped") > 0, "16,000 ids went beyond the limit: " + c);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
            int lines = log.lines(NOT_MANAGED).size();
            assertTrue(lines <= 2 + seconds / UnknownRouters.LOG_INTERVAL_SECONDS, lines + " lines in " + seconds + " s");
        } finally {
            clients.shutdownNow();
            e.deactivate();
        }
    }
}
