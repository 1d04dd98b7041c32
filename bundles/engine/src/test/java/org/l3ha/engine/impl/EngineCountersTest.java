package org.l3ha.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.l3ha.engine.impl.EngineCounters.Counter;

/** The counters map {@code l3ha:stats} shows for the engine. */
class EngineCountersTest {
    final AtomicInteger routers = new AtomicInteger();
    final AtomicInteger unknownHeld = new AtomicInteger();
    final AtomicLong unknownDropped = new AtomicLong();
    final EngineCounters counters = new EngineCounters(routers::get, unknownHeld::get, unknownDropped::get);

    @Test
    void everyCounterIsShownUnderItsNameFromZero() {
        assertEquals(List.of("applied", "debounced", "held_unknown_router", "listener_failures", "notifications",
                "replayed_to_new_listeners", "resynced", "routers", "routers_removed", "state_remove_failures",
                "state_write_failures", "unknown_dropped", "unknown_held"), new ArrayList<>(counters.toMap().keySet()));
        assertEquals(List.of(0L), counters.toMap().values().stream().distinct().toList());
    }

    @Test
    void eachIncrementCountsOnceUnderItsOwnName() {
        counters.increment(Counter.APPLIED);
        counters.increment(Counter.APPLIED);
        counters.increment(Counter.REPLAYED);
        counters.increment(Counter.HELD_UNKNOWN);
        Map<String, Long> c = counters.toMap();
        assertEquals(2L, c.get("applied"));
        assertEquals(1L, c.get("replayed_to_new_listeners"));
        assertEquals(1L, c.get("held_unknown_router"));
        assertEquals(4L, c.values().stream().mapToLong(Long::longValue).sum(), "nothing else counted: " + c);
    }

    @Test
    void aListenerFailureCountsInTotalAndForThatListener() {
        counters.listenerFailed("radvd");
        counters.listenerFailed("metadata");
        counters.listenerFailed("radvd");
        Map<String, Long> c = counters.toMap();
        assertEquals(3L, c.get("listener_failures"));
        assertEquals(2L, c.get("listener_failures.radvd"));
        assertEquals(1L, c.get("listener_failures.metadata"));
    }

    @Test
    void theSizesAreReadWhenTheMapIsMade() {
        routers.set(7);
        unknownHeld.set(3);
        unknownDropped.set(12);
        Map<String, Long> before = counters.toMap();
        routers.set(8);
        assertEquals(7L, before.get("routers"), "a map is a snapshot");
        assertEquals(3L, before.get("unknown_held"));
        assertEquals(12L, before.get("unknown_dropped"));
        assertEquals(8L, counters.toMap().get("routers"));
    }
}
