package org.l3ha.registry.neutron.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** The production scheduler, and the registry on it with real threads (deadlines generous for a busy machine). */
class ExecutorSchedulerTest {
    static final long DEADLINE_S = 60;

    @Test
    void runsTasksOnItsOwnThreadAndSurvivesOneThatThrows() throws Exception {
        try (ExecutorScheduler s = new ExecutorScheduler("l3ha-test-scheduler")) {
            AtomicReference<String> thread = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            s.execute(() -> {
                throw new IllegalStateException("a failing task");
            });
            s.execute(() -> {
                thread.set(Thread.currentThread().getName());
                done.countDown();
            });
            assertTrue(done.await(DEADLINE_S, TimeUnit.SECONDS));
            assertEquals("l3ha-test-scheduler", thread.get());
        }
    }

    @Test
    void aCancelledTimerDoesNotRunAndOthersDo() throws Exception {
        try (ExecutorScheduler s = new ExecutorScheduler("l3ha-test-scheduler")) {
            AtomicBoolean cancelledRan = new AtomicBoolean();
            CountDownLatch later = new CountDownLatch(1);
            Runnable cancel = s.schedule(() -> cancelledRan.set(true), Duration.ofMillis(50));
            cancel.run();
            s.schedule(later::countDown, Duration.ofMillis(100));
            assertTrue(later.await(DEADLINE_S, TimeUnit.SECONDS));
            CountDownLatch after = new CountDownLatch(1);
            s.execute(after::countDown);   // runs after every task due before it
            assertTrue(after.await(DEADLINE_S, TimeUnit.SECONDS));
            assertFalse(cancelledRan.get());
        }
    }

    @Test
    void theRegistryOnRealThreadsLoadsAndFollowsNotifications() throws Exception {
        FakeL3PluginRpc rpc = new FakeL3PluginRpc(Fixture.HOST, null).putRouters(1, 600);
        Set<String> told = ConcurrentHashMap.newKeySet();
        CountDownLatch all = new CountDownLatch(1);
        try (ExecutorScheduler s = new ExecutorScheduler("l3ha-registry-neutron")) {
            NeutronRouters r = new NeutronRouters(Fixture.HOST, NeutronSettings.DEFAULT, rpc, s, ids -> {
                told.addAll(ids);
                if (told.containsAll(Fixture.ids(1, 601))) {
                    all.countDown();
                }
            });
            r.start();
            // while it loads, other threads look routers up and notifications arrive
            Thread[] readers = new Thread[3];
            for (int t = 0; t < readers.length; t++) {
                int n = t;
                readers[t] = new Thread(() -> {
                    for (int i = 0; i < 2000; i++) {
                        r.find(Dicts.id(1 + (i * 7 + n) % 700));
                        r.all().size();
                    }
                });
                readers[t].start();
            }
            rpc.putRouters(601, 601);
            r.events().notification("router_added_to_agent", NotificationsTest.args("{\"payload\": [\"" + Dicts.id(601) + "\"]}"));
            for (Thread t : readers) {
                t.join(TimeUnit.SECONDS.toMillis(DEADLINE_S));
            }
            assertTrue(all.await(DEADLINE_S, TimeUnit.SECONDS), () -> "told " + told.size());
            assertEquals(Fixture.ids(1, 601).size(), r.all().size());
            r.stop();
        }
        assertTrue(rpc.calls("sync_routers").stream().allMatch(c -> c.ids().size() <= 256));
    }
}
