package org.l3ha.registry.neutron.impl;

import org.l3ha.common.testing.ManualScheduler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;

import org.l3ha.api.HealthResult;
import org.l3ha.common.testing.LogCapture;

/** neutron-server or the broker failing, this host not registered, router dicts that cannot be read. */
class FaultsTest {

    static final NeutronRpcException REFUSED = new NeutronRpcException(NeutronRpcException.Kind.CONNECTION,
            "[Errno 111] Connection refused (amqp://127.0.0.1:5672)");

    static List<Double> times(FakeL3PluginRpc rpc, String method) {
        return rpc.calls(method).stream().map(FakeL3PluginRpc.Call::at).toList();
    }

    @Test
    void brokerDownAtStartIsRetriedWithBackoffAndTheRoutersAppearWhenItIsUp() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 3).failAll(REFUSED);
        try (LogCapture log = new LogCapture()) {
            f.started();
            HealthResult h = f.registry.check();
            assertEquals(HealthResult.Status.WARN, h.status());
            assertTrue(h.message().startsWith("neutron-server unreachable (get_router_ids): [Errno 111] Connection refused "
                    + "(amqp://127.0.0.1:5672), last good sync never, 0 routers kept; retrying in 1 s"), h.message());

            f.scheduler.advance(Duration.ofSeconds(31));
            assertEquals(List.of(0.0, 1.0, 3.0, 7.0, 15.0, 31.0), times(f.rpc, "get_router_ids"), "1 s doubling");
            assertEquals(List.of(), f.told());
            assertEquals(6, f.counter("failures_connection"));

            f.rpc.failAll(null);
            f.scheduler.advance(Duration.ofSeconds(32));
            assertEquals(Fixture.ids(1, 3), f.ids());
            assertEquals(Fixture.ids(1, 3), f.toldIds());
            assertEquals(63.0, times(f.rpc, "get_router_ids").get(6));
            h = f.registry.check();
            assertEquals(HealthResult.Status.OK, h.status(), h.message());

            assertEquals(1, log.lines("WARN", "neutron-server unreachable (get_router_ids)", "Connection refused",
                    "keeping 0 routers from the last good sync (never)").size(), "one WARN for the whole outage:\n" + log.text());
            assertEquals(1, log.lines("INFO", "neutron-server answers again", "after 6 failed attempt(s)").size(), log.text());
        }
    }

    @Test
    void theBackoffIsCappedAt60Seconds() {
        Fixture f = new Fixture(NeutronSettings.DEFAULT.withPeriodicInterval(Duration.ofHours(1)));
        f.rpc.failAll(REFUSED);
        f.started();
        f.scheduler.advance(Duration.ofSeconds(250));
        assertEquals(List.of(0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0, 123.0, 183.0, 243.0), times(f.rpc, "get_router_ids"));
    }

    @Test
    void aFailureLaterKeepsTheLastGoodRoutersAndHealthSaysWhy() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 3);
        f.started();
        f.told();
        f.rpc.failAll(REFUSED);

        f.notify("routers_updated", "{\"routers\": [\"" + Dicts.id(1) + "\"]}");
        f.scheduler.advance(Duration.ofSeconds(45));
        assertEquals(Fixture.ids(1, 3), f.ids(), "never emptied by a failure");
        assertEquals(List.of(), f.told());
        HealthResult h = f.registry.check();
        assertEquals(HealthResult.Status.WARN, h.status());
        assertTrue(h.message().startsWith("neutron-server unreachable ("), h.message());
        assertTrue(h.message().contains("Connection refused"), h.message());
        assertTrue(h.message().contains(", last good sync 2025-11-24T16:16:40Z, 3 routers kept; retrying in "), h.message());
        assertTrue(f.registry.find(Dicts.id(2)).isPresent());

        f.rpc.failAll(null);
        f.scheduler.advance(Duration.ofSeconds(60));
        assertEquals(HealthResult.Status.OK, f.registry.check().status(), f.registry.check().message());
        assertTrue(f.rpc.calls("sync_routers").stream().anyMatch(c -> c.ids().equals(List.of(Dicts.id(1)))),
                "the notification's fetch is done once neutron-server answers");
    }

    @Test
    void aRemoteErrorNamesItsClass() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 1).failAll(NeutronRpcException.remote("oslo_db.exception.DBConnectionError",
                "(pymysql.err.OperationalError) (2003, \"Can't connect to MySQL server\")\nTraceback ..."));
        f.started();
        HealthResult h = f.registry.check();
        assertEquals(HealthResult.Status.WARN, h.status());
        assertTrue(h.message().startsWith("neutron-server raised oslo_db.exception.DBConnectionError in get_router_ids: "
                + "(pymysql.err.OperationalError) (2003, \"Can't connect to MySQL server\")\\x0aTraceback ..."),
                h.message());
        assertEquals(1, f.counter("failures_remote"));
        assertEquals(0, f.counter("failures_agent_not_found"));
    }

    @Test
    void theNotificationFeedReconnectingTriggersAFullSync() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 3);
        f.started();
        f.told();
        f.rpc.clearCalls();

        f.registry.events().disconnected("Connection reset by peer");
        HealthResult h = f.registry.check();
        assertEquals(HealthResult.Status.WARN, h.status());
        assertTrue(h.message().contains("notification feed disconnected since 2025-11-24T16:16:40Z (Connection reset by peer)"),
                h.message());
        assertEquals(Fixture.ids(1, 3), f.ids(), "kept");
        f.scheduler.runReady();
        assertEquals(List.of(), f.rpc.calls(), "a disconnection alone asks nothing");

        // missed meanwhile: router 2 changed, 3 unscheduled, 4 scheduled
        f.rpc.put(Dicts.router(Dicts.id(2), 1300)).remove(Dicts.id(3)).putRouters(4, 4);
        f.registry.events().connected();
        f.scheduler.runReady();
        assertEquals("get_router_ids", f.rpc.calls().get(0).method());
        assertEquals(Set.of(Dicts.id(1), Dicts.id(2), Dicts.id(4)), f.ids());
        assertEquals(1300, f.registry.find(Dicts.id(2)).orElseThrow().interfaces().get(0).mtu());
        assertEquals(Set.of(Dicts.id(2), Dicts.id(3), Dicts.id(4)), f.toldIds());
        assertEquals(HealthResult.Status.OK, f.registry.check().status(), f.registry.check().message());
        assertEquals(2, f.counter("full_syncs"));
    }

    @Test
    void connectedDuringTheBackoffRetriesAtOnce() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 1).failAll(REFUSED);
        f.started();
        f.scheduler.advance(Duration.ofSeconds(3));   // attempts at 0, 1, 3: next one at 7
        f.rpc.failAll(null);
        f.registry.events().connected();
        f.scheduler.runReady();
        assertEquals(Fixture.ids(1, 1), f.ids());
        assertEquals(3.0, times(f.rpc, "get_router_ids").get(3));
    }

    @Test
    void anUnregisteredHostIsAnErrorNamingTheHostAndIsRetried() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 2).registered(false);
        try (LogCapture log = new LogCapture()) {
            f.started();
            assertEquals(List.of("get_router_ids", "sync_routers"),
                    f.rpc.calls().stream().map(FakeL3PluginRpc.Call::method).toList(),
                    "get_router_ids answers [] for such a host: sync_routers says why");
            assertEquals(1, log.lines("ERROR", "This host ('node-a') is not a registered L3 agent in neutron-server",
                    "sync_routers raised AgentNotFoundByTypeHost", "check host in org.l3ha.agent").size(), log.text());
        }
        HealthResult h = f.registry.check();
        assertEquals(HealthResult.Status.CRITICAL, h.status());
        assertTrue(h.message().startsWith("host 'node-a' is not a registered L3 agent in neutron-server (sync_routers raised "
                + "AgentNotFoundByTypeHost): register this host's L3 agent or check host in org.l3ha.agent"), h.message());
        assertEquals(1, f.counter("failures_agent_not_found"));

        f.scheduler.advance(Duration.ofSeconds(1));
        assertEquals(2, f.rpc.calls("get_router_ids").size(), "retried");
        f.rpc.registered(true);
        f.scheduler.advance(Duration.ofSeconds(2));
        assertEquals(Fixture.ids(1, 2), f.ids());
        assertEquals(HealthResult.Status.OK, f.registry.check().status());
    }

    @Test
    void aHostThatStopsBeingARegisteredAgentKeepsItsRouters() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 2);
        f.started();
        f.told();
        f.rpc.registered(false);
        f.scheduler.advance(Duration.ofSeconds(40));
        assertEquals(Fixture.ids(1, 2), f.ids(), "get_router_ids' [] does not drop them: sync_routers raised");
        assertEquals(List.of(), f.told());
        HealthResult h = f.registry.check();
        assertEquals(HealthResult.Status.CRITICAL, h.status());
        assertTrue(h.message().contains("2 routers kept from the last good sync (2025-11-24T16:16:40Z)"), h.message());
    }

    @Test
    void aRouterDictThatCannotBeReadIsSkippedWithOneLogLineAndTheRestLoad() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 5);
        ObjectNode bad = Dicts.router(Dicts.id(3));
        ((ObjectNode) bad.get("_interfaces").get(0)).remove("fixed_ips");
        f.rpc.put(bad);
        try (LogCapture log = new LogCapture()) {
            f.started();
            assertEquals(Set.of(Dicts.id(1), Dicts.id(2), Dicts.id(4), Dicts.id(5)), f.ids());
            List<String> lines = log.lines(Dicts.id(3));
            assertEquals(1, lines.size(), log.text());
            assertTrue(lines.get(0).contains("WARN"), lines.get(0));
            assertTrue(lines.get(0).contains("Router " + Dicts.id(3) + " from neutron-server skipped: "
                    + "_interfaces[0].fixed_ips: missing; not loaded"), lines.get(0));

            f.registry.events().connected();   // the same dict again: no second line
            f.scheduler.runReady();
            assertEquals(1, log.lines(Dicts.id(3)).size(), log.text());
        }
        assertEquals(1, f.counter("routers_skipped"));
        assertEquals(2, f.counter("dicts_rejected"));
        HealthResult h = f.registry.check();
        assertEquals(HealthResult.Status.WARN, h.status());
        assertTrue(h.message().contains("1 router dicts skipped: " + Dicts.id(3) + " (_interfaces[0].fixed_ips: missing)"),
                h.message());

        f.rpc.put(Dicts.router(Dicts.id(3)));
        f.told();
        f.notify("routers_updated", "{\"routers\": [\"" + Dicts.id(3) + "\"]}");
        assertTrue(f.registry.find(Dicts.id(3)).isPresent());
        assertEquals(List.of(Set.of(Dicts.id(3))), f.told());
        assertEquals(0, f.counter("routers_skipped"));
        assertEquals(HealthResult.Status.OK, f.registry.check().status(), f.registry.check().message());
    }

    @Test
    void aDictGoneBadKeepsTheRoutersLastGoodVersion() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 2);
        f.started();
        f.told();
        ObjectNode bad = Dicts.router(Dicts.id(2), 1300);
        ((ObjectNode) bad.get("gw_port").get("subnets").get(0)).remove("cidr");
        f.rpc.put(bad);
        try (LogCapture log = new LogCapture()) {
            f.notify("routers_updated", "{\"routers\": [\"" + Dicts.id(2) + "\"]}");
            assertTrue(log.has("Router " + Dicts.id(2) + " from neutron-server skipped: gw_port.subnets[0].cidr: missing; "
                    + "keeping its last good version"), log.text());
        }
        assertEquals(1450, f.registry.find(Dicts.id(2)).orElseThrow().interfaces().get(0).mtu());
        assertEquals(List.of(), f.told());
    }

    @Test
    void aDictWithoutAUsableIdDropsNoRouter() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 3);
        f.started();
        f.told();
        f.rpc.replyFilter(reply -> {
            for (int i = 0; i < reply.size(); i++) {
                if (reply.get(i).get("id").asText().equals(Dicts.id(2))) {
                    ((ObjectNode) reply.get(i)).remove("id");
                }
            }
            return reply;
        });
        try (LogCapture log = new LogCapture()) {
            f.registry.events().connected();
            f.scheduler.runReady();
            assertEquals(1, log.lines("WARN", "1 router dicts skipped, without a usable id", "element 2 of 3: id: missing",
                    "kept this time").size(), log.text());
        }
        assertEquals(Fixture.ids(1, 3), f.ids());
        assertEquals(List.of(), f.told());
        HealthResult h = f.registry.check();
        assertEquals(HealthResult.Status.WARN, h.status());
        assertTrue(h.message().contains("1 router dicts without a usable id (element 2 of 3: id: missing)"), h.message());
    }

    @Test
    void aReplyThatIsNoListIsAFailure() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 1).replyFilter(reply -> null);
        f.started();
        HealthResult h = f.registry.check();
        assertEquals(HealthResult.Status.WARN, h.status());
        assertTrue(h.message().startsWith("sync_routers with neutron-server failed: the reply is not a list of router dicts "
                + "but nothing"), h.message());
        assertEquals(1, f.counter("failures_other"));
    }

    @Test
    void anIpv6SubnetRadvdCannotAdvertiseIsLeftOutAndSaid() {
        Fixture f = new Fixture();
        ObjectNode r = Dicts.router(Dicts.id(1));
        ObjectNode qr = (ObjectNode) r.get("_interfaces").get(0);
        ObjectNode v6 = ((com.fasterxml.jackson.databind.node.ArrayNode) qr.get("subnets")).addObject();
        v6.put("id", "6f708192-a3b4-45c6-97d8-e9f0a1b2c3d4");
        v6.put("cidr", "::ffff:10.0.0.0/104");
        v6.put("ipv6_ra_mode", "slaac");
        f.rpc.put(r);
        f.started();
        assertEquals(1, f.registry.find(Dicts.id(1)).orElseThrow().interfaces().get(0).subnets().size());
        assertEquals(1, f.counter("routers_incomplete"));
        assertTrue(f.registry.check().message().contains("1 routers loaded without subnets radvd cannot advertise: "
                + Dicts.id(1)), f.registry.check().message());
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheRegistry() {
        ManualScheduler s = new ManualScheduler();
        FakeL3PluginRpc rpc = new FakeL3PluginRpc(Fixture.HOST, s).putRouters(1, 2);
        NeutronRouters r = new NeutronRouters(Fixture.HOST, NeutronSettings.DEFAULT, rpc, s, ids -> {
            throw new IllegalStateException("listener bug");
        });
        r.start();
        s.runReady();
        assertEquals(2, r.all().size());
        rpc.putRouters(3, 3);
        r.events().notification("routers_updated", NotificationsTest.args("{\"routers\": [\"" + Dicts.id(3) + "\"]}"));
        s.runReady();
        assertEquals(3, r.all().size());
        assertFalse(r.check().status() == HealthResult.Status.CRITICAL);
    }
}
