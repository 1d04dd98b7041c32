package org.l3ha.reporter.oslo.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult.Status;
import org.l3ha.api.StateReporter;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigException;
import org.l3ha.common.testing.LogCapture;
import org.l3ha.oslo.RpcException;
import org.l3ha.oslo.testing.TestBroker;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ManagedService;

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
        reporter = activate(bundle, props, StateRpc.RPC_VERSION);
        return reporter;
    }

    /**
     * Activates the component as DS and Config Admin would: DS with the keys of PID
     * {@code org.l3ha.agent} (the constructor uses only those), then the component's
     * {@code ManagedService} with the others.
     */
    static OsloReporter activate(FakeBundleContext bundle, Map<String, Object> merged, String rpcVersion) {
        Map<String, Object> agent = new HashMap<>(merged);
        agent.keySet().retainAll(AgentSettings.KEYS);
        OsloReporter r = new OsloReporter(bundle.context, agent, Clock.systemUTC(), rpcVersion);
        configure(r, merged);
        return r;
    }

    /** Delivers a configuration the way the two PIDs arrive: the agent's keys by DS, the rest by Config Admin. */
    static void configure(OsloReporter r, Map<String, Object> merged) {
        Map<String, Object> agent = new HashMap<>();
        Hashtable<String, Object> own = new Hashtable<>();
        merged.forEach((k, v) -> {
            if (AgentSettings.KEYS.contains(k)) {
                agent.put(k, v);
            } else {
                own.put(k, v);
            }
        });
        r.modified(agent);
        r.updated(own);
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
        configure(reporter, props("transport_url", TestBroker.url()));
        assertEquals(1, bundle.active(StateReporter.class).size());
        StateRpc first = reporter.client();
        configure(reporter, props("transport_url", TestBroker.url(), "rpc_mode", "cast"));
        assertEquals(1, bundle.active(StateReporter.class).size(), "reconfiguring keeps the one registration");
        assertNotSame(first, reporter.client());
        assertEquals(0, first.liveThreads());
        configure(reporter, props("transport_url", " "));
        assertEquals(0, bundle.active(StateReporter.class).size());
        assertNull(reporter.client());
        configure(reporter, props("transport_url", TestBroker.url()));
        assertEquals(1, bundle.active(StateReporter.class).size());
        assertEquals(2, bundle.all().stream().filter(r -> r.type.equals(StateReporter.class.getName())).count(),
                "registered, unregistered, registered again");
    }

    @Test
    void anUnchangedConfigurationKeepsTheClient() {
        activate(props("transport_url", TestBroker.url()));
        StateRpc c = reporter.client();
        configure(reporter, props("transport_url", TestBroker.url()));
        assertSame(c, reporter.client());
    }

    @Test
    void aBadConfigurationIsRejectedAndTheLastGoodOneKept() {
        activate(props("transport_url", TestBroker.url()));
        StateRpc c = reporter.client();
        configure(reporter, props("transport_url", "rabbit://u:Secr3t@h:0/"));
        configure(reporter, props("transport_url", TestBroker.url(), "rpc_mode", "fanout"));
        assertSame(c, reporter.client());
        assertEquals(1, bundle.active(StateReporter.class).size());
    }

    @Test
    void activationWithABadAgentConfigurationFails() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new OsloReporter(bundle.context, props("state_path", "relative"), Clock.systemUTC(), "1.5"));
        assertTrue(e.getMessage().contains("state_path='relative'"), e.getMessage());
        assertEquals(0, bundle.all().size());
    }

    @Test
    void aBadFirstConfigurationOfThisPidRegistersNoReporterAndHealthSaysWhy() {
        activate(props("transport_url", TestBroker.url(), "rpc_response_timeout", "soon"));
        assertEquals(List.of(), bundle.active(StateReporter.class));
        HealthCheck health = bundle.active(HealthCheck.class).get(0);
        assertEquals(Status.CRITICAL, health.check().status());
        assertTrue(health.check().message().contains("rpc_response_timeout='soon'"), health.check().message());
        assertEquals(1L, bundle.active(StatsProvider.class).get(0).counters().get("config_rejected"));
        configure(reporter, props("transport_url", TestBroker.url()));
        assertEquals(1, bundle.active(StateReporter.class).size(), "registered once the configuration is fixed");
        assertEquals(Status.OK, health.check().status());
        assertEquals(0L, bundle.active(StatsProvider.class).get(0).counters().get("config_rejected"));
    }

    @Test
    void deactivateUnregistersEverythingAndIsIdempotent() {
        activate(props("transport_url", TestBroker.url()));
        StateRpc c = reporter.client();
        reporter.deactivate();
        reporter.deactivate();
        assertTrue(bundle.all().stream().allMatch(r -> r.unregistered));
        assertEquals(4, bundle.all().size(), "stats, health, ManagedService, reporter");
        assertEquals(0, c.liveThreads());
        configure(reporter, props()); // after deactivation: ignored
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

    @Test
    void unknownKeysAreAWarningNamingThem() {
        try (LogCapture log = new LogCapture()) {
            activate(props("transport_url", TestBroker.url(), "ssl_ca_fle", "/etc/ca.pem", "service.pid", PID_OF_TEST));
            assertTrue(log.has("WARN", "oslo reporter: unknown configuration key 'ssl_ca_fle' in PID org.l3ha.reporter.oslo:"
                    + " ignored"), log.text());
            assertEquals(1, log.lines("unknown configuration key").size(), "keys with a dot are the framework's");
            configure(reporter, props("transport_url", TestBroker.url(), "kombu_ssl_ca_certs", "/etc/ca.pem"));
            assertTrue(log.has("WARN", "'kombu_ssl_ca_certs' is oslo.messaging's deprecated name of 'ssl_ca_file'"),
                    log.text());
        }
    }

    private static final String PID_OF_TEST = "org.l3ha.reporter.oslo";

    @Test
    void thePasswordIsNoDsPropertyAndOneGivenThroughDsIsNotUsed() {
        try (LogCapture log = new LogCapture()) {
            // what DS would pass if someone wrote transport_url into PID org.l3ha.agent: named, not used
            reporter = new OsloReporter(bundle.context, props("transport_url", "rabbit://n:S3cret@h/"), Clock.systemUTC(),
                    StateRpc.RPC_VERSION);
            assertEquals(List.of(), bundle.active(StateReporter.class));
            assertTrue(log.has("WARN", "key(s) 'transport_url' of PID org.l3ha.reporter.oslo found in PID org.l3ha.agent:"
                    + " not used there"), log.text());
            assertFalse(log.text().contains("S3cret"));
            // this PID's configuration comes through the ManagedService the component registered
            FakeBundleContext.Registration managed = bundle.only(ManagedService.class);
            assertEquals(PID_OF_TEST, managed.properties.get(Constants.SERVICE_PID));
            Hashtable<String, Object> own = new Hashtable<>(Map.of("transport_url", "rabbit://n:S3cret@h/"));
            reporter.updated(own);
            assertEquals(1, bundle.active(StateReporter.class).size());
            assertFalse(log.text().contains("S3cret"), "the password is in no log line");
            String health = bundle.active(HealthCheck.class).get(0).check().message();
            assertFalse(health.contains("S3cret"), health);
            assertTrue(health.contains("rabbit://n:***@h:5672/ in plaintext (ssl = false)"), health);
            reporter.updated(null); // the configuration was deleted
            assertEquals(List.of(), bundle.active(StateReporter.class));
        }
    }

    @Test
    void aRedactedPasswordWrittenBackIsRejectedSayingSo() {
        try (LogCapture log = new LogCapture()) {
            activate(props("transport_url", TestBroker.url()));
            StateRpc c = reporter.client();
            configure(reporter, props("transport_url", "rabbit://guest:***@127.0.0.1:5672/"));
            assertSame(c, reporter.client());
            assertEquals(1, log.lines("ERROR", "holds the redacted password '***'").size(), log.text());
            assertEquals(Status.WARN, bundle.active(HealthCheck.class).get(0).check().status());
        }
    }
}
