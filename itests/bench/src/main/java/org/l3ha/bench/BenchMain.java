package org.l3ha.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.l3ha.itests.support.Dirs;

/**
 * Runs every harness (or those {@code bench.only} names) and writes {@code RESULTS.md} and the PNG
 * charts into the results directory.
 * {@link Sizes#FULL} is the benchmark; {@link Sizes#SMOKE} the seconds-long smoke run of
 * the default build.
 */
public final class BenchMain {

    /** How big each harness runs; {@code warmStorms}: l3ha's warm-up storms between the cold and the warm ones. */
    public record Sizes(int loadRequests, int loadRouters, List<Integer> concurrencies, List<String> clients,
            int failoverRouters, List<Integer> advertInts, int warmStorms, int scaleRouters) {
        public static final Sizes FULL = new Sizes(20_000, 1_000, List.of(1, 8, 64), List.of("httplib2", "curl"),
                10_000, List.of(0, 2), MassFailover.DEFAULT_WARM_STORMS, 100_000);
        public static final Sizes SMOKE = new Sizes(200, 100, List.of(8), List.of("httplib2", "curl"),
                100, List.of(0), 1, 1_000);

        /** @return these sizes with {@code bench.warmStorms} as the warm-up storms, if set */
        public Sizes withWarmStormsProperty() {
            return new Sizes(loadRequests, loadRouters, concurrencies, clients, failoverRouters, advertInts,
                    Integer.getInteger("bench.warmStorms", warmStorms), scaleRouters);
        }
    }

    /** The parts {@code bench.only} can name (a comma list; default all). */
    public enum Part {
        LOAD("load"), FAILOVER("failover"), NEUTRON_FAILOVER("neutron-failover"), SCALE("scale");

        final String key;

        Part(String key) {
            this.key = key;
        }

        /** @return the parts the system property {@code bench.only} names; all if unset or blank */
        public static Set<Part> fromProperty() {
            return parse(System.getProperty("bench.only"));
        }

        /** @return the parts a {@code bench.only} value names; all for null or blank */
        static Set<Part> parse(String only) {
            if (only == null || only.isBlank()) {
                return EnumSet.allOf(Part.class);
            }
            Set<Part> parts = EnumSet.noneOf(Part.class);
            for (String k : only.split(",")) {
                String key = k.trim();
                parts.add(Arrays.stream(values()).filter(p -> p.key.equals(key)).findFirst().orElseThrow(
                        () -> new IllegalArgumentException("bench.only: unknown part '" + key + "' (load, failover, neutron-failover, scale)")));
            }
            return parts;
        }
    }

    /**
     * Everything measured; a part not run ({@code bench.only}) has empty lists and null. The floor
     * figures: its rows in {@code load} and {@code floorAccept} (with the failover part).
     */
    public record Results(String started, String conditions, double seconds, Set<Part> parts, Jmh.Results jmh,
            List<EndpointLoad.Row> load, MassFailover.FloorAccept floorAccept, List<MassFailover.L3haRun> failover,
            List<MassFailover.NeutronPhase> neutronFailover, Scale.Result scale) {
    }

    private BenchMain() {
    }

    /** {@code smoke} as the first argument runs {@link Sizes#SMOKE}; {@code bench.only} and {@code bench.warmStorms} apply. */
    public static void main(String[] args) throws Exception {
        boolean full = args.length == 0 || !args[0].equals("smoke");
        Path out = Path.of(System.getProperty("bench.results.dir", "results"));
        Sizes sizes = full ? Sizes.FULL : Sizes.SMOKE;
        run(sizes.withWarmStormsProperty(), Part.fromProperty(), out, Boolean.getBoolean("bench.waitIdle"), System.out::println);
    }

    /**
     * Runs {@code parts}. A partial run writes into {@code <resultsDir>/partial-<parts>/}, so that
     * it never replaces a whole run's results.
     */
    public static Results run(Sizes sizes, Set<Part> parts, Path resultsDirectory, boolean waitIdle, Consumer<String> log)
            throws Exception {
        boolean whole = parts.equals(EnumSet.allOf(Part.class));
        Path resultsDir = whole ? resultsDirectory
                : resultsDirectory.resolve("partial-" + String.join("-", parts.stream().map(p -> p.key).toList()));
        log.accept("[bench] parts: " + parts.stream().map(p -> p.key).toList() + ", results in " + resultsDir);
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

            Path floorClasses = BenchEnv.compileFloor(work);
            List<EndpointLoad.Row> load = List.of();
            if (parts.contains(Part.LOAD)) {
                LoadGenRunner loadGen = new LoadGenRunner(BenchEnv.compileLoadGen(work));
                load = EndpointLoad.run(new EndpointLoad.Config(sizes.loadRequests(), sizes.loadRouters(), sizes.concurrencies(),
                        sizes.clients()), work, loadGen, floorClasses, log);
            }

            MassFailover.FloorAccept floorAccept = null;
            List<MassFailover.L3haRun> failover = new ArrayList<>();
            if (parts.contains(Part.FAILOVER)) {
                floorAccept = MassFailover.floorAccept(work, floorClasses, sizes.failoverRouters(), log);
                for (int adv : sizes.advertInts()) {
                    failover.add(MassFailover.runL3ha(work, sizes.failoverRouters(), adv, sizes.warmStorms(), log));
                }
            }
            List<MassFailover.NeutronPhase> neutron = parts.contains(Part.NEUTRON_FAILOVER)
                    ? MassFailover.runNeutron(sizes.failoverRouters(), sizes.advertInts(), log) : List.of();

            Scale.Result scale = parts.contains(Part.SCALE) ? Scale.run(work, sizes.scaleRouters(), log) : null;

            Results results = new Results(started, conditions, (System.nanoTime() - t0) / 1e9, parts, jmh, load, floorAccept,
                    failover, neutron, scale);
            if (!load.isEmpty()) {
                Charts.throughput(load, resultsDir.resolve("endpoint-throughput.png"));
            }
            if (!failover.isEmpty() || !neutron.isEmpty()) {
                Charts.timeline(failover, neutron, floorAccept, resultsDir.resolve("mass-failover-timeline.png"));
            }
            String md = Report.markdown(results);
            Path analysis = resultsDir.resolve("ANALYSIS.md");
            if (whole && Files.exists(analysis)) {
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
