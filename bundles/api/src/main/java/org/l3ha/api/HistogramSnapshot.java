package org.l3ha.api;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One histogram as it stands: how many observations fell into each bucket, and their sum.
 * Immutable. Buckets are given by their inclusive upper bounds, ascending, the last one
 * {@link Double#POSITIVE_INFINITY}; the counts are per bucket, not cumulative.
 */
public final class HistogramSnapshot {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    private final String name;
    private final String help;
    private final Map<String, String> labels;
    private final double[] upperBounds;
    private final long[] counts;
    private final double sum;

    /**
     * @param name lower-case words joined by {@code _}, ending in its unit if it has one, e.g.
     *        {@code transition_delay_seconds}
     * @param help one line saying what is observed
     * @param labels what tells this histogram from others of the same name (e.g. the reporter);
     *        names as {@code name}, values any text
     * @param upperBounds the buckets' upper bounds, strictly ascending, the last +Inf
     * @param counts observations per bucket, as many as bounds, none negative
     * @param sum the sum of all observations, in the unit of the name
     * @throws IllegalArgumentException if any of these does not hold
     */
    public HistogramSnapshot(String name, String help, Map<String, String> labels, double[] upperBounds,
            long[] counts, double sum) {
        this.name = requireName(name);
        this.help = Objects.requireNonNullElse(help, "");
        Map<String, String> l = new TreeMap<>();
        labels.forEach((k, v) -> l.put(requireName(k), Objects.requireNonNull(v, "label value")));
        this.labels = Collections.unmodifiableMap(l);
        if (upperBounds.length == 0 || upperBounds.length != counts.length) {
            throw new IllegalArgumentException(name + ": " + upperBounds.length + " bounds and " + counts.length + " counts");
        }
        if (upperBounds[upperBounds.length - 1] != Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(name + ": the last bound is not +Inf");
        }
        for (int i = 0; i < upperBounds.length; i++) {
            if (i > 0 && !(upperBounds[i] > upperBounds[i - 1])) {
                throw new IllegalArgumentException(name + ": bounds not strictly ascending at " + upperBounds[i]);
            }
            if (counts[i] < 0) {
                throw new IllegalArgumentException(name + ": negative count " + counts[i]);
            }
        }
        this.upperBounds = upperBounds.clone();
        this.counts = counts.clone();
        this.sum = sum;
    }

    private static String requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a metric or label name: " + name);
        }
        return name;
    }

    public String name() {
        return name;
    }

    public String help() {
        return help;
    }

    /** @return the labels, sorted by name, unmodifiable */
    public Map<String, String> labels() {
        return labels;
    }

    /** @return a copy of the buckets' upper bounds */
    public double[] upperBounds() {
        return upperBounds.clone();
    }

    /** @return a copy of the observations per bucket */
    public long[] counts() {
        return counts.clone();
    }

    /** @return the number of observations */
    public long count() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    public double sum() {
        return sum;
    }

    @Override
    public String toString() {
        return name + labels + " count=" + count() + " sum=" + sum + " bounds=" + Arrays.toString(upperBounds)
                + " counts=" + Arrays.toString(counts);
    }
}
