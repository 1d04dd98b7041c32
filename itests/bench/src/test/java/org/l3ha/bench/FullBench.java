package org.l3ha.bench;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * The full benchmark (profile {@code bench} only): writes results/RESULTS.md and the charts; only
 * the parts {@code bench.only} names, with {@code bench.warmStorms} warm-up storms, if set.
 */
class FullBench {
    @Test
    void fullBenchmark() throws Exception {
        BenchMain.run(BenchMain.Sizes.FULL.withWarmStormsProperty(), BenchMain.Part.fromProperty(),
                Path.of(System.getProperty("bench.results.dir")), Boolean.parseBoolean(System.getProperty("bench.waitIdle", "true")), System.out::println);
    }
}
