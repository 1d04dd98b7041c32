package org.l3ha.registry.neutron.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import org.l3ha.api.HealthResult;

/** The broker's part of the registry's health and counters while there is no broker to ask. */
class BrokerLinkTest {
    private final BrokerLink link = new BrokerLink(Fixture.HOST);

    @Test
    void criticalUntilTheBrokerSettingsArrive() {
        HealthResult r = link.check(() -> HealthResult.ok("fine"));
        assertEquals(HealthResult.Status.CRITICAL, r.status());
        assertEquals("waiting for the configuration of PID org.l3ha.reporter.oslo", r.message());
        assertNull(link.client());
    }

    @Test
    void criticalWithoutTransportUrl() {
        link.updated(null);
        HealthResult r = link.check(() -> HealthResult.ok("fine"));
        assertEquals(HealthResult.Status.CRITICAL, r.status());
        assertEquals("transport_url of PID org.l3ha.reporter.oslo is not set: no routers from neutron-server",
                r.message());
        Map<String, Long> out = new TreeMap<>();
        link.counters(out);
        assertEquals(Map.of("broker_configured", 0L, "feed_connected", 0L), out);
    }

    @Test
    void closeRunsItsTaskOnce() {
        int[] ran = new int[1];
        link.close(() -> ran[0]++);
        assertEquals(1, ran[0]);
        link.updated(null);   // ignored once closed: the problem stays the first one
        assertEquals("waiting for the configuration of PID org.l3ha.reporter.oslo",
                link.check(() -> HealthResult.ok("fine")).message());
    }
}
