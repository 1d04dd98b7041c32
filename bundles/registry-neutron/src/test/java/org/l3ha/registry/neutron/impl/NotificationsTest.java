package org.l3ha.registry.neutron.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.l3ha.common.testing.LogCapture;

/** What each notification neutron-server casts to L3 agents does to the registry. */
class NotificationsTest {

    Fixture f;

    @BeforeEach
    void loaded() {
        f = new Fixture();
        f.rpc.putRouters(1, 3);
        f.started();
        f.told();
        f.rpc.clearCalls();
    }

    int mtu(int router) {
        return f.registry.find(Dicts.id(router)).orElseThrow().interfaces().get(0).mtu();
    }

    @Test
    void routersUpdatedFetchesThemAgain() {
        f.rpc.put(Dicts.router(Dicts.id(2), 1400));
        f.notify("routers_updated", "{\"routers\": [\"" + Dicts.id(2) + "\"]}");
        assertEquals(1, f.rpc.calls().size());
        assertEquals(List.of(Dicts.id(2)), f.rpc.calls("sync_routers").get(0).ids());
        assertEquals(1400, mtu(2));
        assertEquals(List.of(Set.of(Dicts.id(2))), f.told());
        assertEquals(1, f.counter("notifications_routers_updated"));
    }

    @Test
    void routersUpdatedWithoutChangeTellsNobody() {
        f.notify("routers_updated", "{\"routers\": [\"" + Dicts.id(2) + "\"]}");
        assertEquals(1, f.rpc.calls().size());
        assertEquals(List.of(), f.told());
    }

    @Test
    void aRouterNoLongerReturnedIsRemoved() {
        f.rpc.remove(Dicts.id(3));
        f.notify("routers_updated", "{\"routers\": [\"" + Dicts.id(3) + "\"]}");
        assertEquals(Fixture.ids(1, 2), f.ids());
        assertEquals(List.of(Set.of(Dicts.id(3))), f.told());
    }

    @Test
    void routerDeletedRemovesWithoutAskingAnything() {
        f.notify("router_deleted", "{\"router_id\": \"" + Dicts.id(1) + "\"}");
        assertEquals(List.of(), f.rpc.calls());
        assertEquals(Set.of(Dicts.id(2), Dicts.id(3)), f.ids());
        assertEquals(List.of(Set.of(Dicts.id(1))), f.told());
        assertEquals(1, f.counter("notifications_router_deleted"));

        assertFalse(f.registry.find(Dicts.id(1)).isPresent());
        f.scheduler.runReady();
        assertEquals(List.of(), f.rpc.calls(), "a find right after the removal asks nothing");
    }

    @Test
    void routerRemovedFromAgentRemovesWithoutAskingAnything() {
        f.notify("router_removed_from_agent", "{\"payload\": {\"router_id\": \"" + Dicts.id(2) + "\"}}");
        assertEquals(List.of(), f.rpc.calls());
        assertEquals(Set.of(Dicts.id(1), Dicts.id(3)), f.ids());
        assertEquals(List.of(Set.of(Dicts.id(2))), f.told());
        assertEquals(1, f.counter("notifications_router_removed_from_agent"));
    }

    @Test
    void routerAddedToAgentFetchesThemInOneCall() {
        f.rpc.putRouters(4, 5);
        f.notify("router_added_to_agent", "{\"payload\": [\"" + Dicts.id(4) + "\", \"" + Dicts.id(5) + "\"]}");
        assertEquals(1, f.rpc.calls().size());
        assertEquals(List.of(Dicts.id(4), Dicts.id(5)), f.rpc.calls("sync_routers").get(0).ids());
        assertEquals(Fixture.ids(1, 5), f.ids());
        assertEquals(List.of(Set.of(Dicts.id(4), Dicts.id(5))), f.told());
        assertEquals(1, f.counter("notifications_router_added_to_agent"));
    }

    @Test
    void otherMethodsAreCountedAndIgnored() {
        f.notify("agent_updated", "{\"payload\": {\"admin_state_up\": false}}");
        f.notify("network_update", "{\"network\": {}}");
        assertEquals(List.of(), f.rpc.calls());
        assertEquals(2, f.counter("notifications_ignored"));
        assertEquals(List.of(), f.told());
    }

    @Test
    void notificationsWaitingTogetherAreFetchedInOneCall() {
        f.rpc.putRouters(4, 4);
        f.registry.events().notification("routers_updated", args("{\"routers\": [\"" + Dicts.id(1) + "\", \"" + Dicts.id(2) + "\"]}"));
        f.registry.events().notification("routers_updated", args("{\"routers\": [\"" + Dicts.id(2) + "\", \"" + Dicts.id(4) + "\"]}"));
        f.scheduler.runReady();
        assertEquals(1, f.rpc.calls().size(), () -> "calls " + f.rpc.calls());
        assertEquals(Set.of(Dicts.id(1), Dicts.id(2), Dicts.id(4)), Set.copyOf(f.rpc.calls().get(0).ids()));
    }

    @Test
    void theNewestEventWinsAndRemoveThenAddFetches() {
        f.registry.events().notification("router_removed_from_agent", args("{\"payload\": {\"router_id\": \"" + Dicts.id(1) + "\"}}"));
        f.registry.events().notification("router_added_to_agent", args("{\"payload\": [\"" + Dicts.id(1) + "\"]}"));
        f.registry.events().notification("routers_updated", args("{\"routers\": [\"" + Dicts.id(2) + "\"]}"));
        f.registry.events().notification("router_deleted", args("{\"router_id\": \"" + Dicts.id(2) + "\"}"));
        f.scheduler.runReady();
        assertEquals(List.of(Dicts.id(1)), f.rpc.calls("sync_routers").get(0).ids(), "router 2's fetch was overtaken");
        assertEquals(Set.of(Dicts.id(1), Dicts.id(3)), f.ids());
    }

    @Test
    void aRouterDeletedWhileItsFetchIsInFlightStaysDeleted() {
        // neutron-server answered before it deleted the router; the notification arrives during the call
        AtomicBoolean once = new AtomicBoolean();
        f.rpc.put(Dicts.router(Dicts.id(2), 1400));
        f.rpc.duringCall(c -> {
            if (c.method().equals("sync_routers") && once.compareAndSet(false, true)) {
                f.registry.events().notification("router_deleted", args("{\"router_id\": \"" + Dicts.id(2) + "\"}"));
            }
        });
        f.notify("routers_updated", "{\"routers\": [\"" + Dicts.id(2) + "\"]}");
        assertFalse(f.registry.find(Dicts.id(2)).isPresent());
        assertEquals(Set.of(Dicts.id(1), Dicts.id(3)), f.ids());
        assertEquals(List.of(Set.of(Dicts.id(2))), f.told(), "told once: removed (the stale answer was not applied)");
    }

    @Test
    void aRouterUpdatedWhileItsFetchIsInFlightIsFetchedAgain() {
        AtomicBoolean once = new AtomicBoolean();
        f.rpc.duringCall(c -> {
            if (c.method().equals("sync_routers") && once.compareAndSet(false, true)) {
                f.rpc.put(Dicts.router(Dicts.id(2), 1300));
                f.registry.events().notification("routers_updated", args("{\"routers\": [\"" + Dicts.id(2) + "\"]}"));
            }
        });
        f.notify("routers_updated", "{\"routers\": [\"" + Dicts.id(2) + "\"]}");
        assertEquals(2, f.rpc.calls("sync_routers").size());
        assertEquals(1300, mtu(2));
    }

    @Test
    void aMalformedNotificationIsLoggedOnceAndTriggersAFullSync() {
        try (LogCapture log = new LogCapture()) {
            f.notify("routers_updated", "{\"routers\": \"" + Dicts.id(1) + "\"}");
            assertEquals(List.of("get_router_ids", "sync_routers"),
                    f.rpc.calls().stream().map(FakeL3PluginRpc.Call::method).toList());
            f.notify("routers_updated", "{\"routers\": \"" + Dicts.id(1) + "\"}");
            assertEquals(1, log.lines("WARN", "routers_updated", "routers: expected a list of router ids, got a string",
                    "syncing every router").size(), log.text());
            assertFalse(log.text().contains(Dicts.id(1)), "values are not quoted");
        }
        assertEquals(2, f.counter("notifications_malformed"));
        assertEquals(2, f.counter("full_syncs") - 1);
    }

    @Test
    void idsThatAreNoUuidsAreSkippedAndTheOthersFetched() {
        try (LogCapture log = new LogCapture()) {
            f.notify("routers_updated", "{\"routers\": [\"router-1\", 7, \"" + Dicts.id(1) + "\"]}");
            assertTrue(log.has("WARN", "routers_updated", "2 entries skipped", "routers[0]: not a UUID",
                    "routers[1]: expected a router id, got a number"), log.text());
        }
        assertEquals(List.of(Dicts.id(1)), f.rpc.calls("sync_routers").get(0).ids());
    }

    @Test
    void notificationsBeforeStartAreLeftToTheFirstSync() {
        Fixture g = new Fixture();
        g.rpc.putRouters(1, 1);
        g.notify("routers_updated", "{\"routers\": [\"" + Dicts.id(1) + "\"]}");
        assertEquals(List.of(), g.rpc.calls());
        g.started();
        assertEquals(2, g.rpc.calls().size(), "get_router_ids and one sync_routers");
    }

    static com.fasterxml.jackson.databind.JsonNode args(String json) {
        try {
            return Dicts.JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
