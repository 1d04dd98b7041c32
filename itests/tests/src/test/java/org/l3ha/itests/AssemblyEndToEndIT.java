package org.l3ha.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The built assembly as a separate process, on scratch directories set the way the README tells
 * a tester to: notifications sent with curl as Neutron's monitor sends them end up translated,
 * debounced and in order in the journal, and survive a restart.
 */
class AssemblyEndToEndIT {
    static final String R1 = "0b2c6e3a-1111-2222-3333-444455556666";
    static final String R2 = "7d1f0000-aaaa-bbbb-cccc-000000000001";
    static final Pattern LINE = Pattern.compile(
            "\\{\"time\": \"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\", \"host\": \"e2e-node\", \"states\": \\{.*\\}\\}");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    KarafProcess karaf;

    record Entry(Instant time, Map<String, String> states) {
    }

    @AfterEach
    void cleanUp() {
        if (karaf != null) {
            karaf.close();
        }
    }

    @Test
    void curlNotificationsReachTheJournalDebouncedTranslatedAndInOrder() throws Exception {
        Path state = work.resolve("state");
        Path routers = work.resolve("routers");
        Files.createDirectories(routers);
        for (String id : List.of(R1, R2)) {
            Files.writeString(routers.resolve(id + ".json"), "{\"id\": \"" + id + "\", \"ha\": true, \"distributed\": false}");
        }
        karaf = KarafProcess.unpack(work.resolve("karaf"));
        assertEquals("/var/lib/neutron", karaf.config("org.l3ha.agent", "state_path").orElseThrow(), "shipped default");
        karaf.setConfig("org.l3ha.agent", "state_path", state.toString());
        karaf.setConfig("org.l3ha.agent", "host", "e2e-node");
        karaf.setConfig("org.l3ha.registry.file", "routers_dir", routers.toString());
        Path socket = state.resolve("keepalived-state-change");
        Path journal = state.resolve("ha-states.jsonl");

        karaf.start();
        awaitListening(socket);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(socket));
        // the boot stage installed the l3ha:* commands too (feature l3ha's conditional on shell),
        // from the assembly alone: Karaf's Maven resolution here has no local repository
        await("l3ha-shell installed").atMost(Duration.ofSeconds(30))
                .until(() -> Files.readString(karaf.log()).contains("mvn:org.l3ha/org.l3ha.shell/"));

        // start-up resync: routers with no state file are reported unknown (as Neutron does)
        await("start-up resync").atMost(Duration.ofSeconds(60)).until(() -> last(journal, R1).equals("unknown") && last(journal, R2).equals("unknown"));

        assertEquals(200, Curl.notify(socket, R1, "backup").status());
        assertEquals(200, Curl.notify(socket, R2, "backup").status());
        await().atMost(Duration.ofSeconds(30)).until(() -> last(journal, R1).equals("standby") && last(journal, R2).equals("standby"));

        // a flap inside ha_vrrp_advert_int (2 s) on R1 reaches nobody; a primary that stays on R2 is reported after 2 s
        assertEquals(200, Curl.notify(socket, R1, "primary").status());
        assertEquals(200, Curl.notify(socket, R1, "backup").status());
        Instant sent = Instant.now();
        assertEquals(200, Curl.notify(socket, R2, "primary").status());
        await().atMost(Duration.ofSeconds(30)).until(() -> last(journal, R2).equals("active"));
        Entry active = entries(journal).stream().filter(e -> "active".equals(e.states().get(R2))).findFirst().orElseThrow();
        assertTrue(Duration.between(sent, active.time()).toMillis() >= 1900,
                "primary debounced for ha_vrrp_advert_int: sent " + sent + ", reported " + active.time());

        // bad input: a clear 400, nothing reported
        Curl.Reply bad = Curl.notify(socket, R1, "unknown");
        assertEquals(400, bad.status());
        assertTrue(bad.body().startsWith("unknown state 'unknown'"), bad.body());
        assertEquals(400, Curl.notify(socket, "not-a-router", "primary").status());

        // legacy word from an old monitor
        assertEquals(200, Curl.notify(socket, R1, "master").status());
        await().atMost(Duration.ofSeconds(30)).until(() -> last(journal, R1).equals("active"));

        assertEquals(List.of("unknown", "standby", "active"), history(journal, R1), "R1's flap never reached the journal");
        assertEquals(List.of("unknown", "standby", "active"), history(journal, R2));
        for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
            assertTrue(LINE.matcher(line).matches(), "journal line format: " + line);
        }
        assertEquals("primary", Files.readString(state.resolve("ha_confs").resolve(R1).resolve("state")));
        assertEquals("primary", Files.readString(state.resolve("ha_confs").resolve(R2).resolve("state")));

        // stop (SIGTERM): the socket goes away; start again: state files are read back and resynced
        karaf.stop(Duration.ofSeconds(60));
        assertFalse(Files.exists(socket), "socket removed on stop");
        int before = Files.readAllLines(journal).size();
        karaf.start();
        awaitListening(socket);
        await("resync after restart").atMost(Duration.ofSeconds(60)).until(() -> {
            List<Entry> after = entries(journal).subList(before, entries(journal).size());
            return after.stream().anyMatch(e -> "active".equals(e.states().get(R1)))
                    && after.stream().anyMatch(e -> "active".equals(e.states().get(R2)));
        });
        List<Entry> after = entries(journal).subList(before, entries(journal).size());
        assertTrue(after.stream().noneMatch(e -> e.states().containsValue("unknown") || e.states().containsValue("standby")),
                "after a restart only the persisted states are reported: " + after);
        karaf.stop(Duration.ofSeconds(60));
    }

    private void awaitListening(Path socket) {
        await("socket " + socket).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .failFast("Karaf exited:\n" + karaf.tail(40), () -> !karaf.isAlive())
                .until(() -> Files.exists(socket));
    }

    static List<Entry> entries(Path journal) throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.exists(journal)) {
            return out;
        }
        for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
            JsonNode n = JSON.readTree(line);
            Map<String, String> states = new LinkedHashMap<>();
            n.get("states").properties().forEach(f -> states.put(f.getKey(), f.getValue().asText()));
            out.add(new Entry(Instant.parse(n.get("time").asText()), states));
        }
        return out;
    }

    /** @return the router's reported states in journal order, repeats collapsed */
    static List<String> history(Path journal, String id) throws IOException {
        List<String> h = new ArrayList<>();
        for (Entry e : entries(journal)) {
            String s = e.states().get(id);
            if (s != null && (h.isEmpty() || !h.get(h.size() - 1).equals(s))) {
                h.add(s);
            }
        }
        return h;
    }

    static String last(Path journal, String id) throws IOException {
        List<String> h = history(journal, id);
        return h.isEmpty() ? "" : h.get(h.size() - 1);
    }
}
