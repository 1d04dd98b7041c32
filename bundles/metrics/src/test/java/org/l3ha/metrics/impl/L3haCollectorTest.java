package org.l3ha.metrics.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

import org.junit.jupiter.api.Test;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.HistogramProvider;
import org.l3ha.api.HistogramSnapshot;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.testing.LogCapture;

class L3haCollectorTest {
    private static final double INF = Double.POSITIVE_INFINITY;

    private final AtomicLong clock = new AtomicLong();
    private final L3haCollector collector = new L3haCollector(clock::get);
    private long nextId = 1;

    @Test
    void exportsTheEndpointCountersUnderTheirNamesAndTheRestGenerically() throws IOException {
        stats("endpoint", "org.l3ha.endpoint", Map.of("received", 9L, "accepted", 5L, "errors", 0L,
                "rejected.bad_state", 2L, "rejected.bad_router_id", 1L, "holding", 3L));
        ExpositionText t = scrape();
        assertEquals("counter", t.types().get("l3ha_notifications_total"));
        assertEquals(5.0, t.get("l3ha_notifications_total{result=\"accepted\"}"));
        assertEquals(0.0, t.get("l3ha_notifications_total{result=\"error\"}"));
        assertEquals(2.0, t.get("l3ha_notifications_total{reason=\"bad_state\",result=\"rejected\"}"));
        assertEquals(1.0, t.get("l3ha_notifications_total{reason=\"bad_router_id\",result=\"rejected\"}"));
        assertEquals(9.0, t.get("l3ha_notifications_received_total"));
        assertEquals("untyped", t.types().get("l3ha_endpoint_holding"));
        assertEquals(3.0, t.get("l3ha_endpoint_holding"));
    }

    @Test
    void exportsTheNotifierPerReporterAndDropsItsTotals() throws IOException {
        stats("notifier", "org.l3ha.notifier", Map.of("batches_sent", 7L, "states_reported", 70L, "report_failures", 1L,
                "queued", 4L, "reporter.journal.batches_sent", 7L, "reporter.journal.report_failures", 1L,
                "reporter.journal.states_reported", 70L, "reporter.journal.pending", 2L));
        ExpositionText t = scrape();
        assertEquals(7.0, t.get("l3ha_reports_total{reporter=\"journal\",result=\"delivered\"}"));
        assertEquals(1.0, t.get("l3ha_reports_total{reporter=\"journal\",result=\"failed\"}"));
        assertEquals(70.0, t.get("l3ha_reported_states_total{reporter=\"journal\"}"));
        assertEquals("gauge", t.types().get("l3ha_pending_reports"));
        assertEquals(2.0, t.get("l3ha_pending_reports{reporter=\"journal\"}"));
        assertEquals(4.0, t.get("l3ha_notifier_queued"));
        assertNull(t.get("l3ha_notifier_batches_sent"));
        assertNull(t.get("l3ha_notifier_states_reported"));
        assertNull(t.get("l3ha_notifier_report_failures"));
    }

    @Test
    void convertsHistogramsToCumulativeBucketsWithTheirLabels() throws IOException {
        histograms("notifier", "org.l3ha.notifier", List.of(
                new HistogramSnapshot("report_seconds", "How long a report took", Map.of("reporter", "journal"),
                        new double[] {0.1, 1, INF}, new long[] {1, 2, 3}, 4.5),
                new HistogramSnapshot("report_seconds", "How long a report took", Map.of("reporter", "oslo"),
                        new double[] {0.1, 1, INF}, new long[] {0, 0, 0}, 0)));
        ExpositionText t = scrape();
        assertEquals("histogram", t.types().get("l3ha_report_seconds"));
        assertEquals(1.0, t.get("l3ha_report_seconds_bucket{le=\"0.1\",reporter=\"journal\"}"));
        assertEquals(3.0, t.get("l3ha_report_seconds_bucket{le=\"1.0\",reporter=\"journal\"}"));
        assertEquals(6.0, t.get("l3ha_report_seconds_bucket{le=\"+Inf\",reporter=\"journal\"}"));
        assertEquals(6.0, t.get("l3ha_report_seconds_count{reporter=\"journal\"}"));
        assertEquals(4.5, t.get("l3ha_report_seconds_sum{reporter=\"journal\"}"));
        assertEquals(0.0, t.get("l3ha_report_seconds_bucket{le=\"+Inf\",reporter=\"oslo\"}"));
        assertEquals(0.0, t.get("l3ha_report_seconds_count{reporter=\"oslo\"}"));
    }

    @Test
    void healthStatusIsZeroOneTwoAndAThrowingCheckIsCritical() throws IOException {
        check("endpoint", () -> HealthResult.ok("listening"));
        check("notifier", () -> HealthResult.warn("retrying"));
        check("registry", () -> HealthResult.critical("no routers"));
        check("broken", () -> {
            throw new IllegalStateException("bug");
        });
        ExpositionText t = scrape();
        assertEquals("gauge", t.types().get("l3ha_health_status"));
        assertEquals(0.0, t.get("l3ha_health_status{check=\"endpoint\"}"));
        assertEquals(1.0, t.get("l3ha_health_status{check=\"notifier\"}"));
        assertEquals(2.0, t.get("l3ha_health_status{check=\"registry\"}"));
        assertEquals(2.0, t.get("l3ha_health_status{check=\"broken\"}"));
        assertEquals(1L, collector.counters().get(L3haCollector.COLLECTION_FAILURES));
    }

    @Test
    void aThrowingProviderIsSkippedCountedAndLoggedAtMostOnceAMinute() throws IOException {
        stats("engine", "org.l3ha.engine", Map.of("routers", 4L));
        register(() -> {
            throw new IllegalStateException("counters broke");
        }, "endpoint", "org.l3ha.endpoint");
        histograms("bad", "org.l3ha.bad", null);
        try (LogCapture log = new LogCapture()) {
            ExpositionText t = scrape();
            assertEquals(4.0, t.get("l3ha_engine_routers"));
            assertTrue(t.samples().keySet().stream().noneMatch(k -> k.startsWith("l3ha_notifications")));
            scrape();
            clock.addAndGet(TimeUnit.SECONDS.toNanos(59));
            scrape();
            assertEquals(1, log.lines("WARN", "counters of 'endpoint' (org.l3ha.endpoint) failed").size(), log.text());
            assertEquals(1, log.lines("WARN", "Metrics:").size(), log.text());
            clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
            scrape();
            assertEquals(2, log.lines("WARN", "Metrics:").size(), log.text());
            assertTrue(log.has("WARN", "(5 other failure(s) not logged in the last minute"), log.text());
        }
        assertEquals(8L, collector.counters().get(L3haCollector.COLLECTION_FAILURES));
        assertEquals(4L, collector.counters().get(L3haCollector.SCRAPES));
    }

    @Test
    void aComponentComingOrGoingChangesTheNextScrape() throws IOException {
        Map<String, Object> props = stats("process", "org.l3ha.process", Map.of("respawns", 3L, "monitored", 2L));
        assertEquals(3.0, scrape().get("l3ha_daemons_respawned_total"));
        collector.removeStats(props);
        assertNull(scrape().get("l3ha_daemons_respawned_total"));
        stats("process", "org.l3ha.process", Map.of("respawns", 3L, "monitored", 2L));
        ExpositionText t = scrape();
        assertEquals(3.0, t.get("l3ha_daemons_respawned_total"));
        assertEquals(2.0, t.get("l3ha_daemons_monitored"));
    }

    @Test
    void aSectionOfSeveralProvidersIsToldApartByComponent() throws IOException {
        stats("registry", "org.l3ha.registry.file", Map.of("routers", 3L));
        stats("registry", "org.l3ha.registry.neutron", Map.of("routers", 5L));
        stats("ipv6", "org.l3ha.ipv6", Map.of("enabled", 1L));
        check("registry", () -> HealthResult.ok(""));
        check("registry", () -> HealthResult.warn(""));
        ExpositionText t = scrape();
        assertEquals(3.0, t.get("l3ha_registry_routers{component=\"org.l3ha.registry.file\"}"));
        assertEquals(5.0, t.get("l3ha_registry_routers{component=\"org.l3ha.registry.neutron\"}"));
        assertEquals(1.0, t.get("l3ha_ipv6_enabled"));
        // the same component twice (two instances): its service id tells them apart
        assertEquals(0.0, t.get("l3ha_health_status{check=\"registry\",component=\"test#4\"}"));
        assertEquals(1.0, t.get("l3ha_health_status{check=\"registry\",component=\"test#5\"}"));
        assertEquals(0L, collector.counters().get(L3haCollector.COLLISIONS));
    }

    @Test
    void clashingNamesLeaveOneSeriesOutAndTheScrapeIntact() throws IOException {
        // l3ha_a_b_c twice, from two sections
        stats("a.b", "one", Map.of("c", 1L));
        stats("a", "two", Map.of("b.c", 2L));
        // l3ha_notifications_total as a generic counter: clashes with the lines of counter l3ha_notifications
        stats("notifications", "three", Map.of("total", 3L));
        stats("endpoint", "org.l3ha.endpoint", Map.of("accepted", 4L));
        // histogram l3ha_x against generic l3ha_x_bucket (named families win)
        stats("x", "four", Map.of("bucket", 5L));
        histograms("h", "five", List.of(new HistogramSnapshot("x", "", Map.of(), new double[] {INF}, new long[] {1}, 1)));
        // a label the library reserves on a histogram
        histograms("h2", "six", List.of(new HistogramSnapshot("y", "", Map.of("le", "1"), new double[] {INF},
                new long[] {1}, 1)));
        ExpositionText t = scrape();
        assertEquals(1.0, t.get("l3ha_a_b_c"));
        assertEquals(4.0, t.get("l3ha_notifications_total{result=\"accepted\"}"));
        assertEquals("counter", t.types().get("l3ha_notifications_total"));
        assertNull(t.get("l3ha_x_bucket"));
        assertEquals("histogram", t.types().get("l3ha_x"));
        assertEquals(1.0, t.get("l3ha_x_bucket{le=\"+Inf\"}"));
        assertFalse(t.types().containsKey("l3ha_y"));
        assertEquals(4L, collector.counters().get(L3haCollector.COLLISIONS));
    }

    @Test
    void aNameOfNoPropertyIsTheComponentName() throws IOException {
        Map<String, Object> props = new TreeMap<>(Map.of("service.id", nextId++, "component.name", "org.example.x"));
        collector.addStats(() -> Map.of("n", 1L), props);
        assertEquals(1.0, scrape().get("l3ha_org_example_x_n"));
    }

    private ExpositionText scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, collector.collect());
        return ExpositionText.parse(out.toString(StandardCharsets.UTF_8));
    }

    private Map<String, Object> stats(String section, String component, Map<String, Long> values) {
        return register(() -> values, section, component);
    }

    private Map<String, Object> register(StatsProvider p, String section, String component) {
        Map<String, Object> props = props(StatsProvider.NAME, section, component);
        collector.addStats(p, props);
        return props;
    }

    private void histograms(String section, String component, List<HistogramSnapshot> list) {
        HistogramProvider p = () -> list;
        collector.addHistograms(p, props(StatsProvider.NAME, section, component));
    }

    private void check(String name, HealthCheck c) {
        collector.addCheck(c, props(HealthCheck.NAME, name, "test"));
    }

    private Map<String, Object> props(String nameProperty, String name, String component) {
        return Map.of("service.id", nextId++, nameProperty, name, "component.name", component);
    }
}
