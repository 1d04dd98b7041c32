package org.l3ha.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.itests.support.Journal;
import org.l3ha.itests.support.KarafAssembly;

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

    @TempDir
    Path work;

    KarafAssembly karaf;

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
        karaf = KarafAssembly.unpack(work.resolve("karaf"));
        assertEquals("/var/lib/neutron", karaf.config("org.l3ha.agent", "state_path").orElseThrow(), "shipped default");
        karaf.configureAgent(state, "e2e-node", routers);
        Path socket = state.resolve("keepalived-state-change");
        Journal journal = new Journal(state.resolve("ha-states.jsonl"));

        karaf.start();
        karaf.awaitFile(socket, Duration.ofSeconds(120));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(socket));
        // the boot stage installed the l3ha:* commands too (feature l3ha's conditional on shell),
        // from the assembly alone: Karaf's Maven resolution here has no local repository
        await("l3ha-shell installed").atMost(Duration.ofSeconds(30))
                .until(() -> Files.readString(karaf.log()).contains("mvn:org.l3ha/org.l3ha.shell/"));

        // start-up resync: routers with no state file are reported unknown (as Neutron does)
        await("start-up resync").atMost(Duration.ofSeconds(60)).until(() -> "unknown".equals(journal.last(R1)) && "unknown".equals(journal.last(R2)));

        assertEquals(200, Curl.notify(socket, R1, "backup").status());
        assertEquals(200, Curl.notify(socket, R2, "backup").status());
        await().atMost(Duration.ofSeconds(30)).until(() -> "standby".equals(journal.last(R1)) && "standby".equals(journal.last(R2)));

        // a flap inside ha_vrrp_advert_int (2 s) on R1 reaches nobody; a primary that stays on R2 is reported after 2 s
        assertEquals(200, Curl.notify(socket, R1, "primary").status());
        assertEquals(200, Curl.notify(socket, R1, "backup").status());
        Instant sent = Instant.now();
        assertEquals(200, Curl.notify(socket, R2, "primary").status());
        await().atMost(Duration.ofSeconds(30)).until(() -> "active".equals(journal.last(R2)));
        Journal.Line active = journal.lines().stream().filter(e -> "active".equals(e.states().get(R2))).findFirst().orElseThrow();
        assertTrue(Duration.between(sent, active.time()).toMillis() >= 1900,
                "primary debounced for ha_vrrp_advert_int: sent " + sent + ", reported " + active.time());

        // bad input: a clear 400, nothing reported
        Curl.Reply bad = Curl.notify(socket, R1, "unknown");
        assertEquals(400, bad.status());
        assertTrue(bad.body().startsWith("unknown state 'unknown'"), bad.body());
        assertEquals(400, Curl.notify(socket, "not-a-router", "primary").status());

        // legacy word from an old monitor
        assertEquals(200, Curl.notify(socket, R1, "master").status());
        await().atMost(Duration.ofSeconds(30)).until(() -> "active".equals(journal.last(R1)));

        assertEquals(List.of("unknown", "standby", "active"), Journal.collapse(journal.states(R1, 0)), "R1's flap never reached the journal");
        assertEquals(List.of("unknown", "standby", "active"), Journal.collapse(journal.states(R2, 0)));
        for (String line : Files.readAllLines(journal.file(), StandardCharsets.UTF_8)) {
            assertTrue(LINE.matcher(line).matches(), "journal line format: " + line);
        }
        assertEquals("primary", Files.readString(state.resolve("ha_confs").resolve(R1).resolve("state")));
        assertEquals("primary", Files.readString(state.resolve("ha_confs").resolve(R2).resolve("state")));

        // stop (SIGTERM): the socket goes away; start again: state files are read back and resynced
        karaf.stop(Duration.ofSeconds(60));
        assertFalse(Files.exists(socket), "socket removed on stop");
        int before = journal.size();
        karaf.start();
        karaf.awaitFile(socket, Duration.ofSeconds(120));
        await("resync after restart").atMost(Duration.ofSeconds(60))
                .until(() -> journal.firstReport(R1, "active", before) != null && journal.firstReport(R2, "active", before) != null);
        List<Journal.Line> lines = journal.lines();
        List<Journal.Line> after = lines.subList(before, lines.size());
        assertTrue(after.stream().noneMatch(e -> e.states().containsValue("unknown") || e.states().containsValue("standby")),
                "after a restart only the persisted states are reported: " + after);
        karaf.stop(Duration.ofSeconds(60));
    }
}
