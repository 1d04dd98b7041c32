package org.l3ha.common;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.l3ha.api.HistogramSnapshot;

/**
 * A histogram with fixed buckets that any thread records into without locks, for a component's
 * {@code HistogramProvider}. Values are recorded in a raw integer unit (nanoseconds, a count) and
 * shown in the unit of the name ({@code scale} converts: 1e-9 for nanoseconds shown as seconds).
 */
public final class Histogram {
    /** Latency buckets in seconds: fine below a second, then around the usual VRRP advertisement intervals. */
    public static final double[] SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5,
        2, 2.5, 3, 4, 5, 7.5, 10, 15, 30, 60, 120, 300, 600};
    /** Size buckets for batches: 1 to 100,000 routers. */
    public static final double[] SIZES = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000,
        100000};
    /** {@code scale} of a histogram recorded in nanoseconds and shown in seconds. */
    public static final double NANOS_AS_SECONDS = 1e-9;

    private final String name;
    private final String help;
    private final Map<String, String> labels;
    private final double[] bounds;
    private final long[] rawBounds;
    private final double scale;
    private final LongAdder[] buckets;
    private final LongAdder rawSum = new LongAdder();

    /**
     * @param name the name, ending in its unit ({@link HistogramSnapshot})
     * @param help one line saying what is observed
     * @param labels the labels of this histogram
     * @param bounds the finite upper bounds in the shown unit, ascending; +Inf is added
     * @param scale shown value = raw value × scale
     */
    public Histogram(String name, String help, Map<String, String> labels, double[] bounds, double scale) {
        this.name = name;
        this.help = help;
        this.labels = Map.copyOf(labels);
        this.scale = scale;
        this.bounds = Arrays.copyOf(bounds, bounds.length + 1);
        this.bounds[bounds.length] = Double.POSITIVE_INFINITY;
        this.rawBounds = new long[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            rawBounds[i] = (long) Math.floor(bounds[i] / scale + 1e-6);
            if (i > 0 && rawBounds[i] <= rawBounds[i - 1]) {
                throw new IllegalArgumentException(name + ": bounds not ascending at " + bounds[i]);
            }
        }
        this.buckets = new LongAdder[bounds.length + 1];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
        // fails now, not at the first scrape, if the name or labels are not usable
        snapshot();
    }

    /** Records one value, in the raw unit; a negative value (a clock that stepped) counts as 0. */
    public void record(long raw) {
        long v = Math.max(0, raw);
        int i = Arrays.binarySearch(rawBounds, v);
        buckets[i >= 0 ? i : -i - 1].increment();
        rawSum.add(v);
    }

    /** @return the number of values recorded */
    public long count() {
        long n = 0;
        for (LongAdder b : buckets) {
            n += b.sum();
        }
        return n;
    }

    /** @return the histogram as it stands (a value recorded meanwhile may show in its bucket but not yet in the sum) */
    public HistogramSnapshot snapshot() {
        long[] counts = new long[buckets.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = buckets[i].sum();
        }
        return new HistogramSnapshot(name, help, labels, bounds, counts, rawSum.sum() * scale);
    }
}
