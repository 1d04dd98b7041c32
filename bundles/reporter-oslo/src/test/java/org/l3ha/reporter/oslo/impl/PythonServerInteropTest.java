package org.l3ha.reporter.oslo.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.HealthResult.Status;
import org.l3ha.api.StateReporter;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.testing.LogCapture;
import org.l3ha.oslo.RpcException.Kind;
import org.l3ha.oslo.RpcException;
import org.l3ha.oslo.testing.OsloServerProcess;
import org.l3ha.oslo.testing.TestBroker;

/**
 * l3ha's reporter (the DS component, with a fake bundle context) against a real oslo.messaging RPC
 * server ({@code oslo/oslo_rpc_server.py} on Debian's python3-oslo.messaging) on the machine's
 * RabbitMQ. Every test uses its own exchange and topic.
 */
class PythonServerInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The context keys the brief requires; the server records what it received. */
    private static final List<String> CONTEXT_KEYS = List.of("user_id", "project_id", "tenant_id", "is_admin",
            "roles", "request_id", "global_request_id", "timestamp", "auth_token", "user_name", "project_name");

    @TempDir
    Path dir;
    private TestBroker broker;
    private String exchange;
    private String topic;
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        broker = new TestBroker();
        exchange = TestBroker.unique("l3ha-test");
        topic = TestBroker.unique("q-l3-plugin");
        broker.oslo(exchange, topic, OsloServerProcess.SERVER_NAME);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
        broker.close();
    }

    private OsloServerProcess startServer() throws Exception {
        OsloServerProcess server = OsloServerProcess.start(dir, TestBroker.url(), exchange, topic);
        cleanup.add(server);
        return server;
    }

    /** The component activated with this test's exchange and topic; deactivated after the test. */
    private Activated reporter(String rpcVersion, Object... kv) {
        Map<String, Object> props = OsloReporterTest.props("host", "net-7.example", "transport_url", TestBroker.url(),
                "control_exchange", exchange, "topic", topic);
        for (int i = 0; i < kv.length; i += 2) {
            props.put((String) kv[i], kv[i + 1]);
        }
        FakeBundleContext bundle = new FakeBundleContext();
        OsloReporter component = OsloReporterTest.activate(bundle, props, rpcVersion);
        broker.queue(component.client().replyQueue());
        cleanup.add(component::deactivate);
        return new Activated(component, bundle, props);
    }

    private record Activated(OsloReporter component, FakeBundleContext bundle, Map<String, Object> props) {
        StateReporter reporter() {
            return bundle.active(StateReporter.class).get(0);
        }

        Map<String, Long> counters() {
            return bundle.active(StatsProvider.class).get(0).counters();
        }
    }

    private static Map<String, String> states(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static void assertRecord(JsonNode record, String host, Map<String, String> states) {
        assertEquals(host, record.get("host").asText());
        assertEquals(JSON.valueToTree(states), record.get("states"));
        List<String> keys = new ArrayList<>();
        record.get("context_keys").forEach(k -> keys.add(k.asText()));
        assertTrue(keys.containsAll(CONTEXT_KEYS), "context keys " + keys);
        JsonNode context = record.get("context");
        assertTrue(context.get("is_admin").asBoolean());
        assertTrue(context.get("roles").toString().contains("\"admin\""));
        assertTrue(context.get("request_id").asText().startsWith("req-"));
        assertTrue(context.get("auth_token").isNull());
    }

    @Test
    void callAndCastDeliverHostAndStatesExactly() throws Exception {
        OsloServerProcess server = startServer();
        Activated a = reporter(StateRpc.RPC_VERSION, "rpc_response_timeout", "20");
        Map<String, String> first = states("0b2c6e3a-1111-2222-3333-444455556666", "active",
                "7d1f0000-aaaa-bbbb-cccc-000000000001", "standby", "4c1e2f3a-0000-4000-8000-00000000000a", "unknown");

        a.reporter().report(first); // call: returns once neutron-server (here: oslo) has answered
        List<JsonNode> records = server.records();
        assertEquals(1, records.size(), "a call returns after the server has run the method");
        assertRecord(records.get(0), "net-7.example", first);

        Map<String, Object> cast = new LinkedHashMap<>(a.props());
        cast.put("rpc_mode", "cast");
        OsloReporterTest.configure(a.component(), cast);
        Map<String, String> second = states("0b2c6e3a-1111-2222-3333-444455556666", "standby");
        a.reporter().report(second); // cast: returns once the broker has confirmed it
        await().atMost(Duration.ofSeconds(20)).until(() -> server.records().size() == 2);
        assertRecord(server.records().get(1), "net-7.example", second);

        Map<String, Long> counters = a.counters();
        assertEquals(2L, counters.get("batches_delivered"));
        assertEquals(4L, counters.get("states_delivered"));
        assertEquals(0L, counters.get("failures"));
        assertEquals(Status.OK, a.bundle().active(HealthCheck.class).get(0).check().status());
    }

    @Test
    void aVersionTheServerDoesNotSupportFailsWithTheRemoteError() throws Exception {
        OsloServerProcess server = startServer();
        Activated a = reporter("2.0", "rpc_response_timeout", "20");
        RpcException e = assertThrows(RpcException.class,
                () -> a.reporter().report(states("0b2c6e3a-1111-2222-3333-444455556666", "active")));
        assertEquals(Kind.REMOTE, e.kind());
        assertTrue(e.getMessage().contains("oslo_messaging.rpc.dispatcher.UnsupportedVersion: Endpoint does not support"
                + " RPC version 2.0. Attempted method: update_ha_routers_states"), e.getMessage());
        assertEquals(List.of(), server.records(), "the endpoint was not called");
        assertEquals(1L, a.counters().get("failures_remote_error"));
        assertEquals(Status.WARN, a.bundle().active(HealthCheck.class).get(0).check().status());
    }

    @Test
    void anExceptionInTheServerIsARemoteErrorWithItsClassAndMessage() throws Exception {
        OsloServerProcess server = startServer();
        Activated a = reporter(StateRpc.RPC_VERSION, "host", "l3ha-raise", "rpc_response_timeout", "20");
        RpcException e = assertThrows(RpcException.class, () -> a.reporter().report(states("r-1", "active")));
        assertEquals(Kind.REMOTE, e.kind());
        assertTrue(e.getMessage().endsWith("builtins.ValueError: l3ha test failure for 1 routers"), e.getMessage());
        assertEquals(1, server.records().size());
    }

    @Test
    void withoutServerCallTimesOutAndCastIsUnroutableThenBothDeliverOnceItRuns() throws Exception {
        Activated call = reporter(StateRpc.RPC_VERSION, "rpc_response_timeout", "1.5");
        Activated cast = reporter(StateRpc.RPC_VERSION, "rpc_mode", "cast", "rpc_response_timeout", "5");
        Map<String, String> s1 = states("0b2c6e3a-1111-2222-3333-444455556666", "active");
        Map<String, String> s2 = states("7d1f0000-aaaa-bbbb-cccc-000000000001", "standby");

        RpcException timeout = assertThrows(RpcException.class, () -> call.reporter().report(s1));
        assertEquals(Kind.TIMEOUT, timeout.kind());
        assertTrue(timeout.getMessage().startsWith("no reply from neutron-server to update_ha_routers_states within 1500 ms"), timeout.getMessage());
        RpcException unroutable = assertThrows(RpcException.class, () -> cast.reporter().report(s2));
        assertEquals(Kind.UNROUTABLE, unroutable.kind());
        assertTrue(unroutable.getMessage().contains("312 NO_ROUTE"), unroutable.getMessage());
        assertEquals(1L, call.counters().get("failures_timeout"));
        assertEquals(1L, cast.counters().get("failures_unroutable"));

        OsloServerProcess server = startServer();
        call.reporter().report(s1); // the retry the notifier would make
        cast.reporter().report(s2);
        await().atMost(Duration.ofSeconds(20)).until(() -> server.records().size() == 2);
        List<JsonNode> records = server.records();
        assertRecord(records.get(0), "net-7.example", s1);
        assertRecord(records.get(1), "net-7.example", s2);
        assertEquals(1L, call.counters().get("batches_delivered"));
        assertEquals(1L, cast.counters().get("batches_delivered"));
    }

    @Test
    void aHostThatIsNotARegisteredL3AgentIsHeldWithAnErrorNamingItUntilHostIsRight() throws Exception {
        OsloServerProcess server = startServer();
        Activated a = reporter(StateRpc.RPC_VERSION, "host", "unregistered-node", "rpc_mode", "cast",
                "rpc_response_timeout", "20");
        Map<String, String> s1 = states("0b2c6e3a-1111-2222-3333-444455556666", "active");
        try (LogCapture log = new LogCapture()) {
            RpcException e = assertThrows(RpcException.class, () -> a.reporter().report(s1));
            assertEquals(Kind.REMOTE, e.kind());
            assertEquals(Optional.of(StateRpc.AGENT_NOT_FOUND), e.remoteClass());
            assertTrue(e.getMessage().startsWith("host 'unregistered-node' is not a registered L3 agent"), e.getMessage());
            assertThrows(RpcException.class, () -> a.reporter().report(s1)); // the notifier's retry: held again
            assertEquals(1, log.lines("ERROR", "host 'unregistered-node' is not a registered L3 agent").size(),
                    log.text());
        }
        assertEquals(List.of(), server.records(), "a report from an unregistered host reached neutron-server");
        assertEquals(1L, a.counters().get("host_not_registered"));
        assertEquals(2L, a.counters().get("failures_remote_error"));
        HealthResult health = a.bundle().active(HealthCheck.class).get(0).check();
        assertEquals(Status.CRITICAL, health.status());
        assertTrue(health.message().contains("'unregistered-node'"), health.message());

        Map<String, Object> fixed = new LinkedHashMap<>(a.props());
        fixed.put("host", "net-7.example");
        OsloReporterTest.configure(a.component(), fixed);
        a.reporter().report(s1);
        await().atMost(Duration.ofSeconds(20)).until(() -> server.records().size() == 1);
        assertRecord(server.records().get(0), "net-7.example", s1);
        assertEquals(0L, a.counters().get("host_not_registered"));
    }
}
