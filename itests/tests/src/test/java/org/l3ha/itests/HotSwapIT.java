package org.l3ha.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.l3ha.api.Health;
import org.l3ha.api.RouterStatus;
import org.l3ha.api.StatsProvider;
import org.l3ha.api.TransitionEngine;
import org.l3ha.itests.support.Containers;
import org.l3ha.itests.support.Journal;
import org.l3ha.itests.support.KarafTestSupport;
import org.l3ha.itests.support.Osgi;
import org.l3ha.itests.support.Poll;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.ExamFactory;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.karaf.container.internal.KarafTestContainerFactory;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.Version;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Zero loss while bundles are swapped and upgraded under load, in stock Karaf with feature l3ha:
 * 200 routers, clients streaming at least 1,000 notifications per second over fresh unix-socket
 * connections (retrying as a notify script would), while every l3ha bundle in turn is stopped and
 * started, then updated; then, in a second phase, the notifier is upgraded to a new version.
 * Afterwards, for every router, the last state sent is the last state reported and persisted,
 * nothing was reported out of order, and no thread, descriptor or file is left behind.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@ExamFactory(KarafTestContainerFactory.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class HotSwapIT extends KarafTestSupport {
    static final List<String> ROUTERS = Containers.routerIds("b0a7", 200);
    static final List<String> SWAPPED = List.of("org.l3ha.endpoint", "org.l3ha.engine", "org.l3ha.notifier",
            "org.l3ha.registry.file", "org.l3ha.reporter.journal", "org.l3ha.process", "org.l3ha.ipv6", "org.l3ha.metadata",
            "org.l3ha.radvd", "org.l3ha.health", "org.l3ha.metrics");
    static final int CLIENTS = 8;
    /** Target of the load generator; at least {@link #MIN_RATE} must be achieved over the whole run. */
    static final double RATE = 1_500;
    static final double MIN_RATE = 1_000;
    /** Notifications answered between two swaps, so that every bundle works under load before the next swap. */
    static final int BETWEEN_SWAPS = 2_500;
    /**
     * Descriptors the process may hold more after the run than before without a leak: files the
     * JVM opens lazily (a JDK module or jar first needed by the run) and a karaf.log rollover. The
     * bundle cache's jars of updated revisions replace the old ones (measured: no growth). Sockets
     * get no slack.
     */
    static final int FD_SLACK = 5;

    @Inject
    BundleContext context;

    private ServiceComponentRuntime scr;
    private ServiceTracker<Health, Health> health;
    private ServiceTracker<TransitionEngine, TransitionEngine> engine;

    @Configuration
    public Option[] config() {
        Path state = Containers.newStateDir("swap");
        Path routers = Containers.writeRouters(state, ROUTERS);
        // every router starts as backup (as after a restart of the node): its first "sent" state
        Containers.writeStateFiles(state, ROUTERS, "backup");
        // batches every 50 ms instead of every ha_vrrp_advert_int: many more journal lines, so that
        // check (c) sees the order of reports, not only their last state per second
        return options(Containers.karaf(state, routers, Map.of("batch_interval", "0.05")));
    }

    @Before
    public void ready() {
        scr = Osgi.service(context, ServiceComponentRuntime.class, Duration.ofSeconds(30));
        // a monitoring client holding the Health service keeps its (delayed) component active
        health = Osgi.track(context, Health.class);
        engine = Osgi.track(context, TransitionEngine.class);
        Poll.until("every l3ha component active", Duration.ofSeconds(60), () -> Scr.notActive(scr, Scr.l3haBundles(context)).isEmpty(),
                () -> String.join("; ", Scr.notActive(scr, Scr.l3haBundles(context))));
        awaitSocket();
    }

    @After
    public void release() {
        health.close();
        engine.close();
    }

    // ------------------------------------------------------------------ phase 1: swap every bundle

    @Test
    public void a_everyBundleStoppedStartedAndUpdatedUnderLoadLosesNoTransition() throws Exception {
        warmUp();
        quiesce();
        int journalFrom = journal().size();
        Map<String, String> initial = settledStates(0);
        Baseline baseline = idleBaseline();

        Load load = new Load(socket(), ROUTERS, initial, CLIENTS, RATE, 20261125L);
        List<String> timings = new ArrayList<>();
        Operator operator = new Operator();
        load.start();
        operator.start();
        try {
            awaitAnswered(load, 2 * BETWEEN_SWAPS);
            for (String bsn : SWAPPED) {
                Bundle b = Scr.bundle(context, bsn);
                long t0 = System.nanoTime();
                b.stop();
                long t1 = System.nanoTime();
                b.start();
                awaitActive(b);
                long t2 = System.nanoTime();
                awaitAnswered(load, BETWEEN_SWAPS);
                long t3 = System.nanoTime();
                b.update();
                awaitActive(b);
                long t4 = System.nanoTime();
                awaitAnswered(load, BETWEEN_SWAPS);
                timings.add(String.format("%-26s stop %5d ms, start until active %5d ms, update until active %5d ms",
                        bsn, ms(t1 - t0), ms(t2 - t1), ms(t4 - t3)));
            }
        } finally {
            operator.stop();
            load.stop();
        }
        System.out.println("Hot swap under load:");
        timings.forEach(t -> System.out.println("  " + t));
        report(load);
        System.out.println("Operator: " + operator.resyncs.get() + " resyncs of every router during the load");
        assertEquals("load generator errors", List.of(), load.errors());
        assertTrue(String.format("achieved %.0f notifications/s, at least %.0f required", load.achievedRate(), MIN_RATE),
                load.achievedRate() >= MIN_RATE);

        quiesce();
        assertZeroLoss(load, journalFrom);
        assertNoLeaks(baseline);
    }

    // ------------------------------------------------------------------ phase 2: upgrade the notifier

    @Test
    public void b_notifierUpgradedUnderLoadLosesNoTransitionAndDisturbsNoOtherBundle() throws Exception {
        Path next = Path.of(System.getProperty(Containers.NOTIFIER_NEXT));
        assertTrue("upgrade build " + next, Files.isRegularFile(next));
        quiesce();
        int journalFrom = journal().size();
        Map<String, String> initial = settledStates(0);

        Bundle notifier = Scr.bundle(context, "org.l3ha.notifier");
        Version before = notifier.getVersion();
        long notifierId = notifier.getBundleId();
        Bundle engineBundle = Scr.bundle(context, "org.l3ha.engine");
        long engineComponent = Scr.componentId(scr, engineBundle, "org.l3ha.engine");
        Map<Long, String> others = otherBundles(notifierId);
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        SynchronousBundleListener listener = e -> {
            Bundle b = e.getBundle();
            if (b.getBundleId() != notifierId && b.getSymbolicName() != null && b.getSymbolicName().startsWith("org.l3ha.")) {
                events.add(b.getSymbolicName() + " " + event(e.getType()));
            }
        };
        EngineCounter counter = new EngineCounter();

        Load load = new Load(socket(), ROUTERS, initial, CLIENTS, RATE, 42L);
        context.addBundleListener(listener);
        counter.start();
        long upgrade;
        Instant upgraded;
        load.start();
        try {
            awaitAnswered(load, 2 * BETWEEN_SWAPS);
            long t0 = System.nanoTime();
            try (InputStream in = Files.newInputStream(next)) {
                notifier.update(in);
            }
            awaitActive(notifier);
            upgrade = System.nanoTime() - t0;
            upgraded = Instant.now();
            awaitAnswered(load, 2 * BETWEEN_SWAPS);
        } finally {
            load.stop();
            counter.stop();
            context.removeBundleListener(listener);
        }
        System.out.println(String.format("Hot upgrade under load: org.l3ha.notifier %s -> %s, update until active %d ms",
                before, notifier.getVersion(), ms(upgrade)));
        report(load);
        assertEquals("load generator errors", List.of(), load.errors());
        assertTrue(String.format("achieved %.0f notifications/s", load.achievedRate()), load.achievedRate() >= MIN_RATE);

        // the running notifier is the new version, in place (same bundle)
        assertEquals(notifierId, notifier.getBundleId());
        assertEquals(Bundle.ACTIVE, notifier.getState());
        assertEquals(new Version(0, 1, 1), new Version(notifier.getVersion().getMajor(), notifier.getVersion().getMinor(),
                notifier.getVersion().getMicro()));
        assertNotEquals(before, notifier.getVersion());
        // nothing else was stopped, refreshed or re-activated
        assertEquals("no other l3ha bundle changed state", List.of(), events);
        assertEquals(others, otherBundles(notifierId));
        assertEquals("the engine component was not reactivated", engineComponent, Scr.componentId(scr, engineBundle, "org.l3ha.engine"));
        assertEquals("the engine's notifications counter never went down: " + counter, 0, counter.decreases.get());
        assertTrue(counter.toString(), counter.last.get() > counter.first.get());

        quiesce();
        assertZeroLoss(load, journalFrom);
        assertTrue("the upgraded notifier delivers", journal().lines().stream().anyMatch(l -> l.time().isAfter(upgraded)));
    }

    // ------------------------------------------------------------------ checks

    /**
     * (a) the last state sent, as the server names it, is the last one reported in the journal;
     * (b) the state file holds the last state sent; (c) the router's journal sequence, repeats
     * collapsed, is a subsequence of what was sent, repeats collapsed (nothing out of order).
     */
    private void assertZeroLoss(Load load, int journalFrom) throws Exception {
        List<Journal.Line> lines = journal().lines();
        Map<String, List<String>> reported = Journal.histories(lines, journalFrom);
        Map<String, List<String>> allReported = Journal.histories(lines, 0);
        List<String> problems = new ArrayList<>();
        int transitionsSent = 0;
        for (String id : ROUTERS) {
            List<String> sent = load.sent().get(id);
            String last = sent.get(sent.size() - 1);
            List<String> sentNames = Journal.collapse(sent.stream().map(Journal::serverName).collect(Collectors.toList()));
            transitionsSent += sentNames.size() - 1;
            List<String> all = allReported.getOrDefault(id, List.of());
            String lastReported = all.isEmpty() ? null : all.get(all.size() - 1);
            if (!Journal.serverName(last).equals(lastReported)) {
                problems.add(id + " (a): last sent " + last + ", last reported " + lastReported + "; sent tail "
                        + tail(sent, 6) + ", reported tail " + tail(all, 6));
            }
            String file = Files.readString(stateFile(id));
            if (!last.equals(file)) {
                problems.add(id + " (b): last sent " + last + ", state file " + file);
            }
            List<String> rep = Journal.collapse(reported.getOrDefault(id, List.of()));
            if (!Journal.isSubsequence(rep, sentNames)) {
                problems.add(id + " (c): reported " + rep + " is not a subsequence of sent " + sentNames);
            }
        }
        System.out.println(String.format("Zero-loss check: %d routers, %d notifications answered, %d state changes sent"
                + " (server names, repeats collapsed), %d journal lines checked, %d problems", ROUTERS.size(), load.successes(),
                transitionsSent, lines.size() - journalFrom, problems.size()));
        assertEquals("zero loss:\n" + String.join("\n", problems.subList(0, Math.min(20, problems.size()))), 0, problems.size());
    }

    /**
     * One debounced primary and back, so that the threads components create on first use (the
     * engine's debounce timer, the endpoint's event loop) exist before the baseline is taken.
     */
    private void warmUp() throws Exception {
        String router = ROUTERS.get(0);
        TransitionEngine e = Osgi.await(engine, Duration.ofSeconds(30));
        for (String word : List.of("primary", "backup")) {
            assertEquals(200, notifyAgent(router, word).status());
            Poll.until(router + " " + word + " applied", Duration.ofSeconds(30),
                    () -> e.appliedState(router).map(s -> s.word().equals(word)).orElse(false));
        }
    }

    /** Threads and descriptors before the load, once the container is idle (idle pools shrunk). */
    private record Baseline(List<String> threads, Map<Integer, String> fds, Map<String, Integer> kinds, List<String> unixSockets) {
    }

    private Baseline idleBaseline() {
        // idle engine workers end after 10 s, as do endpoint threads above the minimum
        Poll.until("idle l3ha pools", Duration.ofSeconds(40),
                () -> Leaks.l3haThreads().stream().noneMatch(n -> n.startsWith("l3ha-engine-worker")), () -> Leaks.l3haThreads().toString());
        Map<Integer, String> fds = Leaks.fds();
        // classified now: a socket closed later is no longer in /proc/net/unix
        Baseline b = new Baseline(Leaks.l3haThreads(), fds, Leaks.byTarget(fds), Leaks.unixSockets(fds));
        System.out.println("Before the load: " + b.threads().size() + " l3ha threads " + families(b.threads()) + ", "
                + b.fds().size() + " descriptors " + b.kinds().entrySet().stream()
                        .filter(e -> !e.getKey().startsWith("/")).collect(Collectors.toList()));
        return b;
    }

    private void assertNoLeaks(Baseline before) throws Exception {
        // (d) threads named l3ha-* come back to what there was before (idle pools shrink after 10 s)
        long t0 = System.nanoTime();
        boolean threadsBack = Poll.within(Duration.ofSeconds(40), () -> Leaks.l3haThreads().size() <= before.threads().size());
        List<String> threads = Leaks.l3haThreads();
        System.out.println("After the load (" + ms(System.nanoTime() - t0) + " ms later): " + threads.size() + " l3ha threads "
                + families(threads));
        assertTrue("l3ha threads: before " + families(before.threads()) + ", after " + families(threads), threadsBack);

        // (e) descriptors: not one unix socket more than before, and at most FD_SLACK more in all
        Map<Integer, String> fds = Leaks.fds();
        Map<String, Integer> kindsBefore = before.kinds();
        Map<String, Integer> kindsAfter = Leaks.byTarget(fds);
        Map<String, Integer> growth = Leaks.growth(kindsBefore, kindsAfter);
        System.out.println("Descriptors: before " + before.fds().size() + " (unix sockets " + kindsBefore.get("unix socket")
                + "), after " + fds.size() + " (unix sockets " + kindsAfter.get("unix socket") + "); grown: " + growth);
        assertTrue("unix sockets grew: " + growth + "; before (fd: Num RefCount Protocol Flags Type St Inode Path) "
                + before.unixSockets() + ", after " + Leaks.unixSockets(fds), !growth.containsKey("unix socket"));
        assertTrue("descriptors grew by more than " + FD_SLACK + ": " + growth, fds.size() <= before.fds().size() + FD_SLACK);

        // (f) one socket file, no temporaries of the endpoint (.ksc-*) or the engine (l3ha-engine.pending*)
        assertEquals(List.of(socket()), Leaks.sockets(state()));
        assertEquals(List.of(), Leaks.leftovers(state()));
    }

    /** Waits until nothing is pending in the engine or the notifier and the journal has not changed for 3 s. */
    private void quiesce() {
        long[] lastChange = {System.nanoTime()};
        int[] lastSize = {-1};
        long t0 = System.nanoTime();
        Poll.until("quiescence (journal unchanged for 3 s, nothing pending)", Duration.ofSeconds(90), () -> {
            int size = journal().size();
            TransitionEngine e = engine.getService();
            boolean pending = e == null || e.statuses().stream().anyMatch(s -> s.pending().isPresent());
            long notifierPending = counter("notifier", "reporter.journal.pending");
            if (size != lastSize[0] || pending || notifierPending != 0) {
                lastSize[0] = size;
                lastChange[0] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - lastChange[0] >= TimeUnit.SECONDS.toNanos(3);
        });
        System.out.println("Quiescent after " + ms(System.nanoTime() - t0) + " ms");
    }

    /**
     * @return every router's state (state file word) once settled; each must already be the last
     *         state reported for it from journal line {@code from} on
     */
    private Map<String, String> settledStates(int from) throws Exception {
        Map<String, List<String>> reported = Journal.histories(journal().lines(), from);
        Map<String, String> states = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        TransitionEngine e = Osgi.await(engine, Duration.ofSeconds(30));
        for (String id : ROUTERS) {
            String word = Files.readString(stateFile(id));
            states.put(id, word);
            List<String> r = reported.getOrDefault(id, List.of());
            if (r.isEmpty() || !r.get(r.size() - 1).equals(Journal.serverName(word))) {
                problems.add(id + ": state file " + word + ", reported " + tail(r, 3));
            }
            RouterStatus s = e.status(id).orElseThrow();
            if (!s.applied().map(a -> a.word().equals(word)).orElse(false)) {
                problems.add(id + ": state file " + word + ", engine " + s.applied());
            }
        }
        assertEquals("settled before the load: " + problems.subList(0, Math.min(10, problems.size())), 0, problems.size());
        return states;
    }

    private void awaitActive(Bundle b) {
        Poll.until(b.getSymbolicName() + " and its components active", Duration.ofSeconds(60),
                () -> b.getState() == Bundle.ACTIVE && Scr.notActive(scr, List.of(b)).isEmpty(),
                () -> String.join("; ", Scr.notActive(scr, List.of(b))));
    }

    private static void awaitAnswered(Load load, int more) {
        long target = load.successes() + more;
        Poll.until(more + " more notifications answered", Duration.ofSeconds(90),
                () -> load.successes() >= target || !load.errors().isEmpty(),
                () -> "answered " + load.successes() + ", retries " + load.retries());
        assertEquals("load generator errors", List.of(), load.errors());
    }

    private long counter(String section, String name) {
        try {
            for (ServiceReference<StatsProvider> ref : context.getServiceReferences(StatsProvider.class,
                    "(" + StatsProvider.NAME + "=" + section + ")")) {
                StatsProvider p = context.getService(ref);
                try {
                    if (p != null) {
                        return p.counters().getOrDefault(name, 0L);
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }

    private Map<Long, String> otherBundles(long except) {
        Map<Long, String> out = new TreeMap<>();
        for (Bundle b : Scr.l3haBundles(context)) {
            if (b.getBundleId() != except) {
                out.put(b.getBundleId(), b.getSymbolicName() + " " + Scr.bundleState(b.getState()) + " " + b.getVersion()
                        + " modified " + b.getLastModified());
            }
        }
        return out;
    }

    /**
     * An operator resyncing every router (the engine's resyncAll, what {@code l3ha:resync} runs)
     * every 20 ms while the load runs: a resync must never report a state older than one already
     * reported.
     */
    private final class Operator {
        final AtomicLong resyncs = new AtomicLong();
        private final AtomicBoolean stop = new AtomicBoolean();
        private Thread thread;

        void start() {
            thread = new Thread(() -> {
                while (!stop.get()) {
                    TransitionEngine e = engine.getService();
                    try {
                        if (e != null && e.resyncAll() > 0) {
                            resyncs.incrementAndGet();
                        }
                    } catch (RuntimeException ex) {
                        // the engine was being swapped: the next one gets the next resync
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // the operator's pace
                }
            }, "itest-operator");
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }
    }

    /** Samples the engine's {@code notifications} counter: it must never go down (no new engine instance). */
    private final class EngineCounter {
        final AtomicLong first = new AtomicLong(-1);
        final AtomicLong last = new AtomicLong(-1);
        final AtomicLong samples = new AtomicLong();
        final AtomicLong decreases = new AtomicLong();
        private final AtomicBoolean stop = new AtomicBoolean();
        private Thread thread;

        void start() {
            thread = new Thread(() -> {
                while (!stop.get()) {
                    long v = counter("engine", "notifications");
                    if (v >= 0) {
                        first.compareAndSet(-1, v);
                        long prev = last.getAndSet(v);
                        if (prev >= 0 && v < prev) {
                            decreases.incrementAndGet();
                        }
                        samples.incrementAndGet();
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // sampling period
                }
            }, "itest-engine-counter");
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }

        @Override
        public String toString() {
            return "engine notifications counter: first " + first + ", last " + last + ", " + samples + " samples, "
                    + decreases + " decreases";
        }
    }

    private static void report(Load load) {
        System.out.println(String.format("Load: %d clients, %d routers, %d notifications answered in %.1f s = %.0f/s"
                + " (%d attempts; retries %s; longest until answered %d ms)", CLIENTS, ROUTERS.size(), load.successes(),
                load.duration().toMillis() / 1000.0, load.achievedRate(), load.attempts(), load.retries(),
                load.longestRetry().toMillis()));
    }

    private static Map<String, Integer> families(List<String> threads) {
        Map<String, Integer> out = new TreeMap<>();
        threads.forEach(n -> out.merge(n.replaceAll("-\\d+$", "-N"), 1, Integer::sum));
        return out;
    }

    private static <T> List<T> tail(List<T> l, int n) {
        return l.subList(Math.max(0, l.size() - n), l.size());
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static String event(int type) {
        Map<Integer, String> names = new HashMap<>(Map.of(BundleEvent.INSTALLED, "INSTALLED", BundleEvent.STARTED, "STARTED",
                BundleEvent.STOPPED, "STOPPED", BundleEvent.UPDATED, "UPDATED", BundleEvent.UNINSTALLED, "UNINSTALLED",
                BundleEvent.RESOLVED, "RESOLVED", BundleEvent.UNRESOLVED, "UNRESOLVED", BundleEvent.STARTING, "STARTING",
                BundleEvent.STOPPING, "STOPPING", BundleEvent.LAZY_ACTIVATION, "LAZY_ACTIVATION"));
        return names.getOrDefault(type, String.valueOf(type));
    }
}
