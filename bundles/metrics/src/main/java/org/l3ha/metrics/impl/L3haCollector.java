package org.l3ha.metrics.impl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.HistogramProvider;
import org.l3ha.api.HistogramSnapshot;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.Counters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a scrape shows, built afresh from the whiteboard services at every scrape: the counters
 * of every {@link StatsProvider} (named by {@link MetricNames}), the histograms of every
 * {@link HistogramProvider} ({@code l3ha_<name>}) and gauge {@code l3ha_health_status{check}} of
 * every {@link HealthCheck} (0 OK, 1 WARN, 2 CRITICAL). It keeps no metric values of its own: the
 * components keep theirs, so a new collector (the bundle swapped) shows the same numbers.
 *
 * <p>A name (section or check) registered by several services: each one's series get label
 * {@code component} (its {@code component.name}, with {@code #<service.id>} if that is shared too),
 * so that none hides another. A provider that throws is skipped for that scrape, counted in
 * {@code collection_failures} and logged at WARN at most once a minute; a check that throws counts
 * as CRITICAL, as the Health service has it.
 *
 * <p>Thread-safe: DS binds and unbinds while scrapes run; each scrape reads a snapshot of the maps.
 */
final class L3haCollector implements MultiCollector {
    static final String SCRAPES = "scrapes";
    static final String COLLECTION_FAILURES = "collection_failures";
    static final String COLLISIONS = "collisions";
    static final String HEALTH_STATUS = "l3ha_health_status";
    static final String COMPONENT = "component";
    static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private static final Logger LOG = LoggerFactory.getLogger(L3haCollector.class);

    /** A bound service with the name it is shown under. */
    record Source<T>(long id, String name, String component, T service) {
    }

    private final Map<Long, Source<StatsProvider>> stats = new ConcurrentSkipListMap<>();
    private final Map<Long, Source<HistogramProvider>> histograms = new ConcurrentSkipListMap<>();
    private final Map<Long, Source<HealthCheck>> checks = new ConcurrentSkipListMap<>();
    private final Counters counters = new Counters(SCRAPES, COLLECTION_FAILURES, COLLISIONS);
    private final LongSupplier nanos;

    /* guarded by this: the failure WARN's pacing */
    private boolean warned;
    private long lastWarnNanos;
    private long unlogged;

    L3haCollector() {
        this(System::nanoTime);
    }

    /** @param nanos the clock pacing the failure WARN (tests) */
    L3haCollector(LongSupplier nanos) {
        this.nanos = nanos;
    }

    void addStats(StatsProvider p, Map<String, ?> props) {
        stats.put(id(props), source(props, StatsProvider.NAME, p));
    }

    void removeStats(Map<String, ?> props) {
        stats.remove(id(props));
    }

    void addHistograms(HistogramProvider p, Map<String, ?> props) {
        histograms.put(id(props), source(props, StatsProvider.NAME, p));
    }

    void removeHistograms(Map<String, ?> props) {
        histograms.remove(id(props));
    }

    void addCheck(HealthCheck c, Map<String, ?> props) {
        checks.put(id(props), source(props, HealthCheck.NAME, c));
    }

    void removeCheck(Map<String, ?> props) {
        checks.remove(id(props));
    }

    /** @return scrapes, collection_failures (a provider or check that threw), collisions (series left out) */
    Map<String, Long> counters() {
        return counters.snapshot();
    }

    @Override
    public MetricSnapshots collect() {
        counters.increment(SCRAPES);
        Families out = new Families();
        // the named families first: a generic name that clashes with one of them is what is left out
        List<Runnable> generic = addCounters(out);
        addHealth(out);
        addHistograms(out);
        generic.forEach(Runnable::run);
        MetricSnapshots built = out.build();
        counters.add(COLLISIONS, out.collisions());
        return built;
    }

    /** @return the additions of the counters exported generically, to be run last */
    private List<Runnable> addCounters(Families out) {
        List<Runnable> generic = new ArrayList<>();
        List<Source<StatsProvider>> sources = new ArrayList<>(stats.values());
        Map<Long, String> distinct = distinct(sources);
        for (Source<StatsProvider> src : sources) {
            Map<String, Long> values;
            try {
                values = new TreeMap<>(src.service().counters());
            } catch (RuntimeException | LinkageError e) {
                failed("counters of " + describe(src), e);
                continue;
            }
            String component = distinct.get(src.id());
            values.forEach((counter, value) -> {
                MetricNames.Series series = MetricNames.of(src.name(), counter);
                if (series.family() == null || value == null) {
                    return;
                }
                Runnable add = () -> out.add(series.family(), series.type(), series.help(),
                        with(series.labels(), component), value);
                if (series.type() == MetricNames.Type.UNKNOWN) {
                    generic.add(add);
                } else {
                    add.run();
                }
            });
        }
        return generic;
    }

    private void addHistograms(Families out) {
        List<Source<HistogramProvider>> sources = new ArrayList<>(histograms.values());
        Map<Long, String> distinct = distinct(sources);
        for (Source<HistogramProvider> src : sources) {
            List<HistogramSnapshot> list;
            try {
                list = List.copyOf(src.service().histograms());
            } catch (RuntimeException | LinkageError e) {
                failed("histograms of " + describe(src), e);
                continue;
            }
            for (HistogramSnapshot h : list) {
                out.addHistogram(MetricNames.PREFIX + h.name(), h.help(), with(h.labels(), distinct.get(src.id())),
                        h.upperBounds(), h.counts(), h.sum());
            }
        }
    }

    private void addHealth(Families out) {
        List<Source<HealthCheck>> sources = new ArrayList<>(checks.values());
        Map<Long, String> distinct = distinct(sources);
        for (Source<HealthCheck> src : sources) {
            HealthResult.Status status;
            try {
                status = src.service().check().status();
            } catch (RuntimeException | LinkageError e) {
                failed("health check " + describe(src), e);
                status = HealthResult.Status.CRITICAL;
            }
            out.add(HEALTH_STATUS, MetricNames.Type.GAUGE, "l3ha health check status: 0 OK, 1 WARN, 2 CRITICAL",
                    with(Map.of("check", src.name()), distinct.get(src.id())), status.ordinal());
        }
    }

    /** Counts a failed provider; logs at WARN unless a failure was logged within the last minute. */
    private void failed(String what, Throwable e) {
        counters.increment(COLLECTION_FAILURES);
        long now = nanos.getAsLong();
        long skipped;
        synchronized (this) {
            if (warned && now - lastWarnNanos < WARN_INTERVAL_NANOS) {
                unlogged++;
                return;
            }
            warned = true;
            lastWarnNanos = now;
            skipped = unlogged;
            unlogged = 0;
        }
        LOG.warn("Metrics: {} failed, left out of the scrape ({} other failure(s) not logged in the last minute;"
                + " at most one such line a minute)", what, skipped, e);
    }

    /**
     * @return for each source whose name another source also has, the value of label
     *         {@code component} that tells it apart; none for the others
     */
    static <T> Map<Long, String> distinct(List<Source<T>> sources) {
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> components = new HashMap<>();
        for (Source<T> s : sources) {
            names.merge(s.name(), 1, Integer::sum);
            components.merge(s.name() + '\n' + s.component(), 1, Integer::sum);
        }
        Map<Long, String> out = new HashMap<>();
        for (Source<T> s : sources) {
            if (names.get(s.name()) > 1) {
                boolean shared = components.get(s.name() + '\n' + s.component()) > 1;
                out.put(s.id(), shared ? s.component() + "#" + s.id() : s.component());
            }
        }
        return out;
    }

    private static Map<String, String> with(Map<String, String> labels, String component) {
        if (component == null) {
            return labels;
        }
        Map<String, String> out = new HashMap<>(labels);
        out.putIfAbsent(COMPONENT, component);
        return out;
    }

    private static String describe(Source<?> s) {
        return "'" + s.name() + "' (" + s.component() + ")";
    }

    private static long id(Map<String, ?> props) {
        return ((Number) props.get("service.id")).longValue();
    }

    private static <T> Source<T> source(Map<String, ?> props, String nameProperty, T service) {
        Object component = props.get("component.name");
        String comp = component == null ? service.getClass().getName() : String.valueOf(component);
        Object name = props.get(nameProperty);
        return new Source<>(id(props), name == null ? comp : String.valueOf(name), comp, service);
    }
}
