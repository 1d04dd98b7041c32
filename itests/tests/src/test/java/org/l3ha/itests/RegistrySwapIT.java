package org.l3ha.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.l3ha.itests.support.Containers;
import org.l3ha.itests.support.Journal;
import org.l3ha.itests.support.KarafAssembly;
import org.l3ha.itests.support.NeutronApi;
import org.l3ha.itests.support.NeutronServer;
import org.l3ha.itests.support.StepTimes;

/**
 * The file registry and the neutron registry swapped both ways while monitors keep posting, in the
 * built assembly against Debian's real neutron-server: the routers are HA routers created through
 * neutron-server's API, and the file registry's documents are neutron-server's own
 * {@code sync_routers} dicts of them, so both registries describe the same routers. Three swaps under
 * load: README's way (install the new registry's feature, then uninstall the old one), back again,
 * and with a gap (the old registry's bundle stopped, notifications answered with no registry at all,
 * then the new one installed). Afterwards, for every router, the last state sent is the last state in
 * the journal, in its state file and in neutron-server's API for this host, the journal never went
 * back to an older state, and no router was taken for gone.
 */
class RegistrySwapIT {
    static final String HOST = "node-a";
    static final int ROUTERS = 8;
    static final int CLIENTS = 4;
    static final double RATE = 400;
    /** Notifications answered between two steps, so that each registry serves under load before the next step. */
    static final int BETWEEN_STEPS = 1_500;
    static final Duration DEADLINE = Duration.ofSeconds(180);
    static final Duration SHELL = Duration.ofSeconds(90);
    static final String FILE = "l3ha-registry-file";
    static final String NEUTRON = "l3ha-registry-neutron";
    static final List<String> FEATURES = List.of("l3ha-endpoint", "l3ha-engine", "l3ha-notifier", FILE,
            "l3ha-reporter-journal", "l3ha-reporter-oslo", "l3ha-health", "l3ha-shell");
    /** karaf.log's lines for each transition: left out of what a failure shows. */
    static final Pattern TRANSITION_LINES = Pattern.compile("\\| Transitions +\\|.* transitioned to ");
    static final Pattern FULL_SYNC = Pattern.compile("Full sync with neutron-server for host '" + HOST + "' done: (\\d+) routers");

    @TempDir
    Path work;

    @Test
    void swappingTheRegistryUnderLoadLosesNoTransition() throws Exception {
        StepTimes times = new StepTimes("RegistrySwapIT");
        long t0 = times.start();
        try (NeutronServer peer = NeutronServer.up(work.resolve("peer"), HOST)) {
            times.done("neutron-server up, agents of " + HOST + " registered", t0);
            NeutronApi api = peer.api();
            String ext = api.createPublicNetwork();
            long t1 = times.start();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < ROUTERS; i++) {
                ids.add(api.createHaRouter("swap-" + i, ext).get("id").asText());
            }
            times.done(ROUTERS + " HA routers created", t1);

            // the file registry's documents: what neutron-server sends this host's agent
            Path state = work.resolve("s");
            Path routers = work.resolve("routers");
            Files.createDirectories(routers);
            JsonNode dicts = peer.rpc().syncRouters(HOST, ids);
            assertEquals(ROUTERS, dicts.size(), "sync_routers for " + HOST + ": " + dicts);
            for (JsonNode d : dicts) {
                Files.writeString(routers.resolve(d.get("id").asText() + ".json"), d.toString());
            }
            // every router starts as backup, as after a restart of the node: its first "sent" state
            Containers.writeStateFiles(state, ids, "backup");

            try (KarafAssembly karaf = KarafAssembly.unpack(work.resolve("karaf"))) {
                karaf.configureAgent(state, HOST, routers);
                karaf.setAgent("ha_vrrp_advert_int", "1");
                karaf.setAgent("enable_metadata_proxy", "false");
                karaf.useNeutronServer(peer, "call");
                karaf.setConfig("org.l3ha.registry.neutron", "periodic_interval", "600"); // drift checks are not the subject
                karaf.replaceL3haBootFeature(FEATURES);
                karaf.addConsoleUser();
                long t2 = times.start();
                karaf.start();
                Path socket = state.resolve("keepalived-state-change");
                karaf.awaitFile(socket, DEADLINE);
                Journal journal = new Journal(state.resolve("ha-states.jsonl"));
                karaf.await("the start-up resync of every router in the journal", DEADLINE,
                        () -> journal.latest().keySet().containsAll(ids), () -> "journal: " + journal.describe());
                times.done("container up, routers from the file registry resynced", t2);
                int journalFrom = journal.size();

                Map<String, String> initial = new HashMap<>();
                ids.forEach(id -> initial.put(id, "backup"));
                Load load = new Load(socket, ids, initial, CLIENTS, RATE, 20261204L);
                load.start();
                try {
                    awaitAnswered(karaf, load, BETWEEN_STEPS);

                    // 1. README's way: the new registry's feature in, then the old one's out
                    long s1 = times.start();
                    int syncs = fullSyncs(karaf);
                    shell(karaf, "feature:install " + NEUTRON);
                    awaitFullSync(karaf, syncs);
                    shell(karaf, "feature:uninstall " + FILE);
                    times.done("swap: file -> neutron (install, full sync, uninstall)", s1);
                    awaitAnswered(karaf, load, BETWEEN_STEPS);

                    // 2. and back
                    long s2 = times.start();
                    shell(karaf, "feature:install " + FILE);
                    shell(karaf, "feature:uninstall " + NEUTRON);
                    times.done("swap: neutron -> file (install, uninstall)", s2);
                    awaitAnswered(karaf, load, BETWEEN_STEPS);

                    // 3. with a gap: no registry at all while notifications keep coming, then the other one
                    long s3 = times.start();
                    shell(karaf, "bundle:stop org.l3ha.registry.file");
                    awaitAnswered(karaf, load, BETWEEN_STEPS / 3);
                    syncs = fullSyncs(karaf);
                    shell(karaf, "feature:install " + NEUTRON);
                    awaitFullSync(karaf, syncs);
                    shell(karaf, "feature:uninstall " + FILE);
                    times.done("swap: file stopped, gap, neutron installed", s3);
                    awaitAnswered(karaf, load, BETWEEN_STEPS);
                } finally {
                    load.stop();
                }
                System.out.printf("RegistrySwapIT: load %d clients, %d routers, %d notifications answered in %.1f s = %.0f/s"
                        + " (%d attempts; retries %s)%n", CLIENTS, ROUTERS, load.successes(), load.duration().toMillis() / 1000.0,
                        load.achievedRate(), load.attempts(), load.retries());
                assertEquals(List.of(), load.errors(), "load generator errors");

                // settled: every router's last state sent is reported, persisted and in neutron-server
                Map<String, String> last = load.lastSent();
                long t3 = times.start();
                karaf.await("every router's last state sent in the journal", DEADLINE,
                        () -> mismatches(last, journal.latest()).isEmpty(), () -> "journal vs sent: " + mismatches(last, latest(journal)));
                karaf.await("every router's last state sent in neutron-server's API for " + HOST, DEADLINE,
                        () -> mismatches(last, apiStates(api, ids)).isEmpty(),
                        () -> "API vs sent: " + apiMismatches(last, api, ids));
                times.done("load stopped -> journal and API settled", t3);

                List<String> problems = new ArrayList<>();
                Map<String, List<String>> reported = Journal.histories(journal.lines(), journalFrom);
                for (String id : ids) {
                    List<String> sent = load.sent().get(id);
                    String file = Files.readString(state.resolve("ha_confs").resolve(id).resolve("state"));
                    if (!last.get(id).equals(file)) {
                        problems.add(id + ": last sent " + last.get(id) + ", state file " + file);
                    }
                    List<String> sentNames = Journal.collapse(sent.stream().map(Journal::serverName).collect(Collectors.toList()));
                    List<String> rep = Journal.collapse(reported.getOrDefault(id, List.of()));
                    if (!Journal.isSubsequence(rep, sentNames)) {
                        problems.add(id + ": reported " + rep + " is not a subsequence of sent " + sentNames);
                    }
                }
                Map<String, Long> stats = karaf.stats(SHELL);
                System.out.println("RegistrySwapIT: engine " + section(stats, "engine.") + "; registry " + section(stats, "registry."));
                assertEquals(List.of(), problems, "state files and order of reports");
                assertEquals(0L, stats.get("engine.routers_removed"), "no router was taken for gone by a swap: " + stats);
                assertEquals((long) ROUTERS, stats.get("registry.routers"), "the neutron registry serves every router: " + stats);
                assertTrue(fullSyncs(karaf) >= 2, "two full syncs, one per swap to the neutron registry: " + karaf.tail(40, TRANSITION_LINES));
                karaf.stop(Duration.ofSeconds(60));
            }
        } finally {
            times.print();
        }
    }

    private static void shell(KarafAssembly karaf, String command) throws IOException {
        String out = karaf.shell(command, SHELL);
        System.out.println("RegistrySwapIT: " + command + (out.isBlank() ? "" : " -> " + out.strip()));
        // bin/client's exit status does not say whether the command failed: its output does
        assertTrue(!out.contains("Error executing command") && !out.contains("Command not found"), command + ": " + out);
    }

    private static int fullSyncs(KarafAssembly karaf) throws IOException {
        Matcher m = FULL_SYNC.matcher(karaf.logText());
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static void awaitFullSync(KarafAssembly karaf, int before) {
        karaf.await("a full sync with neutron-server after the neutron registry started", DEADLINE,
                () -> fullSyncs(karaf) > before, () -> "full syncs so far: " + before + "; karaf.log without transitions:\n" + karaf.tail(40, TRANSITION_LINES));
    }

    private static void awaitAnswered(KarafAssembly karaf, Load load, int more) {
        long target = load.successes() + more;
        karaf.await(more + " more notifications answered", DEADLINE, () -> load.successes() >= target || !load.errors().isEmpty(),
                () -> "answered " + load.successes() + ", retries " + load.retries() + ", errors " + load.errors());
        assertEquals(List.of(), load.errors(), "load generator errors");
    }

    /** @return routers whose {@code seen} state (a server name) is not the server name of the last state sent */
    private static Map<String, String> mismatches(Map<String, String> lastSent, Map<String, String> seen) {
        Map<String, String> out = new TreeMap<>();
        lastSent.forEach((id, word) -> {
            String want = Journal.serverName(word);
            if (!want.equals(seen.get(id))) {
                out.put(id, "sent " + word + " (" + want + "), seen " + seen.get(id));
            }
        });
        return out;
    }

    private static Map<String, String> apiStates(NeutronApi api, List<String> ids) throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String id : ids) {
            String s = api.haStates(id).get(HOST);
            if (s != null) {
                out.put(id, s);
            }
        }
        return out;
    }

    private static String apiMismatches(Map<String, String> lastSent, NeutronApi api, List<String> ids) {
        try {
            return mismatches(lastSent, apiStates(api, ids)).toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static Map<String, String> latest(Journal journal) {
        try {
            return journal.latest();
        } catch (IOException e) {
            return Map.of("error", e.toString());
        }
    }

    private static String section(Map<String, Long> stats, String prefix) {
        return stats.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                .map(e -> e.getKey().substring(prefix.length()) + "=" + e.getValue()).collect(Collectors.joining(", "));
    }


}
