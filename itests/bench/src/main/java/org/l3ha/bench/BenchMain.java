package org.l3ha.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.l3ha.itests.support.Dirs;

/**
 * Runs every harness and writes {@code RESULTS.md} and the PNG charts into the results directory.
 * {@link Sizes#FULL} is the benchmark; {@link Sizes#SMOKE} the seconds-long smoke run of
 * the default build.
 */
public final class BenchMain {

    /** How big each harness runs. */
    public record Sizes(int loadRequests, int loadRouters, List<Integer> concurrencies, List<String> clients,
            int failoverRouters, List<Integer> advertInts, int scaleRouters) {
        public static final Sizes FULL = new Sizes(20_000, 1_000, List.of(1, 8, 64), List.of("httplib2", "curl"),
                10_000, List.of(0, 2), 100_000);
        public static final Sizes SMOKE = new Sizes(200, 100, List.of(8), List.of("httplib2", "curl"),
                100, List.of(0), 1_000);
    }

    /** Everything measured. */
    public record Results(String started, String conditions, double seconds, Jmh.Results jmh, List<EndpointLoad.Row> load,
            List<MassFailover.L3haRun> failover, List<MassFailover.NeutronPhase> neutronFailover, Scale.Result scale) {
    }

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean full = args.length == 0 || !args[0].equals("smoke");
        Path out = Path.of(System.getProperty("bench.results.dir", "results"));
        run(full ? Sizes.FULL : Sizes.SMOKE, out, Boolean.getBoolean("bench.waitIdle"), System.out::println);
    }

    public static Results run(Sizes sizes, Path resultsDir, boolean waitIdle, Consumer<String> log) throws Exception {
        Files.createDirectories(resultsDir);
        BenchEnv.sharedBench(); // fail early and clearly if Neutron's tools are not beside the repository
        BenchEnv.assembly();
        String conditions = waitIdle ? Machine.waitForIdle(0.5, Duration.ofMinutes(Long.getLong("bench.waitIdleMinutes", 45)))
                : "no idle wait: load average " + Machine.loadAvg() + ", other Karaf/Surefire/Failsafe JVMs: "
                        + Machine.foreignJavaProcesses().size();
        log.accept("[bench] " + conditions);
        String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        long t0 = System.nanoTime();
        Path work = Files.createTempDirectory(Path.of("/tmp"), "l3ha-bench-");
        try {
            // the bundles' JMH benchmarks ran in their own -Pbench builds: their result files are read
            Jmh.Results jmh = Jmh.read(BenchEnv.repoRoot());
            jmh.sources().forEach(s -> log.accept("[jmh] " + s));
            jmh.rows().forEach(r -> log.accept("[jmh] " + r));

            LoadGenRunner loadGen = new LoadGenRunner(BenchEnv.compileLoadGen(work));
            List<EndpointLoad.Row> load = EndpointLoad.run(new EndpointLoad.Config(sizes.loadRequests(), sizes.loadRouters(),
                    sizes.concurrencies(), sizes.clients()), work, loadGen, log);

            List<MassFailover.L3haRun> failover = new ArrayList<>();
            for (int adv : sizes.advertInts()) {
                failover.add(MassFailover.runL3ha(work, sizes.failoverRouters(), adv, log));
            }
            List<MassFailover.NeutronPhase> neutron = MassFailover.runNeutron(sizes.failoverRouters(), sizes.advertInts(), log);

            Scale.Result scale = Scale.run(work, sizes.scaleRouters(), log);

            Results results = new Results(started, conditions, (System.nanoTime() - t0) / 1e9, jmh, load, failover, neutron, scale);
            Charts.throughput(load, resultsDir.resolve("endpoint-throughput.png"));
            Charts.timeline(failover, neutron, resultsDir.resolve("mass-failover-timeline.png"));
            String md = Report.markdown(results);
            Path analysis = resultsDir.resolve("ANALYSIS.md");
            if (Files.exists(analysis)) {
                // written by hand after a run: profiles and the bounds of missed targets; check it against the new figures
                md += "\n" + Files.readString(analysis, StandardCharsets.UTF_8);
            }
            Files.writeString(resultsDir.resolve("RESULTS.md"), md, StandardCharsets.UTF_8);
            log.accept("[bench] wrote " + resultsDir.resolve("RESULTS.md"));
            return results;
        } finally {
            Dirs.deleteTree(work);
        }
    }
}
