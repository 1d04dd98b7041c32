package org.l3ha.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.l3ha.common.testing.Exec;
import org.l3ha.itests.support.Dirs;
import org.l3ha.itests.support.Journal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Mass failover: every router flips state, one notification per router at concurrency 64 (a
 * storm). l3ha: the built assembly in Karaf, times from its journal: the first storm after boot
 * (primary) is the <b>cold</b> one; then warm-up storms, alternating; then the measured <b>warm</b>
 * phases primary → backup → primary (the agent has been through storms already, as on a node that
 * has run for days). The floor: how long the same client needs to have 10,000 connections accepted
 * and answered by {@code Floor.java}. Neutron: {@code ../shared/bench/neutron_mass_failover.py}.
 */
final class MassFailover {
    static final List<String> PHASES = List.of("primary", "backup", "primary");
    static final int CONCURRENCY = 64;
    static final Duration CAP = Duration.ofSeconds(180);
    /** Warm-up storms between the cold storm and the measured warm phases, unless {@code bench.warmStorms} says otherwise. */
    static final int DEFAULT_WARM_STORMS = 3;
    /** Measured runs of the floor's accept time (after one unmeasured); the median is the yardstick. */
    static final int FLOOR_RUNS = 3;

    /**
     * One storm of l3ha. {@code kind}: {@code cold} (the first after boot), {@code warm-up} (not
     * a target) or {@code warm}. {@code timeline}: (ms since the first notification, routers
     * reported with the new state). {@code jitCpuSeconds}: utime+stime of the JVM's C1/C2 compiler
     * threads over the storm (threads that exited during it are not counted: a lower bound).
     */
    record L3haPhase(String kind, int advertInt, int phase, String state, int routers, double seconds, boolean lowerBound,
            int batches, int maxBatch, int missing, int wrong, double sendSeconds, int sendErrors, double cpuSeconds,
            double jitCpuSeconds, List<long[]> timeline) {
        /** @return agent CPU per transition, ms (the storm's CPU / routers) */
        double cpuMsPerTransition() {
            return cpuSeconds * 1000 / routers;
        }
    }

    /** One advert interval of l3ha: the cold storm, the warm-up storms, the measured warm phases and the Karaf JVM's heap. */
    record L3haRun(int advertInt, int routers, long heapIdleBytes, long heapAfterBytes, double startupCpuSeconds, L3haPhase cold,
            List<L3haPhase> warmUps, List<L3haPhase> phases, Map<String, Long> stats) {
        /** @return the batch interval l3ha ran with (batch_interval is not configured: it is ha_vrrp_advert_int) */
        double batchInterval() {
            return advertInt;
        }
    }

    /**
     * The floor's accept time: the harness's client ({@link MonitorClient}, the same bytes and
     * concurrency as the storms) sending one notification per router to {@code Floor.java}, first
     * connect → last reply; {@code seconds} are the measured runs (after one unmeasured).
     */
    record FloorAccept(int routers, int threads, List<Double> seconds, int errors) {
        double median() {
            List<Double> s = seconds.stream().sorted().toList();
            return s.get(s.size() / 2);
        }
    }

    /** One phase of Neutron's run (its JSON fields). */
    record NeutronPhase(int advertInt, int phase, String state, int routers, double seconds, boolean lowerBound,
            int batches, int maxBatch, int missing, int wrong, double cpuSeconds, double peakRssMiB, double arrivalSpan,
            double loadgenReqPerS) {
    }

    private MassFailover() {
    }

    /**
     * The warm-up storms' states after the cold primary storm: alternating, starting with backup
     * and ending with backup so that the measured warm phases begin with a real backup → primary
     * failover; {@code requested} is therefore rounded up to the next odd number (at least 1).
     */
    static List<String> warmUpStates(int requested) {
        int n = Math.max(1, requested % 2 == 0 ? requested + 1 : requested);
        List<String> states = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            states.add(i % 2 == 0 ? "backup" : "primary");
        }
        return states;
    }

    /** Measures {@link FloorAccept}: Floor with {@link FloorServer#threads()} threads, fresh for this. */
    static FloorAccept floorAccept(Path work, Path floorClasses, int routers, Consumer<String> log)
            throws IOException, InterruptedException {
        Path fWork = work.resolve("massfo-floor");
        List<String> ids = RouterDocs.ids(routers);
        try (FloorServer floor = FloorServer.start(floorClasses, fWork)) {
            MonitorClient.Result warm = MonitorClient.sendAll(floor.socket(), ids, "primary", CONCURRENCY);
            log.accept(String.format("[massfo] floor warm-up (not reported): %.3f s, %d errors",
                    (warm.lastReplyEpochMillis() - warm.firstSendEpochMillis()) / 1000.0, warm.errors()));
            List<Double> seconds = new ArrayList<>();
            int errors = warm.errors();
            for (int i = 0; i < FLOOR_RUNS; i++) {
                MonitorClient.Result r = MonitorClient.sendAll(floor.socket(), ids, i % 2 == 0 ? "backup" : "primary", CONCURRENCY);
                seconds.add((r.lastReplyEpochMillis() - r.firstSendEpochMillis()) / 1000.0);
                errors += r.errors();
                log.accept(String.format("[massfo] floor accepts %d notifications (%d threads): %.3f s, %d errors%s", routers,
                        floor.threadCount(), seconds.get(i), r.errors(), r.firstError() == null ? "" : ": " + r.firstError()));
            }
            return new FloorAccept(routers, floor.threadCount(), seconds, errors);
        } finally {
            Dirs.deleteTree(fWork);
        }
    }

    static L3haRun runL3ha(Path work, int routers, int advertInt, int warmStorms, Consumer<String> log)
            throws IOException, InterruptedException {
        Path kWork = work.resolve("massfo-l3ha-a" + advertInt);
        try (KarafInstance karaf = KarafInstance.create(kWork, advertInt)) {
            RouterDocs.write(karaf.routersDir(), routers);
            karaf.start(routers, Duration.ofMinutes(5));
            Journal journal = new Journal(karaf.journal());
            // quiet: the start-up resync is complete when every router is in the journal (start() waited for it)
            journal.size();
            long pid = karaf.pid();
            double startupCpu = Machine.cpuSeconds(pid);
            long heapIdle = Machine.heapAfterGc(pid);
            Storms storms = new Storms(karaf, journal, RouterDocs.ids(routers), advertInt, log);
            L3haPhase cold = storms.run("cold", 1, "primary");
            List<L3haPhase> warmUps = new ArrayList<>();
            List<String> warmUpStates = warmUpStates(warmStorms);
            for (int i = 0; i < warmUpStates.size(); i++) {
                warmUps.add(storms.run("warm-up", i + 1, warmUpStates.get(i)));
            }
            List<L3haPhase> phases = new ArrayList<>();
            for (int p = 0; p < PHASES.size(); p++) {
                phases.add(storms.run("warm", p + 1, PHASES.get(p)));
            }
            long heapAfter = Machine.heapAfterGc(pid);
            Map<String, Long> stats = karaf.stats();
            return new L3haRun(advertInt, routers, heapIdle, heapAfter, startupCpu, cold, warmUps, phases, stats);
        } finally {
            Dirs.deleteTree(kWork);
        }
    }

    /** Storms against one running Karaf. */
    private record Storms(KarafInstance karaf, Journal journal, List<String> ids, int advertInt, Consumer<String> log) {
        L3haPhase run(String kind, int number, String state) throws IOException, InterruptedException {
            Set<String> idSet = new HashSet<>(ids);
            int routers = ids.size();
            long pid = karaf.pid();
            double interval = advertInt; // batch_interval defaults to ha_vrrp_advert_int
            String server = state.equals("primary") ? "active" : "standby";
            int b0 = journal.size();
            double cpu0 = Machine.cpuSeconds(pid);
            Map<Long, Long> jit0 = Machine.compilerThreadTicks(pid);
            MonitorClient.Result sent = MonitorClient.sendAll(karaf.socket(), ids, state, CONCURRENCY);
            long t0 = sent.firstSendEpochMillis();
            // follow the journal until every router was reported with the new state
            Set<String> done = new HashSet<>();
            List<long[]> timeline = new ArrayList<>();
            timeline.add(new long[] {0, 0});
            long doneAt = -1;
            int scanned = b0;
            long capEnd = System.nanoTime() + CAP.toNanos();
            while (doneAt < 0 && System.nanoTime() - capEnd < 0) {
                List<Journal.Line> batches = journal.lines();
                for (; scanned < batches.size(); scanned++) {
                    Journal.Line b = batches.get(scanned);
                    b.states().forEach((id, s) -> {
                        if (s.equals(server) && idSet.contains(id)) {
                            done.add(id);
                        }
                    });
                    long written = b.time().toEpochMilli();
                    timeline.add(new long[] {written - t0, done.size()});
                    if (doneAt < 0 && done.size() == routers) {
                        doneAt = written;
                    }
                }
                if (doneAt < 0) {
                    Thread.sleep(5); // poll interval
                }
            }
            // settle: one batch interval + 1 s for late or extra batches (as neutron_mass_failover.py does)
            long settleEnd = System.nanoTime() + (long) ((interval + 1.0) * 1e9);
            while (System.nanoTime() - settleEnd < 0) {
                Thread.sleep(50); // measurement window, not a synchronisation
            }
            List<Journal.Line> all = journal.lines();
            double cpu1 = Machine.cpuSeconds(pid);
            double jit = Machine.ticksSince(jit0, Machine.compilerThreadTicks(pid)) / Machine.CLK_TCK;
            List<Journal.Line> phaseBatches = all.subList(b0, all.size());
            Map<String, String> lastInPhase = new java.util.HashMap<>();
            int maxBatch = 0;
            for (Journal.Line b : phaseBatches) {
                lastInPhase.putAll(b.states());
                maxBatch = Math.max(maxBatch, b.states().size());
            }
            int missing = 0;
            int wrong = 0;
            for (String id : ids) {
                String s = lastInPhase.get(id);
                if (s == null) {
                    missing++;
                } else if (!s.equals(server)) {
                    wrong++;
                }
            }
            boolean lowerBound = doneAt < 0;
            double seconds = ((lowerBound ? System.currentTimeMillis() : doneAt) - t0) / 1000.0;
            L3haPhase ph = new L3haPhase(kind, advertInt, number, state, routers, seconds, lowerBound, phaseBatches.size(), maxBatch,
                    missing, wrong, (sent.lastReplyEpochMillis() - t0) / 1000.0, sent.errors(), cpu1 - cpu0, jit, timeline);
            log.accept(String.format("[massfo] l3ha advert %d %s %d %s: %.3f s%s, %d batches (max %d), missing %d, wrong %d,"
                    + " send %.3f s (%d errors%s), CPU %.2f s (%.3f ms/transition, JIT %.2f s)", advertInt, kind, number, state, seconds,
                    lowerBound ? " (lower bound)" : "", phaseBatches.size(), maxBatch, missing, wrong, ph.sendSeconds(), sent.errors(),
                    sent.firstError() == null ? "" : ": " + sent.firstError(), ph.cpuSeconds(), ph.cpuMsPerTransition(), jit));
            return ph;
        }
    }

    /** Runs Neutron's mass failover for {@code routers} at the given advert intervals, one run each. */
    static List<NeutronPhase> runNeutron(int routers, List<Integer> advertInts, Consumer<String> log)
            throws IOException, InterruptedException {
        String adv = String.join(",", advertInts.stream().map(String::valueOf).toList());
        String out = Exec.ok(Duration.ofMinutes(60), null, List.of(BenchEnv.PYTHON,
                BenchEnv.sharedBench().resolve("neutron_mass_failover.py").toString(), "--routers", Integer.toString(routers),
                "--advert-int", adv, "--runs", "1", "--java", BenchEnv.java().toString()));
        ObjectMapper json = new ObjectMapper();
        List<NeutronPhase> phases = new ArrayList<>();
        for (String line : out.split("\\R")) {
            if (!line.startsWith("{")) {
                continue;
            }
            JsonNode n = json.readTree(line);
            if (!"run".equals(n.path("kind").asText())) {
                continue;
            }
            for (JsonNode ph : n.path("phases")) {
                NeutronPhase np = new NeutronPhase(n.path("advert_int").asInt(), ph.path("phase").asInt(), ph.path("state").asText(),
                        n.path("routers").asInt(), ph.path("t_first_to_last_router_s").asDouble(), ph.path("lower_bound").asBoolean(),
                        ph.path("rpc_batches").asInt(), ph.path("batch_size_max").asInt(), ph.path("missing").asInt(),
                        ph.path("wrong").asInt(), ph.path("cpu_s").asDouble(), ph.path("peak_rss_mib").asDouble(),
                        ph.path("arrival_span_s").asDouble(), ph.path("loadgen").path("req_per_s").asDouble());
                phases.add(np);
                log.accept("[massfo] neutron " + np);
            }
        }
        if (phases.isEmpty()) {
            throw new IllegalStateException("neutron_mass_failover.py gave no run: " + out);
        }
        return phases;
    }
}
