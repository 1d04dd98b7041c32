package org.l3ha.reporter.oslo.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Delivery;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.l3ha.oslo.OsloCodec;
import org.l3ha.oslo.OsloSettings;
import org.l3ha.oslo.RpcException.Kind;
import org.l3ha.oslo.RpcException;
import org.l3ha.oslo.testing.OsloMessages;
import org.l3ha.oslo.testing.OsloServerProcess;
import org.l3ha.oslo.testing.TestBroker;

/**
 * The other direction: what the real oslo.messaging client publishes when Neutron's agent reports
 * ({@code oslo/oslo_rpc_client.py}) and what l3ha publishes, both taken from a queue the test binds
 * to the exchange, decode to the same method, version, arguments and context keys, with the same
 * AMQP properties, exchange and routing key. Compared as decoded JSON, never as bytes.
 */
class PythonClientInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATES_JSON = "{\"0b2c6e3a-1111-2222-3333-444455556666\": \"active\","
            + " \"7d1f0000-aaaa-bbbb-cccc-000000000001\": \"standby\"}";

    @TempDir
    Path dir;
    private TestBroker broker;
    private Channel channel;
    private String exchange;
    private String topic;
    private String capture;
    /** Consumed as they arrive: a call's messages expire after its timeout. */
    private final BlockingQueue<Delivery> captured = new LinkedBlockingQueue<>();
    private final OsloCodec codec = new OsloCodec();

    @BeforeEach
    void setUp() throws Exception {
        broker = new TestBroker();
        exchange = broker.exchange(TestBroker.unique("l3ha-test"));
        topic = TestBroker.unique("q-l3-plugin");
        channel = broker.channel();
        channel.exchangeDeclare(exchange, "topic", false, false, null);
        capture = channel.queueDeclare("", false, true, true, null).getQueue();
        channel.queueBind(capture, exchange, topic);
        channel.basicConsume(capture, true, (tag, delivery) -> captured.add(delivery), tag -> { });
    }

    @AfterEach
    void tearDown() throws Exception {
        broker.close();
    }

    private void runPythonClient(String mode, int timeoutSeconds) throws Exception {
        Path out = dir.resolve("client-" + mode + ".out");
        Process p = new ProcessBuilder(OsloServerProcess.PYTHON,
                OsloServerProcess.script("oslo_rpc_client.py").toString(), "--url", TestBroker.url(), "--exchange",
                exchange, "--topic", topic, "--host", "net-1", "--states", STATES_JSON, "--mode", mode, "--timeout",
                String.valueOf(timeoutSeconds))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "oslo_rpc_client.py did not finish");
            assertEquals(0, p.exitValue(), Files.readString(out));
            assertTrue(Files.readString(out).contains("SENT"), Files.readString(out));
        } finally {
            p.destroyForcibly();
        }
    }

    private StateRpc l3haClient(String mode, String timeout) {
        OsloSettings settings = OsloSettings.parse(OsloReporterTest.props("host", "net-1", "transport_url",
                TestBroker.url(), "control_exchange", exchange, "topic", topic, "rpc_mode", mode,
                "rpc_response_timeout", timeout));
        StateRpc client = new StateRpc(settings, StateRpc.RPC_VERSION, codec, new ReporterStats(
                java.time.Clock.systemUTC()));
        broker.queue(client.replyQueue());
        return client;
    }

    private static Map<String, String> states() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        JSON.readTree(STATES_JSON).properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    private Delivery next() throws InterruptedException {
        Delivery d = captured.poll(20, TimeUnit.SECONDS);
        assertNotNull(d, "no message on the capture queue");
        return d;
    }

    private void assertSameMessage(Delivery theirs, Delivery ours) throws Exception {
        assertEquals(theirs.getEnvelope().getExchange(), ours.getEnvelope().getExchange());
        assertEquals(theirs.getEnvelope().getRoutingKey(), ours.getEnvelope().getRoutingKey());
        assertEquals(exchange, ours.getEnvelope().getExchange());
        assertEquals(topic, ours.getEnvelope().getRoutingKey());
        assertEquals(theirs.getProperties().getContentType(), ours.getProperties().getContentType());
        assertEquals(theirs.getProperties().getContentEncoding(), ours.getProperties().getContentEncoding());
        assertEquals(theirs.getProperties().getDeliveryMode(), ours.getProperties().getDeliveryMode());
        assertEquals(theirs.getProperties().getPriority(), ours.getProperties().getPriority());
        assertEquals(theirs.getProperties().getExpiration(), ours.getProperties().getExpiration());
        assertEquals(theirs.getProperties().getHeaders(), ours.getProperties().getHeaders());
        // both are 2.0 envelopes whose oslo.message is a JSON string
        assertEquals(OsloMessages.keys(JSON.readTree(theirs.getBody())), OsloMessages.keys(JSON.readTree(ours.getBody())));
        ObjectNode a = codec.decode(theirs.getBody());
        ObjectNode b = codec.decode(ours.getBody());
        OsloMessages.assertSameStructure(a, b);
        assertEquals("net-1", b.get("args").get("host").asText());
        assertEquals(JSON.readTree(STATES_JSON), b.get("args").get("states"));
    }

    @Test
    void castDecodesLikeOslosCast() throws Exception {
        runPythonClient("cast", 2);
        try (StateRpc ours = l3haClient("cast", "10")) {
            ours.updateHaRoutersStates("net-1", states());
        }
        Delivery theirs = next();
        Delivery mine = next();
        assertSameMessage(theirs, mine);
        assertEquals(null, mine.getProperties().getExpiration());
        String body = new String(mine.getBody(), StandardCharsets.UTF_8);
        assertTrue(body.startsWith("{\"oslo.version\":\"2.0\",\"oslo.message\":\"{"), body);
    }

    @Test
    void callDecodesLikeOslosCall() throws Exception {
        runPythonClient("call", 2); // nobody answers: it times out after 2 s, as ours does below
        try (StateRpc ours = l3haClient("call", "2")) {
            RpcException e = assertThrows(RpcException.class, () -> ours.updateHaRoutersStates("net-1", states()));
            assertEquals(Kind.TIMEOUT, e.kind());
        }
        Delivery theirs = next();
        Delivery mine = next();
        assertSameMessage(theirs, mine);
        assertEquals("2000", mine.getProperties().getExpiration());
        ObjectNode inner = codec.decode(mine.getBody());
        assertTrue(inner.get("_reply_q").asText().matches("reply_[0-9a-f]{32}"));
    }
}
