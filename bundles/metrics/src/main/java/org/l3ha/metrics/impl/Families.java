package org.l3ha.metrics.impl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;

/**
 * The metric families of one scrape, gathered series by series, then built into the library's
 * {@link MetricSnapshots}. Never throws on what it is given: a series that cannot be exported
 * (its name or labels already taken, a name that clashes with the lines another family writes,
 * a value or label the library refuses) is left out and counted as a collision. Not thread-safe:
 * one instance per scrape.
 */
final class Families {
    /** A family's type, as the text format writes it. */
    enum Kind {
        COUNTER, GAUGE, UNKNOWN, HISTOGRAM
    }

    private static final class Family {
        final String name;
        final Kind kind;
        final String help;
        final Set<Map<String, String>> labelSets = new HashSet<>();
        final List<DataPointSnapshot> points = new ArrayList<>();

        Family(String name, Kind kind, String help) {
            this.name = name;
            this.kind = kind;
            this.help = help;
        }
    }

    /* by the name the family is built with (a counter's without _total) */
    private final Map<String, Family> families = new TreeMap<>();
    /* every line name a family writes, to the family writing it */
    private final Map<String, Family> lineNames = new HashMap<>();
    private long collisions;

    /**
     * Adds one series of a counter ({@code family} ends in {@code _total}), gauge or unknown family.
     *
     * @return whether it was added (else it was counted as a collision)
     */
    boolean add(String family, MetricNames.Type type, String help, Map<String, String> labels, double value) {
        Kind kind = switch (type) {
            case COUNTER -> Kind.COUNTER;
            case GAUGE -> Kind.GAUGE;
            case UNKNOWN -> Kind.UNKNOWN;
        };
        String name = kind == Kind.COUNTER && family.endsWith("_total")
                ? family.substring(0, family.length() - "_total".length()) : family;
        return add(name, kind, help, labels, l -> switch (kind) {
            case COUNTER -> CounterDataPointSnapshot.builder().value(value).labels(l).build();
            case GAUGE -> GaugeDataPointSnapshot.builder().value(value).labels(l).build();
            default -> UnknownDataPointSnapshot.builder().value(value).labels(l).build();
        });
    }

    /**
     * Adds one series of a classic histogram.
     *
     * @param counts observations per bucket, not cumulative (as the library takes them)
     * @return whether it was added (else it was counted as a collision)
     */
    boolean addHistogram(String family, String help, Map<String, String> labels, double[] upperBounds, long[] counts,
            double sum) {
        return add(family, Kind.HISTOGRAM, help, labels, l -> HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(upperBounds, counts)).sum(sum).labels(l).build());
    }

    /** @return series left out so far */
    long collisions() {
        return collisions;
    }

    /** @return every family gathered, each built once; a family the library refuses is left out (a collision) */
    MetricSnapshots build() {
        List<MetricSnapshot> out = new ArrayList<>(families.size());
        for (Family f : families.values()) {
            try {
                out.add(snapshot(f));
            } catch (IllegalArgumentException e) {
                collisions += f.points.size();
            }
        }
        return new MetricSnapshots(out);
    }

    private interface Point {
        DataPointSnapshot build(Labels labels);
    }

    private boolean add(String name, Kind kind, String help, Map<String, String> labels, Point point) {
        Family f = families.get(name);
        List<String> lines = f == null ? lineNames(name, kind) : List.of();
        Map<String, String> key = new TreeMap<>(labels);
        if (f == null ? lines.stream().anyMatch(lineNames::containsKey) : f.kind != kind || f.labelSets.contains(key)) {
            collisions++;
            return false;
        }
        DataPointSnapshot p;
        try {
            p = point.build(labels(key));
        } catch (IllegalArgumentException e) {
            // a label name the library refuses (le on a histogram, a reserved name), a negative counter
            collisions++;
            return false;
        }
        if (f == null) {
            f = new Family(name, kind, help);
            families.put(name, f);
            for (String line : lines) {
                lineNames.put(line, f);
            }
        }
        f.labelSets.add(key);
        f.points.add(p);
        return true;
    }

    /** @return the names of the lines a family of {@code kind} named {@code name} writes (or may write) */
    private static List<String> lineNames(String name, Kind kind) {
        return switch (kind) {
            case COUNTER -> List.of(name, name + "_total", name + "_created");
            case HISTOGRAM -> List.of(name, name + "_bucket", name + "_count", name + "_sum", name + "_created",
                    name + "_gcount", name + "_gsum");
            default -> List.of(name);
        };
    }

    private static Labels labels(Map<String, String> sorted) {
        Labels.Builder b = Labels.builder();
        sorted.forEach(b::label);
        return b.build();
    }

    private static MetricSnapshot snapshot(Family f) {
        return switch (f.kind) {
            case COUNTER -> {
                CounterSnapshot.Builder b = CounterSnapshot.builder().name(f.name).help(f.help);
                f.points.forEach(p -> b.dataPoint((CounterDataPointSnapshot) p));
                yield b.build();
            }
            case GAUGE -> {
                GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(f.name).help(f.help);
                f.points.forEach(p -> b.dataPoint((GaugeDataPointSnapshot) p));
                yield b.build();
            }
            case UNKNOWN -> {
                UnknownSnapshot.Builder b = UnknownSnapshot.builder().name(f.name).help(f.help);
                f.points.forEach(p -> b.dataPoint((UnknownDataPointSnapshot) p));
                yield b.build();
            }
            case HISTOGRAM -> {
                HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(f.name).help(f.help);
                f.points.forEach(p -> b.dataPoint((HistogramDataPointSnapshot) p));
                yield b.build();
            }
        };
    }
}
