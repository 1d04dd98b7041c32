package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.l3ha.api.HistogramSnapshot;

class HistogramTest {

    @Test
    void aValueFallsIntoTheFirstBucketWhoseBoundIsNotBelowIt() {
        Histogram h = new Histogram("delay_seconds", "test", Map.of("reporter", "journal"), new double[] {0.001, 1, 2},
                Histogram.NANOS_AS_SECONDS);
        h.record(0);
        h.record(TimeUnit.MICROSECONDS.toNanos(1000)); // exactly the bound: in it (le)
        h.record(TimeUnit.MICROSECONDS.toNanos(1001));
        h.record(TimeUnit.SECONDS.toNanos(2));
        h.record(TimeUnit.MILLISECONDS.toNanos(2001));
        h.record(-5); // a clock step: 0
        HistogramSnapshot s = h.snapshot();
        assertArrayEquals(new double[] {0.001, 1, 2, Double.POSITIVE_INFINITY}, s.upperBounds());
        assertArrayEquals(new long[] {3, 1, 1, 1}, s.counts(), s.toString());
        assertEquals(6, s.count());
        assertEquals(6, h.count());
        assertEquals(0.001 + 0.001001 + 2 + 2.001, s.sum(), 1e-9);
        assertEquals(Map.of("reporter", "journal"), s.labels());
        assertEquals("delay_seconds", s.name());
    }

    @Test
    void sizesAreRecordedAsTheyAre() {
        Histogram h = new Histogram("batch_size", "", Map.of(), Histogram.SIZES, 1);
        h.record(1);
        h.record(3);
        h.record(10000);
        h.record(1_000_000);
        long[] c = h.snapshot().counts();
        assertEquals(Histogram.SIZES.length + 1, c.length);
        assertEquals(1, c[0]);
        assertEquals(1, c[2]); // (2, 5]
        assertEquals(1, c[12]); // (5000, 10000]
        assertEquals(1, c[c.length - 1]); // +Inf
        assertEquals(1_010_004, h.snapshot().sum(), 0);
    }

    @Test
    void recordsFromManyThreadsAreAllCounted() throws InterruptedException {
        Histogram h = new Histogram("x_seconds", "", Map.of(), Histogram.SECONDS, Histogram.NANOS_AS_SECONDS);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    h.record(i * 1000L);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertEquals(40_000, h.snapshot().count());
    }

    @Test
    void badNamesBoundsAndLabelsAreRefusedAtConstruction() {
        assertThrows(IllegalArgumentException.class, () -> new Histogram("Bad-Name", "", Map.of(), new double[] {1}, 1));
        assertThrows(IllegalArgumentException.class, () -> new Histogram("ok", "", Map.of("a b", "x"), new double[] {1}, 1));
        assertThrows(IllegalArgumentException.class, () -> new Histogram("ok", "", Map.of(), new double[] {2, 1}, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new HistogramSnapshot("ok", "", Map.of(), new double[] {1, 2}, new long[] {0, 0}, 0));
        assertThrows(IllegalArgumentException.class, () -> new HistogramSnapshot("ok", "", Map.of(),
                new double[] {1, Double.POSITIVE_INFINITY}, new long[] {0, -1}, 0));
    }
}
