package org.l3ha.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.itests.support.KarafAssembly;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * From curl on the socket to neutron-server's RPC: the built assembly (a separate process) with
 * {@code transport_url} set in {@code etc/org.l3ha.reporter.oslo.cfg} and {@code host} in
 * {@code etc/org.l3ha.agent.cfg}, the machine's RabbitMQ, and a real oslo.messaging RPC server in
 * Python (Debian's python3-oslo.messaging) exposing {@code update_ha_routers_states} at version
 * 1.13 as neutron-server's L3 plugin does: a curl notification arrives there as that call with that
 * host, in call mode (the server's reply is the delivery confirmation).
 */
class OsloEndToEndIT {
    static final String ROUTER = "0e2e0001-1111-2222-3333-444455556666";
    static final String PYTHON = "/usr/bin/python3";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    KarafAssembly karaf;
    Process server;
    final String suffix = UUID.randomUUID().toString().substring(0, 8);
    final String exchange = "l3ha-e2e-" + suffix;
    final String topic = "q-l3-plugin-e2e-" + suffix;

    @AfterEach
    void cleanUp() throws Exception {
        if (karaf != null) {
            karaf.close();
        }
        if (server != null) {
            server.destroy();
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
        // the queues the Python server declared (not auto-deleted by oslo.messaging)
        for (String q : List.of(topic, topic + ".e2e")) {
            new ProcessBuilder("rabbitmqctl", "-q", "delete_queue", q).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aCurlNotificationArrivesAtAnOsloMessagingServerAsUpdateHaRoutersStates() throws Exception {
        Path record = work.resolve("calls.jsonl");
        Path out = work.resolve("server.out");
        Files.createFile(record);
        server = new ProcessBuilder(PYTHON, System.getProperty("l3ha.oslo.server"), "--url", "rabbit://guest:guest@127.0.0.1:5672/",
                "--exchange", exchange, "--topic", topic, "--server", "e2e", "--record", record.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        await("oslo.messaging server ready").atMost(Duration.ofSeconds(60))
                .failFast("the server exited", () -> !server.isAlive())
                .until(() -> Files.readString(out).contains("READY"));

        Path state = work.resolve("state");
        Path routers = work.resolve("routers");
        Files.createDirectories(routers);
        Files.writeString(routers.resolve(ROUTER + ".json"), "{\"id\": \"" + ROUTER + "\", \"ha\": true}");
        karaf = KarafAssembly.unpack(work.resolve("karaf"));
        karaf.configureAgent(state, "net-e2e-1", routers);
        karaf.setAgent("ha_vrrp_advert_int", "1");
        karaf.setAgent("enable_metadata_proxy", "false");
        karaf.setConfig("org.l3ha.reporter.oslo", "transport_url", "rabbit://guest:guest@127.0.0.1:5672/");
        karaf.setConfig("org.l3ha.reporter.oslo", "control_exchange", exchange);
        karaf.setConfig("org.l3ha.reporter.oslo", "topic", topic);
        karaf.setConfig("org.l3ha.reporter.oslo", "rpc_mode", "call");
        karaf.start();
        Path socket = state.resolve("keepalived-state-change");
        karaf.awaitFile(socket, Duration.ofSeconds(120));

        // the start-up resync reaches neutron-server first: no state file yet, so unknown
        await("start-up resync").atMost(Duration.ofSeconds(60)).until(() -> lastState(record).equals("unknown"));
        assertEquals(200, Curl.notify(socket, ROUTER, "backup").status());
        await("standby at the server").atMost(Duration.ofSeconds(60)).until(() -> lastState(record).equals("standby"));
        assertEquals(200, Curl.notify(socket, ROUTER, "primary").status());
        await("active at the server").atMost(Duration.ofSeconds(60)).until(() -> lastState(record).equals("active"));

        List<JsonNode> calls = calls(record);
        for (JsonNode call : calls) {
            assertEquals("net-e2e-1", call.get("host").asText(), "host as etc/org.l3ha.agent.cfg says: " + call);
            assertEquals(1, call.get("states").size(), call.toString());
            assertTrue(call.get("context").get("is_admin").asBoolean(), "an admin context, as Neutron's agent sends: " + call);
        }
        assertEquals(List.of("unknown", "standby", "active"), collapse(calls));
        karaf.stop(Duration.ofSeconds(60));
    }

    static List<JsonNode> calls(Path record) throws IOException {
        List<JsonNode> calls = new ArrayList<>();
        for (String line : Files.readAllLines(record, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                calls.add(JSON.readTree(line));
            }
        }
        return calls;
    }

    static String lastState(Path record) throws IOException {
        List<String> h = collapse(calls(record));
        return h.isEmpty() ? "" : h.get(h.size() - 1);
    }

    /** @return the router's states in call order, repeats collapsed */
    static List<String> collapse(List<JsonNode> calls) {
        List<String> h = new ArrayList<>();
        for (JsonNode c : calls) {
            JsonNode s = c.get("states").get(ROUTER);
            if (s != null && (h.isEmpty() || !h.get(h.size() - 1).equals(s.asText()))) {
                h.add(s.asText());
            }
        }
        return h;
    }
}
