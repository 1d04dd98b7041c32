package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

class CountersTest {

    @Test
    void namedCountersStartAtZeroAndTheSnapshotIsSorted() {
        Counters c = new Counters("b", "a");
        assertEquals(List.of("a", "b"), new ArrayList<>(c.snapshot().keySet()));
        assertEquals(Map.of("a", 0L, "b", 0L), c.snapshot());
    }

    @Test
    void incrementsFromManyThreadsAreAllCounted() throws InterruptedException {
        Counters c = new Counters("hits");
        LongAdder held = c.counter("hits");
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    held.increment();
                    c.increment("other");
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        c.add("hits", 5);
        assertEquals(40_005L, c.get("hits"));
        assertEquals(40_000L, c.snapshot().get("other"));
        assertEquals(0L, c.get("never"));
    }
}
