package org.l3ha.notifier.impl;

import org.l3ha.common.testing.AgentConfigs;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.api.HaState.BACKUP;
import static org.l3ha.api.HaState.FAULT;
import static org.l3ha.api.HaState.PRIMARY;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.l3ha.api.HistogramSnapshot;
import org.l3ha.common.ConfigException;

/** The notifier with its real sender threads; waits are Awaitility conditions with deadlines. */
class BatchNotifierTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String R1 = "0b2c6e3a-1111-2222-3333-444455556661";
    private static final String R2 = "0b2c6e3a-1111-2222-3333-444455556662";
    private static final String R3 = "0b2c6e3a-1111-2222-3333-444455556663";
    /** Long enough that a second batch can only come from something other than the timer. */
    private static final String HOUR = "3600";

    private final List<BatchNotifier> notifiers = new ArrayList<>();
    private final List<CountDownLatch> gates = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        gates.forEach(CountDownLatch::countDown);
        notifiers.forEach(BatchNotifier::deactivate);
        await().atMost(WAIT).until(() -> senderThreads().isEmpty());
    }

    private BatchNotifier notifier(String batchInterval) {
        return notifier(batchInterval, BatchNotifier.STOP_DEADLINE);
    }

    private BatchNotifier notifier(String batchInterval, Duration stopDeadline) {
        BatchNotifier n = new BatchNotifier(AgentConfigs.of(Map.of("batch_interval", batchInterval)), stopDeadline);
        notifiers.add(n);
        return n;
    }

    private CountDownLatch block(FakeReporter r) {
        CountDownLatch g = r.blockNext();
        gates.add(g);
        return g;
    }

    private static Map<String, Object> named(String name) {
        return Map.of("l3ha.reporter", name, "service.id", 1L);
    }

    private static List<String> senderThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("l3ha-notifier")) {
                names.add(t.getName());
            }
        }
        return names;
    }

    @Test
    void case24_singleEventIsSentAtOnceEvenWithALongInterval() {
        BatchNotifier n = notifier(HOUR);
        FakeReporter r = new FakeReporter();
        n.bindReporter(r, named("a"));
        n.queue(R1, PRIMARY);
        await().atMost(WAIT).until(() -> r.batches.size() == 1);
        assertEquals(Map.of(R1, "active"), r.batches.get(0));
        assertEquals(List.of("l3ha-notifier-a"), senderThreads());
    }

    @Test
    void case29_nullOrEmptyEventsAreIgnoredAndCounted() {
        BatchNotifier n = notifier("0");
        FakeReporter r = new FakeReporter();
        n.bindReporter(r, named("a"));
        n.queue(null, PRIMARY);
        n.queue("", BACKUP);
        n.queue(R1, null);
        n.queue(R2, FAULT);
        await().atMost(WAIT).until(() -> r.batches.size() == 1);
        // the channel is FIFO: had an ignored event been queued, it would be in this first batch
        assertEquals(Map.of(R2, "standby"), r.batches.get(0));
        assertEquals(1, r.calls.get());
        Map<String, Long> c = n.counters();
        assertEquals(3L, c.get("ignored"));
        assertEquals(1L, c.get("queued"));
        assertEquals(1L, c.get("routers"));
    }

    @Test
    void eventsQueuedDuringASendGoOutInTheNextBatch() {
        // Neutron's stranded-event race: events arriving while the sender is busy
        BatchNotifier n = notifier("0.1");
        FakeReporter r = new FakeReporter();
        n.bindReporter(r, named("a"));
        CountDownLatch gate = block(r);
        CountDownLatch entered = r.entered;
        n.queue(R1, PRIMARY);
        await().atMost(WAIT).until(() -> entered.getCount() == 0);
        n.queue(R2, BACKUP);
        n.queue(R3, PRIMARY);
        n.queue(R2, PRIMARY);
        gate.countDown();
        await().atMost(WAIT).until(() -> r.batches.size() == 2);
        assertEquals(Map.of(R1, "active"), r.batches.get(0));
        assertEquals(List.of(R3, R2), new ArrayList<>(r.batches.get(1).keySet()));
        assertEquals(Map.of(R2, "active", R3, "active"), r.batches.get(1));
        assertEquals(2, r.calls.get());
    }

    @Test
    void intervalZeroSendsWhatArrivedDuringASendAsSoonAsItReturns() {
        BatchNotifier n = notifier("0");
        FakeReporter r = new FakeReporter();
        n.bindReporter(r, named("a"));
        CountDownLatch gate = block(r);
        CountDownLatch entered = r.entered;
        n.queue(R1, BACKUP);
        await().atMost(WAIT).until(() -> entered.getCount() == 0);
        n.queue(R2, BACKUP);
        gate.countDown();
        await().atMost(WAIT).until(() -> r.batches.size() == 2);
        n.queue(R3, BACKUP);
        await().atMost(WAIT).until(() -> r.batches.size() == 3);
        assertEquals(List.of(R1, R2, R3), r.deliveredIds());
    }

    @Test
    void aForgottenRouterIsReportedToNoReporterNorToOnesBoundLater() {
        BatchNotifier n = notifier("0.1");
        FakeReporter a = new FakeReporter();
        FakeReporter b = new FakeReporter();
        n.bindReporter(a, named("a"));
        n.bindReporter(b, Map.of("l3ha.reporter", "b", "service.id", 2L));
        CountDownLatch gateA = block(a);
        CountDownLatch enteredA = a.entered;
        CountDownLatch gateB = block(b);
        CountDownLatch enteredB = b.entered;
        n.queue(R3, PRIMARY);
        await().atMost(WAIT).until(() -> enteredA.getCount() == 0 && enteredB.getCount() == 0);
        n.queue(R1, PRIMARY);
        n.queue(R2, BACKUP);
        n.forget(R1);
        assertEquals(2L, n.counters().get("reporter.a.pending"), "R3 in flight and R2, not R1: " + n.counters());
        gateA.countDown();
        gateB.countDown();
        await().atMost(WAIT).until(() -> a.batches.size() == 2 && b.batches.size() == 2);
        assertEquals(Map.of(R2, "standby"), a.batches.get(1));
        assertEquals(Map.of(R2, "standby"), b.batches.get(1));
        assertEquals(2L, n.counters().get("routers"), "nor kept for later reporters");
        assertEquals(1L, n.counters().get("forgotten"));

        FakeReporter late = new FakeReporter();
        n.bindReporter(late, Map.of("l3ha.reporter", "late", "service.id", 3L));
        await().atMost(WAIT).until(() -> late.batches.size() == 1);
        assertEquals(Map.of(R3, "active", R2, "standby"), late.batches.get(0));
        n.queue(R1, BACKUP); // it came back
        await().atMost(WAIT).until(() -> late.picture().containsKey(R1));
        assertEquals("standby", late.picture().get(R1));
    }

    @Test
    void aRouterForgottenWhileItsBatchFailsIsNotRetried() {
        BatchNotifier n = notifier("0");
        FakeReporter r = new FakeReporter();
        r.failing = true;
        CountDownLatch gate = block(r);
        CountDownLatch entered = r.entered;
        n.bindReporter(r, named("a"));
        n.queue(R1, PRIMARY);
        n.queue(R2, BACKUP);
        await().atMost(WAIT).until(() -> entered.getCount() == 0);
        n.forget(R1);
        gate.countDown();
        await().atMost(WAIT).until(() -> n.counters().get("report_failures") >= 1);
        r.failing = false;
        await().atMost(WAIT).until(() -> r.batches.size() == 1);
        assertEquals(Map.of(R2, "standby"), r.batches.get(0));
    }

    @Test
    void case30_throwingReporterGetsTheBatchLaterWithNewestStates() {
        BatchNotifier n = notifier("0");
        FakeReporter r = new FakeReporter();
        r.failing = true;
        n.bindReporter(r, named("a"));
        n.queue(R1, BACKUP);
        await().atMost(WAIT).until(() -> r.calls.get() >= 1);
        n.queue(R1, PRIMARY); // newer than the failed standby
        n.queue(R2, BACKUP);
        await().atMost(WAIT).until(() -> n.counters().get("report_failures") >= 1);
        await().atMost(WAIT).until(() -> n.counters().get("reporter.a.pending") == 2L);
        assertEquals(0, r.batches.size());
        r.failing = false;
        // retried after the backoff (1 s, then 2 s, ...)
        await().atMost(WAIT).until(() -> r.batches.size() == 1);
        assertEquals(Map.of(R1, "active", R2, "standby"), r.batches.get(0));
        assertEquals(0L, n.counters().get("reporter.a.pending"));
        assertEquals(2L, n.counters().get("states_reported"));
    }

    @Test
    void reportersAreIndependent_aFailingOrBlockedOneDoesNotDelayAnother() {
        BatchNotifier n = notifier("0");
        FakeReporter failing = new FakeReporter();
        failing.failing = true;
        FakeReporter blocked = new FakeReporter();
        block(blocked);
        FakeReporter healthy = new FakeReporter();
        n.bindReporter(failing, named("failing"));
        n.bindReporter(blocked, named("blocked"));
        n.bindReporter(healthy, named("healthy"));
        n.queue(R1, PRIMARY);
        await().atMost(WAIT).until(() -> healthy.batches.size() == 1);
        n.queue(R2, BACKUP);
        await().atMost(WAIT).until(() -> healthy.batches.size() == 2);
        n.queue(R3, FAULT);
        await().atMost(WAIT).until(() -> healthy.batches.size() == 3);
        assertEquals(Map.of(R1, "active", R2, "standby", R3, "standby"), healthy.picture());
        assertTrue(failing.batches.isEmpty());
        assertTrue(blocked.batches.isEmpty());
        Map<String, Long> c = n.counters();
        assertEquals(3L, c.get("reporter.healthy.batches_sent"));
        assertEquals(0L, c.get("reporter.healthy.pending"));
        assertEquals(3L, c.get("reporter.failing.pending"));
        await().atMost(WAIT).until(() -> n.counters().get("reporter.failing.report_failures") >= 1);
        assertEquals(3L, c.get("reporter.blocked.pending"));
        assertEquals(3L, c.get("reporters"));

        // the failing one recovers and catches up with the full picture
        failing.failing = false;
        await().atMost(WAIT).until(() -> failing.picture().size() == 3);
        assertEquals(healthy.picture(), failing.picture());
    }

    @Test
    void lateBoundReporterReceivesTheFullPicture() {
        BatchNotifier n = notifier(HOUR);
        n.queue(R1, PRIMARY);
        n.queue(R2, BACKUP);
        n.queue(R1, BACKUP);
        n.queue(R3, PRIMARY);
        FakeReporter r = new FakeReporter();
        n.bindReporter(r, named("late"));
        await().atMost(WAIT).until(() -> r.batches.size() == 1);
        assertEquals(List.of(R2, R1, R3), new ArrayList<>(r.batches.get(0).keySet()));
        assertEquals(Map.of(R1, "standby", R2, "standby", R3, "active"), r.batches.get(0));
    }

    @Test
    void unboundReporterStopsAndAReboundOneGetsEverything() {
        BatchNotifier n = notifier(HOUR);
        FakeReporter r = new FakeReporter();
        n.bindReporter(r, named("a"));
        n.queue(R1, PRIMARY);
        await().atMost(WAIT).until(() -> r.batches.size() == 1);
        n.queue(R2, BACKUP); // pending for an hour
        n.unbindReporter(r, named("a"));
        assertTrue(senderThreads().isEmpty(), senderThreads().toString());
        assertEquals(1, r.calls.get(), "an unbound reporter is not called again");
        assertFalse(n.counters().containsKey("reporter.a.pending"));
        n.unbindReporter(r, named("a")); // twice: harmless
        n.queue(R3, FAULT);

        FakeReporter replacement = new FakeReporter();
        n.bindReporter(replacement, named("b"));
        n.bindReporter(r, named("a"));
        await().atMost(WAIT).until(() -> replacement.batches.size() == 1 && r.batches.size() == 2);
        Map<String, String> all = Map.of(R1, "active", R2, "standby", R3, "standby");
        assertEquals(all, replacement.batches.get(0));
        assertEquals(all, r.batches.get(1));
        assertEquals(List.of(R1, R2, R3), new ArrayList<>(replacement.batches.get(0).keySet()));
    }

    @Test
    void unbindInterruptsAReportThatDoesNotReturnWithinTheDeadline() {
        BatchNotifier n = notifier("0", Duration.ofMillis(200));
        FakeReporter r = new FakeReporter();
        block(r);
        CountDownLatch entered = r.entered;
        n.bindReporter(r, named("stuck"));
        n.queue(R1, PRIMARY);
        await().atMost(WAIT).until(() -> entered.getCount() == 0);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> n.unbindReporter(r, named("stuck")));
        await().atMost(WAIT).until(() -> senderThreads().isEmpty());
        assertTrue(r.batches.isEmpty());
    }

    @Test
    void deactivateFlushesPendingStatesIgnoringTheIntervalAndLeavesNoThread() {
        BatchNotifier n = notifier(HOUR);
        FakeReporter a = new FakeReporter();
        FakeReporter b = new FakeReporter();
        n.bindReporter(a, named("a"));
        n.bindReporter(b, named("b"));
        n.queue(R1, PRIMARY);
        await().atMost(WAIT).until(() -> a.batches.size() == 1 && b.batches.size() == 1);
        n.queue(R2, BACKUP);
        n.queue(R3, PRIMARY);
        assertEquals(List.of("l3ha-notifier-a", "l3ha-notifier-b"), senderThreads().stream().sorted().toList());
        n.deactivate();
        assertEquals(Map.of(R2, "standby", R3, "active"), a.batches.get(1));
        assertEquals(Map.of(R2, "standby", R3, "active"), b.batches.get(1));
        await().atMost(WAIT).until(() -> senderThreads().isEmpty());
        n.deactivate(); // idempotent
        n.queue(R1, BACKUP); // harmless after deactivate
        n.bindReporter(new FakeReporter(), named("c"));
        assertTrue(senderThreads().isEmpty());
    }

    @Test
    void deactivateRetriesAFailedBatchOnceIgnoringTheBackoff() {
        BatchNotifier n = notifier("0");
        FakeReporter r = new FakeReporter();
        r.failing = true;
        n.bindReporter(r, named("a"));
        n.queue(R1, PRIMARY);
        await().atMost(WAIT).until(() -> r.calls.get() == 1);
        r.failing = false;
        n.deactivate(); // the backoff would wait 1 s; the last attempt does not
        assertEquals(List.of(Map.of(R1, "active")), r.batches);
    }

    @Test
    void aReporterThatNeverReturnsDoesNotHangDeactivate() {
        BatchNotifier n = notifier("0", Duration.ofMillis(300));
        FakeReporter stuck = new FakeReporter();
        block(stuck);
        CountDownLatch entered = stuck.entered;
        FakeReporter fine = new FakeReporter();
        n.bindReporter(stuck, named("stuck"));
        n.bindReporter(fine, named("fine"));
        n.queue(R1, PRIMARY);
        await().atMost(WAIT).until(() -> entered.getCount() == 0 && fine.batches.size() == 1);
        n.queue(R2, PRIMARY);
        assertTimeoutPreemptively(Duration.ofSeconds(5), n::deactivate);
        await().atMost(WAIT).until(() -> senderThreads().isEmpty());
        assertTrue(stuck.batches.isEmpty());
        assertEquals(Map.of(R1, "active", R2, "active"), fine.picture());
    }

    @Test
    void aReporterIgnoringInterruptionDoesNotHangDeactivateEither() {
        BatchNotifier n = notifier("0", Duration.ofMillis(200));
        FakeReporter stuck = new FakeReporter();
        stuck.ignoreInterrupts = true;
        CountDownLatch gate = block(stuck);
        CountDownLatch entered = stuck.entered;
        n.bindReporter(stuck, named("stubborn"));
        n.queue(R1, PRIMARY);
        await().atMost(WAIT).until(() -> entered.getCount() == 0);
        assertTimeoutPreemptively(Duration.ofSeconds(5), n::deactivate);
        assertEquals(List.of("l3ha-notifier-stubborn"), senderThreads());
        gate.countDown(); // the reporter finally returns; its thread ends without another call
        await().atMost(WAIT).until(() -> senderThreads().isEmpty());
        assertEquals(1, stuck.calls.get());
    }

    @Test
    void modifiedAppliesANewIntervalFromTheNextBatch() {
        BatchNotifier n = notifier(HOUR);
        FakeReporter r = new FakeReporter();
        n.bindReporter(r, named("a"));
        n.queue(R1, PRIMARY);
        await().atMost(WAIT).until(() -> r.batches.size() == 1);
        n.queue(R2, PRIMARY); // would wait an hour
        n.modified(AgentConfigs.of(Map.of("batch_interval", "0")));
        assertEquals(0L, n.intervalNanos());
        await().atMost(WAIT).until(() -> r.batches.size() == 2);
        assertEquals(Map.of(R2, "active"), r.batches.get(1));
    }

    @Test
    void modifiedRejectsAnInvalidConfigurationWithAnErrorAndKeepsTheLastGoodOne() {
        BatchNotifier n = notifier("0.5");
        String log = captureStderr(() -> n.modified(AgentConfigs.of(Map.of("batch_interval", "soon"))));
        assertTrue(log.contains("ERROR"), log);
        assertTrue(log.contains("batch_interval='soon'"), log);
        assertEquals(TimeUnit.MILLISECONDS.toNanos(500), n.intervalNanos());
        log = captureStderr(() -> n.modified(AgentConfigs.of(Map.of("batch_interval", "-1"))));
        assertTrue(log.contains("batch_interval='-1'"), log);
        assertEquals(TimeUnit.MILLISECONDS.toNanos(500), n.intervalNanos());
        n.modified(AgentConfigs.of(Map.of("batch_interval", "0.25")));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(250), n.intervalNanos());
    }

    @Test
    void invalidConfigurationAtActivationIsRejected() {
        String[] message = new String[1];
        String log = captureStderr(() -> message[0] = assertThrows(ConfigException.class,
                () -> new BatchNotifier(AgentConfigs.of(Map.of("batch_interval", "abc")))).getMessage());
        assertTrue(message[0].contains("batch_interval='abc'"), message[0]);
        assertTrue(log.contains("ERROR") && log.contains("batch_interval='abc'"), log);
    }

    @Test
    void batchIntervalDefaultsToTheAdvertInterval() {
        assertEquals(TimeUnit.SECONDS.toNanos(2), new BatchNotifier(AgentConfigs.of(Map.of())).intervalNanos());
        Map<String, Object> props = new HashMap<>();
        props.put("ha_vrrp_advert_int", "5");
        assertEquals(TimeUnit.SECONDS.toNanos(5), new BatchNotifier(AgentConfigs.of(props)).intervalNanos());
        props.put("ha_vrrp_advert_int", 0);
        assertEquals(TimeUnit.MILLISECONDS.toNanos(50), new BatchNotifier(AgentConfigs.of(props)).intervalNanos(), "never 0 by default");
        props.put("batch_interval", "0");
        assertEquals(0L, new BatchNotifier(AgentConfigs.of(props)).intervalNanos(), "0 when set so");
        props.put("batch_interval", "1.5");
        assertEquals(TimeUnit.MILLISECONDS.toNanos(1500), new BatchNotifier(AgentConfigs.of(props)).intervalNanos());
    }

    @Test
    void reporterNamesComeFromPropertyComponentNameOrClassAndStayUnique() {
        BatchNotifier n = notifier(HOUR);
        n.bindReporter(new FakeReporter(), Map.of("l3ha.reporter", "journal", "component.name", "x", "service.id", 7L));
        n.bindReporter(new FakeReporter(), Map.of("l3ha.reporter", "journal", "service.id", 8L));
        n.bindReporter(new FakeReporter(), Map.of("component.name", "org.l3ha.reporter.oslo", "service.id", 9L));
        n.bindReporter(new FakeReporter(), Map.of());
        Map<String, Long> c = n.counters();
        assertTrue(c.containsKey("reporter.journal.pending"), c.toString());
        assertTrue(c.containsKey("reporter.journal#8.pending"), c.toString());
        assertTrue(c.containsKey("reporter.org.l3ha.reporter.oslo.pending"), c.toString());
        assertTrue(c.containsKey("reporter." + FakeReporter.class.getName() + ".pending"), c.toString());
        assertEquals(4L, c.get("reporters"));
        assertTrue(senderThreads().contains("l3ha-notifier-journal#8"), senderThreads().toString());
    }

    @Test
    void countersAddUp() {
        BatchNotifier n = notifier("0");
        FakeReporter r = new FakeReporter();
        n.bindReporter(r, named("a"));
        n.queue(R1, PRIMARY);
        await().atMost(WAIT).until(() -> r.batches.size() == 1);
        n.queue(R2, PRIMARY);
        await().atMost(WAIT).until(() -> r.batches.size() == 2);
        Map<String, Long> c = n.counters();
        assertEquals(2L, c.get("queued"));
        assertEquals(0L, c.get("ignored"));
        assertEquals(2L, c.get("batches_sent"));
        assertEquals(2L, c.get("states_reported"));
        assertEquals(0L, c.get("report_failures"));
        assertEquals(2L, c.get("reporter.a.batches_sent"));
        assertEquals(2L, c.get("reporter.a.states_reported"));
        assertEquals(0L, c.get("reporter.a.pending"));
        assertEquals(2L, c.get("routers"));
    }

    private static synchronized String captureStderr(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    private static Map<String, HistogramSnapshot> histograms(BatchNotifier n, String reporter) {
        Map<String, HistogramSnapshot> out = new TreeMap<>();
        for (HistogramSnapshot h : n.histograms()) {
            if (reporter.equals(h.labels().get("reporter"))) {
                assertNull(out.put(h.name(), h), "each name once per reporter: " + n.histograms());
            }
        }
        return out;
    }

    @Test
    void delaysBatchSizesAndTheWaitThroughAFailureAreRecordedPerReporterAndOutliveItsChannel() {
        BatchNotifier n = notifier("0");
        FakeReporter a = new FakeReporter();
        FakeReporter b = new FakeReporter();
        b.failing = true;
        n.bindReporter(a, named("a"));
        n.bindReporter(b, named("b"));
        n.queue(R1, PRIMARY);
        await().atMost(WAIT).until(() -> a.batches.size() == 1 && n.counters().get("reporter.b.report_failures") >= 1);
        n.queue(R2, BACKUP);
        n.queue(R3, BACKUP);
        await().atMost(WAIT).until(() -> a.batches.stream().mapToInt(Map::size).sum() == 3);
        Map<String, HistogramSnapshot> ha = histograms(n, "a");
        assertEquals(List.of("report_batch_size", "report_delay_seconds", "report_outage_wait_seconds"),
                new ArrayList<>(ha.keySet()));
        assertEquals(3, ha.get("report_delay_seconds").count(), "one per state delivered: " + ha);
        assertEquals(a.batches.size(), ha.get("report_batch_size").count(), ha.toString());
        assertEquals(3, ha.get("report_batch_size").sum(), 0, ha.toString());
        assertEquals(0, ha.get("report_outage_wait_seconds").count(), "a never failed: " + ha);
        assertEquals(0, histograms(n, "b").get("report_delay_seconds").count(), "b delivered nothing yet");

        b.failing = false; // b's retry (1 s backoff) delivers all three
        await().atMost(WAIT).until(() -> n.counters().get("reporter.b.states_reported") == 3);
        Map<String, HistogramSnapshot> hb = histograms(n, "b");
        assertEquals(3, hb.get("report_delay_seconds").count(), hb.toString());
        assertEquals(3, hb.get("report_outage_wait_seconds").count(), "R1 failed first, R2 and R3 were queued during the backoff: " + hb);
        assertTrue(hb.get("report_outage_wait_seconds").sum() >= 3 * 0.9,
                "each waited about the 1 s backoff or more: " + hb);

        // the same name bound again carries on with its histograms
        n.unbindReporter(a, named("a"));
        FakeReporter a2 = new FakeReporter();
        n.bindReporter(a2, named("a"));
        await().atMost(WAIT).until(() -> a2.batches.stream().mapToInt(Map::size).sum() == 3); // seeded
        assertEquals(6, histograms(n, "a").get("report_delay_seconds").count(), histograms(n, "a").toString());
    }
}
