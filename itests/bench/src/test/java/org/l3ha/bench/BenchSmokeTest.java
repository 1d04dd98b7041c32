package org.l3ha.bench;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default build's smoke run: every harness at tiny sizes (200 requests over 100 routers against
 * the floor, l3ha and Neutron; the floor's accept time and a 100-router failover, cold, one warm-up
 * storm and warm; 1,000 routers in memory) and the JMH results the bundles' {@code -Pbench} builds
 * left, if any (the bundles' own tests run each benchmark once). Asserts the figures are sane, the
 * floor ran and nothing was lost, never a performance figure.
 *
 * <p>The side-by-side part needs Neutron's measurement tools in {@code ../shared/bench/} beside the
 * repository (a developer's workspace); a clone without them skips this test with a message, as
 * the benchmark itself needs them.
 */
class BenchSmokeTest {
    @Test
    void everyHarnessAtTinySizes() throws Exception {
        String missing = sharedBenchProblem();
        assumeTrue(missing == null, () -> "benchmark smoke run skipped: " + missing);
        Path out = Path.of(System.getProperty("bench.results.dir", "target/smoke-results"));
        BenchMain.Sizes sizes = BenchMain.Sizes.SMOKE;
        // every part at the smoke sizes, whatever bench.only and bench.warmStorms say
        BenchMain.Results r = BenchMain.run(sizes, EnumSet.allOf(BenchMain.Part.class), out, false, System.out::println);

        assertEquals(Jmh.BUNDLES.size(), r.jmh().sources().size(), "a line per bundle with benchmarks: " + r.jmh());
        r.jmh().rows().forEach(j -> assertTrue(j.score() > 0 && Double.isFinite(j.score()), "JMH score " + j));

        assertEquals(sizes.clients().size() * sizes.concurrencies().size() * 3, r.load().size(), "floor, l3ha, Neutron per round");
        for (EndpointLoad.Row l : r.load()) {
            assertAll(l.toString(),
                    () -> assertEquals(sizes.loadRequests(), l.ok(), "all answered 200"),
                    () -> assertEquals(0, l.errors(), "no errors"),
                    () -> assertTrue(l.reqPerS() > 0 && l.p50Ms() > 0 && l.p99Ms() >= l.p50Ms(), "sane latencies"));
            if (l.side().equals("floor")) {
                assertEquals(EndpointLoad.NOT_COUNTED, l.lost(), "the floor counts nothing: " + l);
            } else {
                assertAll(l.toString(),
                        () -> assertEquals(0, l.lost(), "nothing lost: " + l.lossNote()),
                        () -> assertEquals(sizes.loadRequests(), l.received(), "every notification counted by the server"));
            }
        }
        for (String side : List.of("floor", "l3ha", "neutron")) {
            assertEquals(sizes.clients().size() * sizes.concurrencies().size(), r.load().stream().filter(l -> l.side().equals(side)).count(),
                    side + " ran in every round");
        }

        MassFailover.FloorAccept fa = r.floorAccept();
        assertEquals(sizes.failoverRouters(), fa.routers());
        assertEquals(MassFailover.FLOOR_RUNS, fa.seconds().size());
        assertEquals(0, fa.errors(), "the floor answered every notification");
        assertTrue(fa.threads() >= 2 && fa.median() > 0, "the floor's accept time measured: " + fa);

        assertEquals(sizes.advertInts().size(), r.failover().size());
        List<String> warmUps = MassFailover.warmUpStates(sizes.warmStorms());
        for (MassFailover.L3haRun run : r.failover()) {
            assertEquals("cold", run.cold().kind());
            assertEquals(warmUps, run.warmUps().stream().map(MassFailover.L3haPhase::state).toList(), "warm-up storms end backup");
            assertEquals(MassFailover.PHASES, run.phases().stream().map(MassFailover.L3haPhase::state).toList());
            List<MassFailover.L3haPhase> all = new ArrayList<>();
            all.add(run.cold());
            all.addAll(run.warmUps());
            all.addAll(run.phases());
            for (MassFailover.L3haPhase p : all) {
                assertAll(p.toString(),
                        () -> assertFalse(p.lowerBound(), "every router reported"),
                        () -> assertEquals(0, p.missing() + p.wrong() + p.sendErrors(), "nothing missing, wrong or refused"),
                        () -> assertTrue(p.seconds() >= 0 && p.batches() >= 1, "sane time and batches"),
                        () -> assertTrue(p.sendSeconds() >= 0, "send span read"),
                        () -> assertTrue(p.cpuSeconds() >= 0 && p.cpuMsPerTransition() >= 0, "CPU read"),
                        () -> assertTrue(p.jitCpuSeconds() >= 0 && p.jitCpuSeconds() <= p.cpuSeconds() + 0.02, "JIT CPU within the JVM's"));
            }
            assertTrue(run.phases().stream().allMatch(p -> p.kind().equals("warm")), "the measured phases are warm");
            assertTrue(run.heapIdleBytes() > 0 && run.heapAfterBytes() > 0, "heap read with jcmd");
            assertEquals((long) all.size() * run.routers(), run.stats().get("endpoint.accepted"), "l3ha:stats counted every notification");
        }
        assertEquals(3 * sizes.advertInts().size(), r.neutronFailover().size(), "Neutron's phases parsed");
        r.neutronFailover().forEach(n -> assertEquals(0, n.missing() + n.wrong(), "Neutron lost nothing: " + n));

        assertTrue(r.scale().withRegistry() > r.scale().baseline(), "registry measured: " + r.scale());
        assertTrue(r.scale().registryPerRouter() > 0, "registry bytes per router");

        String md = Files.readString(out.resolve("RESULTS.md"));
        assertTrue(md.contains("## Targets (issue 16)") && md.contains("| floor |") && md.contains("### Cold") && md.contains("### Warm"),
                "the report has the targets, the floor's rows and the cold and warm storms");
        assertTrue(Files.size(out.resolve("endpoint-throughput.png")) > 1000);
        assertTrue(Files.size(out.resolve("mass-failover-timeline.png")) > 1000);
    }

    @Test
    void readsTheBundlesJmhResultFiles(@TempDir Path root) throws Exception {
        Path file = root.resolve("bundles/engine").resolve(Jmh.RESULT_FILE);
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                [{"jmhVersion": "1.37", "benchmark": "org.l3ha.engine.impl.EngineBench.flapAbsorbed", "mode": "avgt",
                  "threads": 1, "forks": 1, "jvmArgs": ["-Xms1g", "-Xmx1g"], "warmupIterations": 3, "warmupTime": "1 s",
                  "measurementIterations": 5, "measurementTime": "1 s", "params": {"routers": "1000"},
                  "primaryMetric": {"score": 70.2, "scoreError": "NaN", "scoreUnit": "ns/op"}}]
                """);
        Jmh.Results r = Jmh.read(root);

        assertEquals(List.of(new Jmh.Row("EngineBench.flapAbsorbed", 70.2, Double.NaN, "ns/op",
                "1 fork (`-Xms1g -Xmx1g`), 3 × 1 s warm-up, 5 × 1 s measurement, 1 thread")), r.rows());
        assertEquals(Jmh.BUNDLES.size(), r.sources().size());
        assertTrue(r.sources().stream().anyMatch(x -> x.startsWith("`bundles/engine/target/jmh-result.json` (written ")), r.sources()::toString);
        assertTrue(r.sources().stream().anyMatch(x -> x.startsWith("`bundles/notifier/target/jmh-result.json`: none")), r.sources()::toString);
    }

    @Test
    void partsAndWarmUpStorms() {
        assertEquals(EnumSet.allOf(BenchMain.Part.class), BenchMain.Part.parse(null));
        assertEquals(EnumSet.allOf(BenchMain.Part.class), BenchMain.Part.parse(" "));
        assertEquals(EnumSet.of(BenchMain.Part.LOAD, BenchMain.Part.NEUTRON_FAILOVER), BenchMain.Part.parse("load, neutron-failover"));
        assertThrows(IllegalArgumentException.class, () -> BenchMain.Part.parse("loads"));
        assertEquals(List.of("backup"), MassFailover.warmUpStates(0));
        assertEquals(List.of("backup"), MassFailover.warmUpStates(1));
        assertEquals(List.of("backup", "primary", "backup"), MassFailover.warmUpStates(2));
        assertEquals(List.of("backup", "primary", "backup"), MassFailover.warmUpStates(3));
    }

    /** @return why {@code ../shared/bench/} cannot be used, or null if it can */
    private static String sharedBenchProblem() {
        try {
            BenchEnv.sharedBench();
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }
}
