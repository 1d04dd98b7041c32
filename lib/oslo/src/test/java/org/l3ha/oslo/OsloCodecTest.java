package org.l3ha.oslo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.l3ha.oslo.testing.OsloMessages;

/**
 * l3ha's encoder against messages that Debian's python3-oslo.messaging 14.0.3 published
 * ({@code oslo/captured-oslo-14.0.3.json}) and against an example cast in the format of {@code docs/behaviour.md} §6.3
 * ({@code oslo/cast-example.json}): same structure after decoding, not same bytes.
 */
class OsloCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode captured;
    private static final Map<String, String> STATES = new LinkedHashMap<>();

    static {
        STATES.put("0b2c6e3a-1111-2222-3333-444455556666", "active");
        STATES.put("7d1f0000-aaaa-bbbb-cccc-000000000001", "standby");
    }

    private final OsloCodec codec = new OsloCodec();

    @BeforeAll
    static void load() throws IOException {
        captured = resource("captured-oslo-14.0.3.json");
    }

    static JsonNode resource(String name) throws IOException {
        try (InputStream in = OsloCodecTest.class.getResourceAsStream("/oslo/" + name)) {
            return JSON.readTree(in);
        }
    }

    private ObjectNode capturedInner(String which) throws IOException {
        return codec.decode(captured.get(which).get("body").asText().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void castHasTheStructureOsloMessagingSends() throws IOException {
        ObjectNode theirs = capturedInner("cast");
        ObjectNode ours = codec.decode(codec.envelope(haStates(codec, "1.5", "net-1", STATES, null)));
        OsloMessages.assertSameStructure(theirs, ours);
        assertFalse(ours.has("_msg_id"));
        assertFalse(ours.has("_reply_q"));
        assertFalse(ours.has("_timeout"));
    }

    @Test
    void callHasTheStructureOsloMessagingSends() throws IOException {
        ObjectNode theirs = capturedInner("call");
        ObjectNode ours = codec.decode(codec.envelope(haStates(codec, "1.5", "net-1", STATES,
                new OsloCodec.CallIds(codec.newHexId(), "reply_" + codec.newHexId()))));
        OsloMessages.assertSameStructure(theirs, ours);
        assertTrue(ours.get("_msg_id").asText().matches("[0-9a-f]{32}"));
        assertTrue(ours.get("_reply_q").asText().matches("reply_[0-9a-f]{32}"));
        assertTrue(ours.get("_timeout").isNull());
    }

    @Test
    void everyKeyOfTheNeutronMdExampleIsThereWithTheSameType() throws IOException {
        JsonNode example = resource("cast-example.json");
        ObjectNode theirs = codec.decode(JSON.writeValueAsBytes(example));
        ObjectNode ours = codec.decode(codec.envelope(haStates(codec, "1.5", "net-1", STATES, null)));
        for (Iterator<String> it = theirs.fieldNames(); it.hasNext();) {
            String k = it.next();
            assertTrue(ours.has(k), k);
            assertEquals(theirs.get(k).getNodeType(), ours.get(k).getNodeType(), k);
        }
        assertEquals(theirs.get("args"), ours.get("args"));
        assertTrue(ours.get("_context_roles").toString().contains("\"admin\""));
    }

    @Test
    void envelopeIsTwoKeysWithTheInnerMessageAsAString() throws IOException {
        byte[] body = codec.envelope(haStates(codec, "1.5", "h", Map.of("r", "active"), null));
        JsonNode outer = JSON.readTree(body);
        assertEquals(List.of("oslo.version", "oslo.message"), OsloMessages.keys(outer));
        assertEquals("2.0", outer.get("oslo.version").asText());
        assertTrue(outer.get("oslo.message").isTextual());
        // the captured envelope has the same outer shape
        JsonNode theirs = JSON.readTree(captured.get("cast").get("body").asText());
        assertEquals(OsloMessages.keys(theirs), OsloMessages.keys(outer));
    }

    @Test
    void contextTimestampAndIdsComeFromTheInjectedSources() throws IOException {
        List<UUID> ids = new ArrayList<>(List.of(UUID.fromString("9f2c0000-0000-4000-8000-000000000001"),
                UUID.fromString("5a0c1e00-0000-4000-8000-000000000002")));
        Clock clock = Clock.fixed(Instant.parse("2026-08-07T16:35:51.123456Z"), ZoneOffset.UTC);
        OsloCodec fixed = new OsloCodec(clock, () -> ids.remove(0));
        ObjectNode m = haStates(fixed, "1.5", "net-1", STATES, null);
        assertEquals("9f2c000000004000800000000000000" + "1", m.get("_unique_id").asText());
        assertEquals("req-5a0c1e00-0000-4000-8000-000000000002", m.get("_context_request_id").asText());
        assertEquals("2026-08-07 16:35:51.123456", m.get("_context_timestamp").asText());
        OsloCodec whole = new OsloCodec(Clock.fixed(Instant.parse("2026-08-07T16:35:51Z"), ZoneOffset.UTC),
                UUID::randomUUID);
        assertEquals("2026-08-07 16:35:51.000000", whole.adminContext().get("timestamp").asText());
    }

    @Test
    void everyMessageGetsFreshIds() {
        ObjectNode a = haStates(codec, "1.5", "h", STATES, null);
        ObjectNode b = haStates(codec, "1.5", "h", STATES, null);
        assertNotEquals(a.get("_unique_id"), b.get("_unique_id"));
        assertNotEquals(a.get("_context_request_id"), b.get("_context_request_id"));
    }

    @Test
    void nonAsciiSurvivesTheRoundTrip() throws IOException {
        ObjectNode m = codec.decode(codec.envelope(haStates(codec, "1.5", "nœud-ü\"\\", Map.of("r", "active"), null)));
        assertEquals("nœud-ü\"\\", m.get("args").get("host").asText());
    }

    @Test
    void decodesTheCapturedSuccessReply() throws IOException {
        OsloCodec.Reply r = codec.reply(capturedInner("reply"));
        assertEquals("00000000000000000000000000000001", r.msgId());
        assertTrue(r.ending());
        assertNull(r.failure());
        assertTrue(r.result().isNull());
        assertEquals("", captured.get("reply").get("exchange").asText());
    }

    @Test
    void decodesTheCapturedFailureReply() throws IOException {
        OsloCodec.Reply r = codec.reply(capturedInner("failure"));
        assertEquals("00000000000000000000000000000002", r.msgId());
        assertTrue(r.ending());
        assertEquals("UnsupportedVersion", r.failure().className());
        assertEquals("oslo_messaging.rpc.dispatcher", r.failure().module());
        assertEquals("Endpoint does not support RPC version 2.0. Attempted method: update_ha_routers_states",
                r.failure().message());
        assertEquals("oslo_messaging.rpc.dispatcher.UnsupportedVersion: Endpoint does not support RPC version 2.0."
                + " Attempted method: update_ha_routers_states", r.failure().toString());
    }

    @Test
    void aCallMonitorHeartbeatIsNotTheEnd() throws IOException {
        byte[] body = envelopeOf("{\"result\": null, \"failure\": null, \"ending\": false, \"_msg_id\": \"ab\","
                + " \"_unique_id\": \"cd\"}");
        OsloCodec.Reply r = codec.reply(codec.decode(body));
        assertFalse(r.ending());
        assertNull(r.failure());
        assertEquals("ab", r.msgId());
    }

    @Test
    void anUnparseableFailureIsStillAFailure() throws IOException {
        OsloCodec.Reply r = codec.reply(codec.decode(envelopeOf(
                "{\"result\": null, \"failure\": \"not json\", \"ending\": true, \"_msg_id\": \"ab\"}")));
        assertEquals("not json", r.failure().message());
    }

    @Test
    void decodeAcceptsAMessageWithoutEnvelopeAndRejectsOtherVersionsAndJunk() throws IOException {
        assertEquals("x", codec.decode("{\"method\": \"x\"}".getBytes(StandardCharsets.UTF_8)).get("method").asText());
        assertThrows(IOException.class, () -> codec.decode(
                "{\"oslo.version\": \"3.0\", \"oslo.message\": \"{}\"}".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> codec.decode("[1]".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> codec.decode("{".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> codec.decode(
                "{\"oslo.version\": \"2.0\", \"oslo.message\": \"[]\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void propertiesAreTheOnesOsloMessagingSets() {
        for (String which : List.of("cast", "call")) {
            JsonNode theirs = captured.get(which).get("properties");
            AMQP.BasicProperties ours = OsloClient.properties(theirs.has("expiration")
                    ? theirs.get("expiration").asText() : null);
            assertEquals(theirs.get("content_type").asText(), ours.getContentType());
            assertEquals(theirs.get("content_encoding").asText(), ours.getContentEncoding());
            assertEquals(theirs.get("delivery_mode").asInt(), ours.getDeliveryMode());
            assertEquals(theirs.get("priority").asInt(), ours.getPriority());
            assertEquals(0, theirs.get("application_headers").size());
            assertTrue(ours.getHeaders().isEmpty());
            assertEquals(theirs.path("expiration").asText(null), ours.getExpiration());
        }
        assertEquals("10000", captured.get("call").get("properties").get("expiration").asText());
    }

    private static byte[] envelopeOf(String inner) throws IOException {
        ObjectNode env = JSON.createObjectNode();
        env.put("oslo.version", "2.0");
        env.put("oslo.message", inner);
        return JSON.writeValueAsBytes(env);
    }

    /** The request Neutron's L3 agent sends to report HA states. */
    private static ObjectNode haStates(OsloCodec codec, String version, String host, Map<String, String> states,
            OsloCodec.CallIds call) {
        ObjectNode args = codec.mapper().createObjectNode();
        args.put("host", host);
        ObjectNode st = args.putObject("states");
        states.forEach(st::put);
        return codec.request("update_ha_routers_states", version, args, call);
    }
}
