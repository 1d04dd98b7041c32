package org.l3ha.reporter.oslo.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.common.testing.AgentConfigs;
import org.l3ha.api.HaState;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult.Status;
import org.l3ha.api.StateReporter;
import org.l3ha.api.StatsProvider;
import org.l3ha.notifier.impl.BatchNotifier;
import org.l3ha.oslo.testing.OsloServerProcess;
import org.l3ha.oslo.testing.TcpProxy;
import org.l3ha.oslo.testing.TestBroker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real batch notifier drives the oslo reporter, which reaches RabbitMQ through a proxy the test
 * cuts for 30 s in the middle of a stream of transitions over 500 routers (the broker itself keeps
 * running; the oslo.messaging server talks to it directly). After the proxy is restored, the newest
 * state of every router arrives at the server, and what the notifier holds stays bounded by the
 * number of routers while the number of events keeps growing.
 */
class BrokerOutageTest {
    private static final int ROUTERS = 500;
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    private static final HaState[] STATES = {HaState.PRIMARY, HaState.BACKUP, HaState.FAULT};
    private static final Logger LOG = LoggerFactory.getLogger(BrokerOutageTest.class);

    @TempDir
    Path dir;

    @Test
    void everyRoutersNewestStateArrivesAfterA30SecondOutage() throws Exception {
        String exchange = TestBroker.unique("l3ha-test");
        String topic = TestBroker.unique("q-l3-plugin");
        ScheduledExecutorService stream = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "test-stream"));
        BatchNotifier notifier = null;
        OsloReporter component = null;
        try (TestBroker broker = new TestBroker();
                TcpProxy proxy = new TcpProxy(TestBroker.HOST, TestBroker.PORT);
                OsloServerProcess server = OsloServerProcess.start(dir, TestBroker.url(), exchange, topic)) {
            broker.oslo(exchange, topic, OsloServerProcess.SERVER_NAME);
            FakeBundleContext bundle = new FakeBundleContext();
            Map<String, Object> props = OsloReporterTest.props("host", "net-outage", "transport_url",
                    TestBroker.url(proxy.port()), "control_exchange", exchange, "topic", topic,
                    "rpc_response_timeout", "5", "rabbit_retry_interval", "0.5", "rabbit_retry_backoff", "0.5",
                    "rabbit_interval_max", "2");
            component = OsloReporterTest.activate(bundle, props, StateRpc.RPC_VERSION);
            broker.queue(component.client().replyQueue());
            StatsProvider reporterStats = bundle.active(StatsProvider.class).get(0);

            notifier = new BatchNotifier(AgentConfigs.of(Map.of("host", "net-outage", "batch_interval", "0.2")));
            bind(notifier, bundle.active(StateReporter.class).get(0));
            BatchNotifier n = notifier;

            List<String> routers = new ArrayList<>();
            for (int i = 0; i < ROUTERS; i++) {
                routers.add(UUID.randomUUID().toString());
            }
            Map<String, String> expected = new ConcurrentHashMap<>();
            AtomicLong maxPending = new AtomicLong();
            AtomicLong events = new AtomicLong();
            Random random = new Random(6);
            routers.forEach(id -> {
                n.queue(id, HaState.BACKUP);
                expected.put(id, HaState.BACKUP.serverName());
            });
            // 25 transitions every 20 ms, sampling the notifier's backlog for this reporter each time
            stream.scheduleAtFixedRate(() -> {
                for (int i = 0; i < 25; i++) {
                    String id = routers.get(random.nextInt(ROUTERS));
                    HaState s = STATES[random.nextInt(STATES.length)];
                    n.queue(id, s);
                    expected.put(id, s.serverName());
                    events.incrementAndGet();
                }
                maxPending.accumulateAndGet(n.counters().getOrDefault("reporter.oslo.pending", 0L), Math::max);
            }, 0, 20, TimeUnit.MILLISECONDS);

            await("batches delivered before the outage").atMost(Duration.ofSeconds(30))
                    .until(() -> reporterStats.counters().get("batches_delivered") >= 3);
            long cutAt = System.nanoTime();
            proxy.cut();
            await("30 s of outage, with failed attempts").atMost(OUTAGE.plusSeconds(15))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> System.nanoTime() - cutAt >= OUTAGE.toNanos()
                            && reporterStats.counters().get("failures_connection") >= 2);
            assertEquals(Status.WARN, bundle.active(HealthCheck.class).get(0).check().status());
            long heldDuringOutage = n.counters().get("reporter.oslo.pending");
            proxy.restore();
            long restoredAt = System.nanoTime();
            await("the stream goes on for a second after the restore").atMost(Duration.ofSeconds(5))
                    .until(() -> System.nanoTime() - restoredAt >= TimeUnit.SECONDS.toNanos(1));
            stream.shutdown();
            assertTrue(stream.awaitTermination(10, TimeUnit.SECONDS));

            Map<String, String> finalStates = new HashMap<>(expected);
            assertEquals(ROUTERS, finalStates.size());
            await("every router's newest state at the oslo.messaging server").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> received(server).equals(finalStates));

            LOG.info("Outage test: {} transitions over {} routers, notifier pending at most {} (at the restore {}),"
                    + " {} calls received by the server, reporter counters {}", events.get(), ROUTERS, maxPending.get(),
                    heldDuringOutage, server.records().size(), reporterStats.counters());
            for (JsonNode record : server.records()) {
                assertEquals("net-outage", record.get("host").asText());
            }
            assertTrue(heldDuringOutage > 0, "states were held during the outage");
            // The notifier's pending count is the states waiting for the next batch plus the batch in
            // flight; each holds at most one state per router, so the bound is two per router, whatever
            // the number of events.
            assertTrue(maxPending.get() <= 2L * ROUTERS, "pending " + maxPending.get() + " > 2 x " + ROUTERS);
            assertTrue(events.get() > 20L * ROUTERS, "stream too short: " + events.get() + " events");
            assertEquals((long) ROUTERS, n.counters().get("routers"));
            Map<String, Long> counters = reporterStats.counters();
            assertTrue(counters.get("failures_connection") >= 2, counters.toString());
            assertEquals(Status.OK, bundle.active(HealthCheck.class).get(0).check().status());
            stop(notifier, component);
        } finally {
            stream.shutdownNow();
            stop(notifier, component); // idempotent
        }
    }

    private static void stop(BatchNotifier notifier, OsloReporter component) throws Exception {
        if (notifier != null) {
            invoke(notifier, "deactivate", new Class<?>[0]);
        }
        if (component != null) {
            component.deactivate();
        }
    }

    /** The states the server received, newest last, folded per router. */
    private static Map<String, String> received(OsloServerProcess server) throws Exception {
        Map<String, String> out = new HashMap<>();
        for (JsonNode record : server.records()) {
            record.get("states").properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }

    /** What DS does when the notifier's dynamic reference binds this reporter (package-private there). */
    private static void bind(BatchNotifier notifier, StateReporter reporter) throws Exception {
        invoke(notifier, "bindReporter", new Class<?>[] {StateReporter.class, Map.class}, reporter,
                Map.of(StateReporter.NAME, "oslo"));
    }

    private static void invoke(Object target, String name, Class<?>[] types, Object... args) throws Exception {
        Method m = target.getClass().getDeclaredMethod(name, types);
        m.setAccessible(true);
        m.invoke(target, args);
    }
}
