package org.l3ha.health.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthReport;
import org.l3ha.api.HealthResult;

class HealthAggregatorTest {

    static Map<String, Object> props(long id, String name) {
        return Map.of("service.id", id, HealthCheck.NAME, name);
    }

    @Test
    void theOverallStatusIsTheWorstCheck() {
        HealthAggregator h = new HealthAggregator();
        assertEquals(HealthResult.Status.CRITICAL, h.report().status(), "no check: nothing of l3ha runs");
        h.bindCheck(() -> HealthResult.ok("listening"), props(1, "endpoint"));
        h.bindCheck(() -> HealthResult.warn("retrying"), props(2, "reporter.oslo"));
        HealthReport r = h.report();
        assertEquals(HealthResult.Status.WARN, r.status());
        assertEquals(List.of("endpoint", "reporter.oslo"), List.copyOf(r.checks().keySet()));
        HealthCheck broken = () -> {
            throw new IllegalStateException("boom");
        };
        h.bindCheck(broken, props(3, "registry"));
        r = h.report();
        assertEquals(HealthResult.Status.CRITICAL, r.status());
        assertTrue(r.checks().get("registry").message().contains("boom"));
        h.unbindCheck(broken, props(3, "registry"));
        h.unbindCheck(null, props(2, "reporter.oslo"));
        assertEquals(HealthResult.Status.OK, h.report().status());
    }

    @Test
    void twoChecksWithOneNameAreBothShown() {
        HealthAggregator h = new HealthAggregator();
        h.bindCheck(() -> HealthResult.ok("a"), props(1, "x"));
        h.bindCheck(() -> HealthResult.ok("b"), props(2, "x"));
        assertEquals(List.of("x", "x#2"), List.copyOf(h.report().checks().keySet()));
    }
}
