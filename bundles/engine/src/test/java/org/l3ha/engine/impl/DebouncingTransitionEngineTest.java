package org.l3ha.engine.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;
import org.l3ha.api.StateBatcher;
import org.l3ha.api.TransitionListener;
import org.l3ha.common.ConfigException;

/** The DS component with real threads and real files. */
class DebouncingTransitionEngineTest {
    static final String R1 = "11111111-1111-1111-1111-111111111111";

    @TempDir
    Path state;

    final List<DebouncingTransitionEngine> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(DebouncingTransitionEngine::deactivate);
    }

    Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("state_path", state.toString());
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    DebouncingTransitionEngine start(Map<String, Object> props) {
        DebouncingTransitionEngine e = EngineActivation.activate(props);
        started.add(e);
        return e;
    }

    /** Keeps the newest reported state per router and every report in order. */
    static final class LastReports implements StateBatcher {
        final Map<String, HaState> last = new ConcurrentHashMap<>();
        final List<String> all = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void queue(String routerId, HaState state) {
            last.put(routerId, state);
            all.add(routerId + "=" + state);
        }
    }

    @Test
    void aBadConfigurationFailsActivationNamingKeyAndValue() {
        ConfigException e = assertThrows(ConfigException.class, () -> EngineActivation.activate(props("ha_vrrp_advert_int", "soon")));
        assertTrue(e.getMessage().contains("ha_vrrp_advert_int='soon'"), e.getMessage());
    }

    @Test
    void aBadModificationIsRejectedAndTheLastGoodConfigurationKept() {
        DebouncingTransitionEngine e = start(props("ha_vrrp_advert_int", "0"));
        Fakes.Registry reg = new Fakes.Registry().with(R1);
        LastReports reports = new LastReports();
        e.bindRegistry(reg);
        e.bindBatcher(reports);
        EngineActivation.modify(e, props("ha_vrrp_advert_int", "-3"));
        assertTrue(e.accept(R1, HaState.PRIMARY));
        // still no debounce: applied at once (a debounce of -3 s would have been refused anyway)
        await().atMost(Duration.ofSeconds(10)).until(() -> reports.last.get(R1) == HaState.PRIMARY);
    }

    @Test
    void listenersAreCalledInAscendingOrderPropertyThenServiceId() {
        DebouncingTransitionEngine e = start(props("ha_vrrp_advert_int", "0"));
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        e.bindRegistry(new Fakes.Registry().with(R1));
        LastReports reports = new LastReports();
        e.bindBatcher(reports);
        e.bindListener(named(calls, "radvd"), Map.of("service.id", 10L, "l3ha.order", 300, "component.name", "radvd"));
        e.bindListener(named(calls, "extension"), Map.of("service.id", 11L, "component.name", "extension"));
        e.bindListener(named(calls, "ipv6"), Map.of("service.id", 12L, "l3ha.order", "100", "component.name", "ipv6"));
        e.bindListener(named(calls, "metadata"), Map.of("service.id", 13L, "l3ha.order", 200, "component.name", "metadata"));
        e.bindListener(named(calls, "ipv6-twin"), Map.of("service.id", 9L, "l3ha.order", 100, "component.name", "ipv6-twin"));
        e.unbindListener(named(calls, "gone"), Map.of("service.id", 11L, "component.name", "extension"));
        e.accept(R1, HaState.BACKUP);
        await().atMost(Duration.ofSeconds(10)).until(() -> reports.last.get(R1) == HaState.BACKUP);
        assertEquals(List.of("ipv6-twin", "ipv6", "metadata", "radvd"), calls);
    }

    private static TransitionListener named(List<String> calls, String name) {
        return (router, s) -> calls.add(name);
    }

    @Test
    void noTransitionIsLostUnderConcurrentLoad() throws Exception {
        DebouncingTransitionEngine e = start(props("ha_vrrp_advert_int", "0"));
        Fakes.Registry reg = new Fakes.Registry();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String id = String.format("%08d-0000-0000-0000-000000000000", i);
            ids.add(id);
            reg.with(id);
        }
        e.bindRegistry(reg);
        LastReports reports = new LastReports();
        e.bindBatcher(reports);
        Map<String, HaState> sent = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        CountDownLatch done = new CountDownLatch(8);
        HaState[] states = {HaState.PRIMARY, HaState.BACKUP, HaState.FAULT};
        for (int c = 0; c < 8; c++) {
            int client = c;
            clients.execute(() -> {
                Random rnd = new Random(client);
                for (int k = 0; k < 5000; k++) {
                    String id = ids.get(client + 8 * rnd.nextInt(25)); // each client owns its routers
                    HaState s = states[rnd.nextInt(3)];
                    e.accept(id, s);
                    sent.put(id, s);
                }
                done.countDown();
            });
        }
        assertTrue(done.await(60, TimeUnit.SECONDS));
        clients.shutdown();
        await().atMost(Duration.ofSeconds(30)).until(() -> sent.entrySet().stream()
                .allMatch(en -> en.getValue() == reports.last.get(en.getKey())
                        && Optional.of(en.getValue()).equals(e.appliedState(en.getKey()))));
        for (Map.Entry<String, HaState> en : sent.entrySet()) {
            assertEquals(en.getValue().word(), Files.readString(state.resolve("ha_confs").resolve(en.getKey()).resolve("state")));
        }
        assertEquals(40_000L, e.counters().get("notifications"));
    }

    @Test
    void deactivationHandsPendingTransitionsToTheNextActivation() throws Exception {
        DebouncingTransitionEngine first = start(props("ha_vrrp_advert_int", "30"));
        first.bindRegistry(new Fakes.Registry().with(R1));
        first.accept(R1, HaState.PRIMARY);
        first.deactivate();
        assertFalse(first.accept(R1, HaState.BACKUP), "a deactivated engine refuses: the endpoint keeps the event");
        Path pendingFile = state.resolve(PendingFile.NAME);
        String content = Files.readString(pendingFile, StandardCharsets.US_ASCII);
        assertTrue(content.startsWith(R1 + " primary "), content);

        DebouncingTransitionEngine second = start(props("ha_vrrp_advert_int", "0"));
        assertFalse(Files.exists(pendingFile), "consumed");
        LastReports reports = new LastReports();
        second.bindBatcher(reports);
        second.bindRegistry(new Fakes.Registry().with(R1));
        await().atMost(Duration.ofSeconds(10)).until(() -> reports.last.get(R1) == HaState.PRIMARY);
        assertEquals("primary", Files.readString(state.resolve("ha_confs").resolve(R1).resolve("state")));
    }

    @Test
    void aCorruptHandOverFileIsSkippedLineByLine() throws Exception {
        Files.writeString(state.resolve(PendingFile.NAME),
                "garbage\n" + R1 + " backup 1700000000000\nnot-a-uuid primary 1\n" + R1.replace('1', '2') + " bogus 1\n");
        List<Transitions.Pending> p = PendingFile.read(state.resolve(PendingFile.NAME));
        assertEquals(List.of(new Transitions.Pending(R1, HaState.BACKUP, 1_700_000_000_000L)), p);
    }

    @Test
    void changingHaConfsPathReadsTheStateFilesThere() throws Exception {
        Path other = state.resolve("other");
        Files.createDirectories(other.resolve(R1));
        Files.writeString(other.resolve(R1).resolve("state"), "primary");
        DebouncingTransitionEngine e = start(props());
        e.bindRegistry(new Fakes.Registry().with(R1));
        assertEquals(Optional.empty(), e.appliedState(R1));
        EngineActivation.modify(e, props("ha_confs_path", other.toString()));
        await().atMost(Duration.ofSeconds(10)).until(() -> e.appliedState(R1).equals(Optional.of(HaState.PRIMARY)));
    }

    @Test
    void deactivationLeavesNoEngineThread() {
        DebouncingTransitionEngine e = start(props("ha_vrrp_advert_int", "5"));
        e.bindRegistry(new Fakes.Registry().with(R1));
        e.accept(R1, HaState.BACKUP);
        e.accept(R1, HaState.PRIMARY); // a timer is pending
        await().atMost(Duration.ofSeconds(10)).until(() -> engineThreads() > 0);
        e.deactivate();
        e.deactivate(); // idempotent
        await().atMost(Duration.ofSeconds(10)).until(() -> engineThreads() == 0);
    }

    private static long engineThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("l3ha-engine")).count();
    }
}
