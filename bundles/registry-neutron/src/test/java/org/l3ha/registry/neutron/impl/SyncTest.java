package org.l3ha.registry.neutron.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.l3ha.api.HealthResult;

/** Full sync in chunks, the periodic check, and lookups of unknown routers. */
class SyncTest {

    @Test
    void aHostWith10000RoutersIsLoadedInChunksNoneAskingForMoreThanTheChunk() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 10_000);
        f.started();

        List<FakeL3PluginRpc.Call> calls = f.rpc.calls();
        assertEquals("get_router_ids", calls.get(0).method());
        List<FakeL3PluginRpc.Call> syncs = f.rpc.calls("sync_routers");
        assertEquals(40, syncs.size(), "10,000 routers, 256 at a time");
        Set<String> asked = new HashSet<>();
        for (FakeL3PluginRpc.Call c : syncs) {
            assertTrue(c.ids().size() >= 1 && c.ids().size() <= 256, () -> "asked for " + c.ids().size());
            assertEquals(Fixture.HOST, c.host());
            asked.addAll(c.ids());
        }
        assertEquals(Fixture.ids(1, 10_000), asked);
        assertEquals(Fixture.ids(1, 10_000), f.ids());
        assertTrue(f.registry.find(Dicts.id(7777)).isPresent());
        List<java.util.Set<String>> told = f.told();
        assertEquals(40, told.size(), "one listener call per chunk applied");
        Set<String> toldIds = new HashSet<>();
        told.forEach(toldIds::addAll);
        assertEquals(Fixture.ids(1, 10_000), toldIds);
        assertEquals(1, f.counter("full_syncs"));
        assertEquals(10_000, f.counter("routers"));
        HealthResult h = f.registry.check();
        assertEquals(HealthResult.Status.OK, h.status(), h.message());
        assertTrue(h.message().startsWith("10000 routers from neutron-server for host 'node-a'"), h.message());
    }

    @Test
    void aTimedOutSyncRoutersHalvesTheChunkAndAFullSyncGrowsItBack() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 1_000).timeoutAbove(100);
        f.started();

        List<Integer> sizes = f.rpc.calls("sync_routers").stream().map(c -> c.ids().size()).toList();
        assertEquals(List.of(256, 128, 64), sizes.subList(0, 3), () -> "sizes " + sizes);
        assertTrue(sizes.subList(2, sizes.size()).stream().allMatch(n -> n <= 64), () -> "sizes " + sizes);
        assertEquals(Fixture.ids(1, 1_000), f.ids(), "every router loaded");
        assertEquals(2, f.counter("chunk_timeouts"));
        assertEquals(2, f.counter("failures_timeout"));
        assertEquals(64 + 32, f.counter("chunk_size"), "grown by the floor after the completed sync");
        assertEquals(HealthResult.Status.OK, f.registry.check().status(), f.registry.check().message());

        f.rpc.clearCalls();
        f.registry.events().connected();
        f.scheduler.runReady();
        assertTrue(f.rpc.calls("sync_routers").stream().allMatch(c -> c.ids().size() <= 96));
        assertEquals(96, f.rpc.calls("sync_routers").get(0).ids().size());
        assertEquals(128, f.counter("chunk_size"));
    }

    @Test
    void aTimeoutAtTheFloorIsAFailureRetriedWithBackoffAndTheChunkStaysAtTheFloor() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 100).timeoutAbove(10);
        f.started();

        List<Integer> sizes = f.rpc.calls("sync_routers").stream().map(c -> c.ids().size()).toList();
        assertEquals(List.of(100, 50, 32), sizes, "halved down to the floor, and the floor's timeout ends the attempt");
        HealthResult h = f.registry.check();
        assertEquals(HealthResult.Status.WARN, h.status());
        assertTrue(h.message().startsWith("neutron-server did not answer sync_routers in time"), h.message());
        assertEquals(Set.of(), f.ids());

        f.rpc.timeoutAbove(1000).clearCalls();
        f.scheduler.advance(Duration.ofSeconds(1));
        assertEquals(Fixture.ids(1, 100), f.ids());
        assertEquals(List.of(32, 32, 32, 4),
                f.rpc.calls("sync_routers").stream().map(c -> c.ids().size()).toList());
        assertEquals(HealthResult.Status.OK, f.registry.check().status(), f.registry.check().message());
    }

    @Test
    void thePeriodicCheckOnlyAsksForIdsWhenNothingChanged() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 3);
        f.started();
        f.told();
        f.rpc.clearCalls();

        f.scheduler.advance(Duration.ofSeconds(39));
        assertEquals(List.of(), f.rpc.calls(), "not before periodic_interval");
        f.scheduler.advance(Duration.ofSeconds(1));
        assertEquals(List.of("get_router_ids"), f.rpc.calls().stream().map(FakeL3PluginRpc.Call::method).toList());
        f.scheduler.advance(Duration.ofSeconds(40));
        assertEquals(2, f.rpc.calls().size());
        assertTrue(f.rpc.calls().stream().allMatch(c -> c.method().equals("get_router_ids")));
        assertEquals(List.of(), f.told());
        assertEquals(2, f.counter("drift_checks"));
    }

    @Test
    void thePeriodicCheckFetchesNewIdsAndDropsGoneOnes() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 3);
        f.started();
        f.told();
        f.rpc.clearCalls();
        f.rpc.putRouters(4, 4).remove(Dicts.id(2));

        f.scheduler.advance(Duration.ofSeconds(40));
        assertEquals(List.of("get_router_ids", "sync_routers"),
                f.rpc.calls().stream().map(FakeL3PluginRpc.Call::method).toList());
        assertEquals(List.of(Dicts.id(4)), f.rpc.calls("sync_routers").get(0).ids(), "only the new id is fetched");
        assertEquals(Set.of(Dicts.id(1), Dicts.id(3), Dicts.id(4)), f.ids());
        assertEquals(List.of(Set.of(Dicts.id(2)), Set.of(Dicts.id(4))), f.told());
        assertEquals(1, f.counter("drift_added"));
        assertEquals(1, f.counter("drift_removed"));
    }

    @Test
    void findOfAnUnknownRouterFetchesItOnceAndAddsIt() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 1);
        f.started();
        f.told();
        f.rpc.clearCalls();
        f.rpc.putRouters(2, 2);   // scheduled here, its notification not (yet) seen

        for (int i = 0; i < 50; i++) {
            assertFalse(f.registry.find(Dicts.id(2)).isPresent(), "empty at once");
        }
        f.scheduler.runReady();
        assertEquals(1, f.rpc.calls().size(), () -> "calls " + f.rpc.calls());
        assertEquals(List.of(Dicts.id(2)), f.rpc.calls("sync_routers").get(0).ids());
        assertTrue(f.registry.find(Dicts.id(2)).isPresent());
        assertTrue(f.registry.find(Dicts.id(2).toUpperCase(java.util.Locale.ROOT)).isPresent());
        assertEquals(List.of(Set.of(Dicts.id(2))), f.told());
        assertEquals(1, f.counter("lookups"));
    }

    @Test
    void aRouterNeutronServerDoesNotHaveIsAskedForOncePerInterval() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 1);
        f.started();
        f.told();
        f.rpc.clearCalls();

        for (int i = 0; i < 100; i++) {
            f.registry.find(Dicts.id(9));
            f.scheduler.runReady();
        }
        assertEquals(1, f.rpc.calls().size(), () -> "calls " + f.rpc.calls());
        f.scheduler.advance(Duration.ofSeconds(9));
        f.registry.find(Dicts.id(9));
        f.scheduler.runReady();
        assertEquals(1, f.rpc.calls().size(), "still within lookupInterval");
        f.scheduler.advance(Duration.ofSeconds(1));
        f.registry.find(Dicts.id(9));
        f.registry.find(Dicts.id(9));
        f.scheduler.runReady();
        assertEquals(2, f.rpc.calls().size(), "once more after the interval");
        assertEquals(List.of(), f.told(), "nothing changed");

        f.registry.find("not-a-router");
        f.registry.find(null);
        f.scheduler.runReady();
        assertEquals(2, f.rpc.calls().size(), "an id that is no UUID is never asked for");
    }

    @Test
    void findDuringTheFirstSyncAsksNothingOfItsOwn() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 3);
        f.registry.start();
        f.registry.find(Dicts.id(2));
        f.registry.find(Dicts.id(9));
        f.scheduler.runReady();
        assertEquals(List.of("get_router_ids", "sync_routers"),
                f.rpc.calls().stream().map(FakeL3PluginRpc.Call::method).toList());
        assertTrue(f.registry.find(Dicts.id(2)).isPresent());
    }

    @Test
    void findBeforeStartAsksNothing() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 1);
        f.registry.find(Dicts.id(1));
        f.scheduler.runReady();
        assertEquals(List.of(), f.rpc.calls());
    }

    @Test
    void anEmptyRegisteredHostHasNoRoutersAndIsHealthy() {
        Fixture f = new Fixture();
        f.started();
        assertEquals(List.of("get_router_ids", "sync_routers"),
                f.rpc.calls().stream().map(FakeL3PluginRpc.Call::method).toList());
        assertEquals(List.of(), f.rpc.calls("sync_routers").get(0).ids(), "sync_routers(host, []) confirms the agent");
        HealthResult h = f.registry.check();
        assertEquals(HealthResult.Status.OK, h.status(), h.message());
        assertTrue(h.message().startsWith("0 routers from neutron-server"), h.message());
    }

    @Test
    void whenEveryRouterIsUnscheduledThePeriodicCheckDropsThemAll() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 2);
        f.started();
        f.told();
        f.rpc.remove(Dicts.id(1)).remove(Dicts.id(2));
        f.scheduler.advance(Duration.ofSeconds(40));
        assertEquals(Set.of(), f.ids());
        assertEquals(List.of(Set.of(Dicts.id(1), Dicts.id(2))), f.told());
    }

    @Test
    void healthSaysTheFirstSyncIsNotDoneBeforeIt() {
        Fixture f = new Fixture();
        f.registry.start();
        HealthResult h = f.registry.check();
        assertEquals(HealthResult.Status.WARN, h.status());
        assertEquals("first sync with neutron-server for host 'node-a' not done yet", h.message());
    }

    @Test
    void afterStopNothingIsAskedOrTold() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 2);
        f.started();
        f.told();
        f.rpc.clearCalls();
        f.registry.events().notification("routers_updated", Dicts.JSON.createObjectNode().set("routers",
                Dicts.JSON.createArrayNode().add(Dicts.id(1))));
        f.registry.stop();
        f.registry.events().connected();
        f.registry.find(Dicts.id(5));
        f.scheduler.advance(Duration.ofMinutes(5));
        assertEquals(List.of(), f.rpc.calls());
        assertEquals(List.of(), f.told());
        assertEquals(0, f.scheduler.pendingTimers(), "timers cancelled");
        assertEquals(2, f.registry.all().size(), "the routers stay readable");
    }

    @Test
    void aStopDuringACallDropsItsAnswer() {
        Fixture f = new Fixture();
        f.rpc.putRouters(1, 2);
        f.rpc.duringCall(c -> {
            if (c.method().equals("sync_routers")) {
                f.registry.stop();
            }
        });
        f.started();
        assertEquals(Set.of(), f.ids());
        assertEquals(List.of(), f.told());
    }
}
