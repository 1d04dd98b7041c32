package org.l3ha.metrics.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import io.prometheus.metrics.model.snapshots.PrometheusNaming;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.l3ha.metrics.impl.MetricNames.Series;
import org.l3ha.metrics.impl.MetricNames.Type;

class MetricNamesTest {

    /** section, counter, family, type, labels as k=v;k=v (sorted) */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "endpoint | accepted                        | l3ha_notifications_total           | COUNTER | result=accepted",
        "endpoint | rejected.bad_state              | l3ha_notifications_total           | COUNTER | reason=bad_state;result=rejected",
        "endpoint | rejected.body.too-long          | l3ha_notifications_total           | COUNTER | reason=body.too-long;result=rejected",
        "endpoint | errors                          | l3ha_notifications_total           | COUNTER | result=error",
        "endpoint | received                        | l3ha_notifications_received_total  | COUNTER | ''",
        "engine   | applied.primary                 | l3ha_transitions_applied_total     | COUNTER | state=primary",
        "engine   | applied.fault                   | l3ha_transitions_applied_total     | COUNTER | state=fault",
        "engine   | listener_failures.ipv6          | l3ha_listener_failures_total       | COUNTER | listener=ipv6",
        "engine   | routers.unknown                 | l3ha_routers                       | GAUGE   | state=unknown",
        "engine   | routers.primary                 | l3ha_routers                       | GAUGE   | state=primary",
        "engine   | pending                         | l3ha_pending_transitions           | GAUGE   | ''",
        "engine   | routers                         | l3ha_engine_routers                | GAUGE   | ''",
        "engine   | unknown_held                    | l3ha_engine_unknown_held           | GAUGE   | ''",
        "notifier | reporter.journal.batches_sent   | l3ha_reports_total                 | COUNTER | reporter=journal;result=delivered",
        "notifier | reporter.oslo.report_failures   | l3ha_reports_total                 | COUNTER | reporter=oslo;result=failed",
        "notifier | reporter.a.b.states_reported    | l3ha_reported_states_total         | COUNTER | reporter=a.b",
        "notifier | reporter.journal.pending        | l3ha_pending_reports               | GAUGE   | reporter=journal",
        "process  | respawns                        | l3ha_daemons_respawned_total       | COUNTER | ''",
        "process  | spawned                         | l3ha_daemons_spawned_total         | COUNTER | ''",
        "process  | spawn_failures                  | l3ha_daemon_spawn_failures_total   | COUNTER | ''",
        "process  | monitored                       | l3ha_daemons_monitored             | GAUGE   | ''",
        // the generic fallback: any other counter of any section
        "endpoint | holding                         | l3ha_endpoint_holding              | UNKNOWN | ''",
        "engine   | state_remove_failures           | l3ha_engine_state_remove_failures  | UNKNOWN | ''",
        "notifier | queued                          | l3ha_notifier_queued               | UNKNOWN | ''",
        "notifier | reporter..pending               | l3ha_notifier_reporter__pending    | UNKNOWN | ''",
        "radvd    | enabled                         | l3ha_radvd_enabled                 | UNKNOWN | ''",
        "registry | routers                         | l3ha_registry_routers              | UNKNOWN | ''",
        "oslo     | connection.state-changes        | l3ha_oslo_connection_state_changes | UNKNOWN | ''",
        "my-ext.v2| a/b c:d                         | l3ha_my_ext_v2_a_b_c_d             | UNKNOWN | ''",
        "future   | 2xx                             | l3ha_future_2xx                    | UNKNOWN | ''",
    })
    void mapsEveryCounter(String section, String counter, String family, Type type, String labels) {
        Series s = MetricNames.of(section, counter);
        assertEquals(family, s.family(), section + "." + counter);
        assertEquals(type, s.type());
        assertEquals(parse(labels), s.labels());
        assertTrue(PrometheusNaming.isValidLegacyMetricName(family), family);
        assertTrue(!s.help().isEmpty());
    }

    @ParameterizedTest
    @CsvSource({"engine, listener_failures", "engine, applied", "notifier, batches_sent", "notifier, states_reported",
        "notifier, report_failures"})
    void dropsTotalsOfSeriesExportedPerLabel(String section, String counter) {
        assertNull(MetricNames.of(section, counter).family());
    }

    @Test
    void theTotalsOfOtherSectionsAreNotDropped() {
        assertEquals("l3ha_oslo_batches_sent", MetricNames.of("oslo", "batches_sent").family());
        assertEquals("l3ha_endpoint_listener_failures", MetricNames.of("endpoint", "listener_failures").family());
    }

    @Test
    void aStarMatchesOnlyNonEmptyText() {
        // "applied." alone is no state: generic
        assertEquals("l3ha_engine_applied_", MetricNames.of("engine", "applied.").family());
        assertEquals("l3ha_notifier_reporter_pending", MetricNames.of("notifier", "reporter.pending").family());
    }

    @Test
    void sanitizesEveryCharacterOutsideTheLegacyAlphabet() {
        assertEquals("a_b_c___dE9_", MetricNames.sanitize("a.b-c/ \u00e9dE9\u2603"));
        assertEquals("l3ha_x_y", MetricNames.generic("x", "y"));
        assertEquals("l3ha_____", MetricNames.generic("..", "."));
    }

    @Test
    void everyNamedFamilyIsAValidNameWithItsUnitOrTotal() {
        for (MetricNames.Rule r : MetricNames.RULES) {
            if (r.family() == null) {
                continue;
            }
            assertTrue(r.family().startsWith(MetricNames.PREFIX), r.family());
            assertTrue(PrometheusNaming.isValidLegacyMetricName(r.family()), r.family());
            assertEquals(r.type() == Type.COUNTER, r.family().endsWith("_total"), r.family());
            assertTrue(r.capture() == null || PrometheusNaming.isValidLegacyLabelName(r.capture()), r.capture());
        }
    }

    private static Map<String, String> parse(String labels) {
        Map<String, String> out = new java.util.TreeMap<>();
        if (labels == null || labels.isEmpty()) {
            return out;
        }
        for (String kv : labels.split(";")) {
            String[] p = kv.split("=", 2);
            out.put(p[0], p[1]);
        }
        return out;
    }
}
