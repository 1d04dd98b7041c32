package org.l3ha.engine.impl;

import org.l3ha.common.testing.ManualScheduler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.api.HaState.BACKUP;
import static org.l3ha.engine.impl.TransitionsTest.R1;
import static org.l3ha.engine.impl.TransitionsTest.R2;
import static org.l3ha.engine.impl.TransitionsTest.R3;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        assertEquals(List.of("applied", "debounced", "held_unknown_router", "listener_failures", "notifications",
                "replayed_to_new_listeners", "resynced", "routers", "routers_removed", "state_remove_failures",
                "state_write_failures", "unknown_dropped", "unknown_held"), new ArrayList<>(c.keySet()));
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
        assertEquals(1L, c.get("routers"));
        assertEquals(3L, c.values().stream().mapToLong(Long::longValue).sum(), "nothing else counted: " + c);
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
}
