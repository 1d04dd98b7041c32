package org.l3ha.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.l3ha.common.testing.UdsClient;
import org.l3ha.itests.support.Journal;
import org.l3ha.itests.support.KarafAssembly;
import org.l3ha.itests.support.NeutronApi;
import org.l3ha.itests.support.NeutronServer;
import org.l3ha.itests.support.StepTimes;

/**
 * The built assembly with the neutron registry instead of the file registry, against Debian's real
 * neutron-server ({@link NeutronServer}): the router l3ha manages comes from neutron-server over the
 * L3 agent's RPC, a router added later arrives through neutron-server's notification, a state the
 * keepalived monitor posts reaches neutron-server's API as this host's {@code ha_state} (rpc_mode
 * call), and a deleted router leaves the registry. One server and one container for the class; each
 * step's time is printed, only generous bounds are asserted.
 */
class NeutronRegistryIT {
    static final String HOST = "node-a";
    static final Duration DEADLINE = Duration.ofSeconds(180);
    static final List<String> FEATURES = List.of("l3ha-endpoint", "l3ha-engine", "l3ha-notifier", "l3ha-registry-neutron",
            "l3ha-reporter-journal", "l3ha-reporter-oslo", "l3ha-health", "l3ha-shell");

    @TempDir
    Path work;

    @Test
    void routersComeFromNeutronServerAndTheirStatesGoBackIntoIt() throws Exception {
        StepTimes times = new StepTimes("NeutronRegistryIT");
        long t0 = times.start();
        try (NeutronServer peer = NeutronServer.up(work.resolve("peer"), HOST)) {
            times.done("neutron-server up, agents of " + HOST + " registered", t0);
            NeutronApi api = peer.api();
            String ext = api.createPublicNetwork();
            JsonNode net = api.createNetwork("tenant");
            JsonNode v4 = api.createSubnet(net.get("id").asText(), "10.10.0.0/24");
            long t1 = times.start();
            String router = api.createHaRouter("r1", ext).get("id").asText();
            api.addRouterInterface(router, v4.get("id").asText());
            times.done("HA router created, interface added", t1);

            Path state = work.resolve("s");
            Path routers = work.resolve("routers");
            Files.createDirectories(routers);
            try (KarafAssembly karaf = KarafAssembly.unpack(work.resolve("karaf"))) {
                karaf.configureAgent(state, HOST, routers);
                karaf.setAgent("ha_vrrp_advert_int", "1");
                karaf.setAgent("enable_metadata_proxy", "false");
                karaf.useNeutronServer(peer, "call");
                karaf.setConfig("org.l3ha.registry.neutron", "periodic_interval", "600"); // no drift check in the test
                karaf.replaceL3haBootFeature(FEATURES);
                long t2 = times.start();
                karaf.start();
                Path socket = state.resolve("keepalived-state-change");
                karaf.awaitFile(socket, DEADLINE);
                times.done("container up, socket listening", t2);

                // the start-up resync reports what the registry got from neutron-server
                Journal journal = new Journal(state.resolve("ha-states.jsonl"));
                karaf.await("router " + router + " from neutron-server in the journal", DEADLINE,
                        () -> journal.latest().containsKey(router), () -> "journal: " + journal.describe());
                times.done("router synced from neutron-server and resynced", t2);

                // the monitor says primary: neutron-server shows this host active
                long t3 = times.start();
                assertEquals(200, UdsClient.notify(socket, router, "primary").status());
                karaf.await("ha_state active for " + HOST + " in neutron-server's API", DEADLINE,
                        () -> "active".equals(api.haStates(router).get(HOST)), () -> states(api, router));
                times.done("primary posted -> API shows " + HOST + " active", t3);

                // a router created now arrives at once (routers_updated, or the lookup of an unknown id), not
                // at the next periodic check
                long t4 = times.start();
                String second = api.createHaRouter("r2", ext).get("id").asText();
                assertEquals(200, UdsClient.notify(socket, second, "backup").status());
                karaf.await("router " + second + " reported standby", DEADLINE,
                        () -> "standby".equals(journal.latest().get(second)), () -> "journal: " + journal.describe());
                times.done("second router created -> known and reported", t4);

                // deleted: router_deleted (fanout) takes it out of the registry
                long t5 = times.start();
                api.deleteRouter(second);
                karaf.await("the registry's removal of " + second + " in karaf.log", DEADLINE,
                        () -> karaf.logText().contains("routers removed by neutron-server's notifications"),
                        () -> karaf.tail(40));
                times.done("second router deleted -> removed from the registry", t5);

                String log = karaf.logText();
                assertFalse(log.contains("is not a registered L3 agent"), "host check failed: " + karaf.tail(60));
                assertTrue(log.contains("host 'node-a' is a registered L3 agent in neutron-server"), karaf.tail(60));
                karaf.stop(Duration.ofSeconds(60));
            }
        } finally {
            times.print();
        }
    }



    private static String states(NeutronApi api, String router) {
        try {
            return "ha_state per host: " + api.haStates(router);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
