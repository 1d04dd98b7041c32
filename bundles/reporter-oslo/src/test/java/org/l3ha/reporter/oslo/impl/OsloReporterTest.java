package org.l3ha.reporter.oslo.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult.Status;
import org.l3ha.api.StateReporter;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.ConfigException;

/** The DS component's life cycle with a fake bundle context; no broker needed. */
class OsloReporterTest {
    private final FakeBundleContext bundle = new FakeBundleContext();
    private OsloReporter reporter;

    @AfterEach
    void deactivate() {
        if (reporter != null) {
            reporter.deactivate();
        }
    }

    static Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("host", "net-1");
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private OsloReporter activate(Map<String, Object> props) {
        reporter = new OsloReporter(bundle.context, props, Clock.systemUTC(), OsloClient.RPC_VERSION);
        return reporter;
    }

    @Test
    void withoutTransportUrlOnlyStatsAndHealthAreRegistered() {
        activate(props("transport_url", ""));
        assertEquals(List.of(), bundle.active(StateReporter.class));
        assertEquals("oslo", bundle.only(StatsProvider.class).properties.get(StatsProvider.NAME));
        assertEquals("reporter.oslo", bundle.only(HealthCheck.class).properties.get(HealthCheck.NAME));
        HealthCheck health = bundle.active(HealthCheck.class).get(0);
        assertEquals(Status.OK, health.check().status());
        assertEquals("inactive: transport_url is not set", health.check().message());
        assertEquals(0L, bundle.active(StatsProvider.class).get(0).counters().get("active"));
        assertNull(reporter.client());
    }

    @Test
    void withTransportUrlTheReporterIsRegisteredAndConnectsOnlyWhenItReports() {
        activate(props("transport_url", TestBroker.url()));
        FakeBundleContext.Registration r = bundle.only(StateReporter.class);
        assertEquals("oslo", r.properties.get(StateReporter.NAME));
        Map<String, Long> counters = bundle.active(StatsProvider.class).get(0).counters();
        assertEquals(1L, counters.get("active"));
        assertEquals(0L, counters.get("connected"));
        assertEquals(0L, counters.get("connections_opened"));
        assertEquals(0, reporter.client().liveThreads());
    }

    @Test
    void settingAndClearingTheUrlRegistersAndUnregistersTheReporter() {
        activate(props());
        assertEquals(0, bundle.active(StateReporter.class).size());
        reporter.modified(props("transport_url", TestBroker.url()));
        assertEquals(1, bundle.active(StateReporter.class).size());
        OsloClient first = reporter.client();
        reporter.modified(props("transport_url", TestBroker.url(), "rpc_mode", "cast"));
        assertEquals(1, bundle.active(StateReporter.class).size(), "reconfiguring keeps the one registration");
        assertNotSame(first, reporter.client());
        assertEquals(0, first.liveThreads());
        reporter.modified(props("transport_url", " "));
        assertEquals(0, bundle.active(StateReporter.class).size());
        assertNull(reporter.client());
        reporter.modified(props("transport_url", TestBroker.url()));
        assertEquals(1, bundle.active(StateReporter.class).size());
        assertEquals(2, bundle.all().stream().filter(r -> r.type.equals(StateReporter.class.getName())).count(),
                "registered, unregistered, registered again");
    }

    @Test
    void anUnchangedConfigurationKeepsTheClient() {
        activate(props("transport_url", TestBroker.url()));
        OsloClient c = reporter.client();
        reporter.modified(props("transport_url", TestBroker.url()));
        assertSame(c, reporter.client());
    }

    @Test
    void aBadConfigurationIsRejectedAndTheLastGoodOneKept() {
        activate(props("transport_url", TestBroker.url()));
        OsloClient c = reporter.client();
        reporter.modified(props("transport_url", "rabbit://u:Secr3t@h:0/"));
        reporter.modified(props("transport_url", TestBroker.url(), "rpc_mode", "fanout"));
        assertSame(c, reporter.client());
        assertEquals(1, bundle.active(StateReporter.class).size());
    }

    @Test
    void activationWithABadConfigurationFails() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new OsloReporter(bundle.context, props("rpc_response_timeout", "soon"), Clock.systemUTC(), "1.5"));
        assertTrue(e.getMessage().contains("rpc_response_timeout='soon'"), e.getMessage());
        assertEquals(0, bundle.all().size());
    }

    @Test
    void deactivateUnregistersEverythingAndIsIdempotent() {
        activate(props("transport_url", TestBroker.url()));
        OsloClient c = reporter.client();
        reporter.deactivate();
        reporter.deactivate();
        assertTrue(bundle.all().stream().allMatch(r -> r.unregistered));
        assertEquals(3, bundle.all().size());
        assertEquals(0, c.liveThreads());
        reporter.modified(props()); // after deactivation: ignored
        assertEquals(0, bundle.active(StatsProvider.class).size());
    }

    @Test
    void anUnreachableBrokerFailsFastAndMakesHealthCritical() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // nothing listens there once closed
        }
        activate(props("transport_url", TestBroker.url(port)));
        StateReporter r = bundle.active(StateReporter.class).get(0);
        RpcException e = assertThrows(RpcException.class, () -> assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> r.report(Map.of("0b2c6e3a-1111-2222-3333-444455556666", "active"))));
        assertEquals(RpcException.Kind.CONNECTION, e.kind());
        assertTrue(e.getMessage().contains("cannot connect to rabbit://guest:***@127.0.0.1:" + port), e.getMessage());
        assertEquals(1L, bundle.active(StatsProvider.class).get(0).counters().get("failures_connection"));
        assertEquals(Status.CRITICAL, bundle.active(HealthCheck.class).get(0).check().status());
    }

    @Test
    void reportAfterDeactivationFails() {
        activate(props("transport_url", TestBroker.url()));
        StateReporter r = bundle.active(StateReporter.class).get(0);
        reporter.deactivate();
        RpcException e = assertThrows(RpcException.class, () -> r.report(Map.of("r", "active")));
        assertEquals(RpcException.Kind.CONNECTION, e.kind());
    }
}
