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
 * Mass failover: every router flips to primary, then backup, then primary again (the debounced
 * failover), each phase one notification per router at concurrency 64. l3ha: the built assembly
 * in Karaf, times from its journal; Neutron: {@code ../shared/bench/neutron_mass_failover.py}.
 */
final class MassFailover {
    static final List<String> PHASES = List.of("primary", "backup", "primary");
    static final int CONCURRENCY = 64;
    static final Duration CAP = Duration.ofSeconds(180);

    /** One phase of l3ha. {@code timeline}: (ms since the first notification, routers reported with the new state). */
    record L3haPhase(int advertInt, int phase, String state, int routers, double seconds, boolean lowerBound, int batches,
            int maxBatch, int missing, int wrong, double sendSeconds, int sendErrors, double cpuSeconds,
            List<long[]> timeline) {
    }

    /** One advert interval of l3ha: the phases and the Karaf JVM's heap. */
    record L3haRun(int advertInt, int routers, long heapIdleBytes, long heapAfterBytes, double startupCpuSeconds,
            List<L3haPhase> phases, Map<String, Long> stats) {
    }

    /** One phase of Neutron's run (its JSON fields). */
    record NeutronPhase(int advertInt, int phase, String state, int routers, double seconds, boolean lowerBound,
            int batches, int maxBatch, int missing, int wrong, double cpuSeconds, double peakRssMiB, double arrivalSpan,
            double loadgenReqPerS) {
    }

    private MassFailover() {
    }

    static L3haRun runL3ha(Path work, int routers, int advertInt, Consumer<String> log) throws IOException, InterruptedException {
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
            List<String> ids = RouterDocs.ids(routers);
            Set<String> idSet = new HashSet<>(ids);
            double interval = advertInt; // batch_interval defaults to ha_vrrp_advert_int
            List<L3haPhase> phases = new ArrayList<>();
            for (int p = 0; p < PHASES.size(); p++) {
                String state = PHASES.get(p);
                String server = state.equals("primary") ? "active" : "standby";
                int b0 = journal.size();
                double cpu0 = Machine.cpuSeconds(pid);
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
                L3haPhase ph = new L3haPhase(advertInt, p + 1, state, routers, seconds, lowerBound, phaseBatches.size(), maxBatch,
                        missing, wrong, (sent.lastReplyEpochMillis() - t0) / 1000.0, sent.errors(), cpu1 - cpu0, timeline);
                phases.add(ph);
                log.accept(String.format("[massfo] l3ha advert %d phase %d %s: %.3f s%s, %d batches (max %d), missing %d, wrong %d,"
                        + " send %.3f s (%d errors%s), CPU %.2f s", advertInt, p + 1, state, seconds, lowerBound ? " (lower bound)" : "",
                        phaseBatches.size(), maxBatch, missing, wrong, ph.sendSeconds(), sent.errors(),
                        sent.firstError() == null ? "" : ": " + sent.firstError(), ph.cpuSeconds()));
            }
            long heapAfter = Machine.heapAfterGc(pid);
            Map<String, Long> stats = karaf.stats();
            return new L3haRun(advertInt, routers, heapIdle, heapAfter, startupCpu, phases, stats);
        } finally {
            Dirs.deleteTree(kWork);
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
