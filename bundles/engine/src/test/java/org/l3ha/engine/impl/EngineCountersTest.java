package org.l3ha.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.api.HaState.BACKUP;
import static org.l3ha.api.HaState.PRIMARY;
import static org.l3ha.engine.impl.TransitionsTest.R1;
import static org.l3ha.engine.impl.TransitionsTest.R2;
import static org.l3ha.engine.impl.TransitionsTest.R3;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HistogramSnapshot;
import org.l3ha.common.testing.ManualScheduler;

/** The counters map {@code l3ha:stats} shows for the engine ({@link Transitions#counters}). */
class EngineCountersTest {
    @TempDir
    Path confs;

    final ManualScheduler clock = new ManualScheduler();

    Transitions engine() {
        return new Transitions(clock, new StateFiles(confs), 2);
    }

    @Test
    void everyCounterIsShownUnderItsNameFromZero() {
        Map<String, Long> c = engine().counters();
        assertEquals(List.of("applied", "applied.backup", "applied.fault", "applied.primary", "debounced",
                "held_unknown_router", "listener_failures", "notifications", "pending", "replayed_to_new_listeners",
                "resynced", "routers", "routers.backup", "routers.fault", "routers.primary", "routers.unknown",
                "routers_removed", "state_remove_failures", "state_write_failures", "unknown_dropped", "unknown_held"),
                new ArrayList<>(c.keySet()));
        assertEquals(List.of(0L), c.values().stream().distinct().toList());
    }

    @Test
    void anAppliedNotificationCountsOnceUnderEachOfItsNames() {
        Transitions t = engine();
        t.setRegistry(new Fakes.Registry().with(R1));
        assertTrue(t.accept(R1, BACKUP));
        clock.runReady();
        Map<String, Long> c = t.counters();
        assertEquals(1L, c.get("notifications"));
        assertEquals(1L, c.get("applied"));
        assertEquals(1L, c.get("applied.backup"));
        assertEquals(1L, c.get("routers"));
        assertEquals(1L, c.get("routers.backup"));
        assertEquals(5L, c.values().stream().mapToLong(Long::longValue).sum(), "nothing else counted: " + c);
    }

    @Test
    void theSizesAreReadWhenTheMapIsMade() {
        Transitions t = engine();
        t.setRegistry(new Fakes.Registry().with(R1, R2));
        t.accept(R1, BACKUP);
        t.accept(R3, BACKUP);
        clock.runReady();
        Map<String, Long> before = t.counters();
        t.accept(R2, BACKUP);
        clock.runReady();
        assertEquals(2L, before.get("routers"), "a map is a snapshot");
        assertEquals(1L, before.get("unknown_held"), "R3 is not in the registry");
        assertEquals(3L, t.counters().get("routers"));
        assertEquals(1L, t.counters().get("unknown_held"));
    }

    @Test
    void routersAreCountedByTheStateTheEngineKnowsAndAWaitingPrimaryIsPending() throws IOException {
        Files.createDirectories(confs.resolve(R3));
        Files.writeString(confs.resolve(R3).resolve("state"), "fault");
        Transitions t = engine();
        t.loadStateFiles(new StateFiles(confs));
        t.setRegistry(new Fakes.Registry().with(R1, R2));
        t.accept(R1, BACKUP);
        t.accept(R2, PRIMARY); // waits out the 2 s debounce
        clock.runReady();
        Map<String, Long> c = t.counters();
        assertEquals(1L, c.get("routers.backup"), c.toString());
        assertEquals(1L, c.get("routers.fault"), "R3, read from its file, not applied (not in the registry): " + c);
        assertEquals(1L, c.get("routers.unknown"), "R2, nothing applied yet: " + c);
        assertEquals(0L, c.get("routers.primary"), c.toString());
        assertEquals(2L, c.get("pending"), "R2 waiting, R3 held for the registry: " + c);
        clock.advance(2);
        c = t.counters();
        assertEquals(1L, c.get("routers.primary"), c.toString());
        assertEquals(1L, c.get("applied.primary"), c.toString());
        assertEquals(0L, c.get("routers.unknown"), c.toString());
        assertEquals(1L, c.get("pending"), "R3 still held: " + c);
    }

    @Test
    void theDelayOfANotifiedTransitionIsRecordedByStateAndAStateReadFromItsFileIsNot() throws IOException {
        Files.createDirectories(confs.resolve(R3));
        Files.writeString(confs.resolve(R3).resolve("state"), "primary");
        Transitions t = engine();
        t.loadStateFiles(new StateFiles(confs));
        t.setRegistry(new Fakes.Registry().with(R1, R2, R3));
        clock.runReady(); // R3 re-applied from its file
        assertEquals(1L, t.counters().get("applied.primary"));
        t.accept(R1, BACKUP);
        t.accept(R2, PRIMARY);
        clock.runReady();
        clock.advance(0.5);
        t.accept(R2, PRIMARY); // a repeat does not restart the wait
        clock.advance(1.5);
        Map<String, HistogramSnapshot> h = new TreeMap<>();
        t.histograms().forEach(s -> h.put(s.labels().get("state"), s));
        assertEquals(Set.of("primary", "backup", "fault"), h.keySet());
        assertEquals("transition_delay_seconds", h.get("primary").name());
        assertEquals(1, h.get("primary").count(), "R2 only, not R3 from its file: " + h.get("primary"));
        assertEquals(2.0, h.get("primary").sum(), 1e-6, "the debounce: " + h.get("primary"));
        assertEquals(1, h.get("backup").count(), h.get("backup").toString());
        assertEquals(0.0, h.get("backup").sum(), 1e-6, "applied at once: " + h.get("backup"));
        assertEquals(0, h.get("fault").count());
        double[] bounds = h.get("primary").upperBounds();
        long[] counts = h.get("primary").counts();
        for (int i = 0; i < bounds.length; i++) {
            assertEquals(bounds[i] == 2.0 ? 1 : 0, counts[i], "bucket le=" + bounds[i] + ": " + h.get("primary"));
        }
    }
}
