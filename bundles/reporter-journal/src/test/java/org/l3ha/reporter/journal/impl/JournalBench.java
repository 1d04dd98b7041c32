package org.l3ha.reporter.journal.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.l3ha.common.testing.TestRouters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Journal append with the real {@link JournalReporter}: one batch of 1 and of 1,000 states
 * appended (one write, fsync, close), and the JSON line alone. The journal is on the file system
 * of {@code java.io.tmpdir}; its fsync dominates.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class JournalBench {
    private Path dir;
    private JournalReporter reporter;
    private final Map<String, String> one = new LinkedHashMap<>();
    private final Map<String, String> thousand = new LinkedHashMap<>();

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("l3ha-jmh-journal");
        reporter = new JournalReporter(Map.of("state_path", dir.toString(), "host", "bench-host"));
        one.put(TestRouters.uuid(), "active");
        for (int i = 0; i < 1000; i++) {
            thousand.put(TestRouters.uuid(), (i & 1) == 0 ? "active" : "standby");
        }
    }

    /** A fresh journal per iteration, so it does not grow without bound. */
    @Setup(Level.Iteration)
    public void freshJournal() throws IOException {
        Files.deleteIfExists(dir.resolve("ha-states.jsonl"));
    }

    @TearDown
    public void tearDown() throws IOException {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public void append1() throws IOException {
        reporter.report(one);
    }

    @Benchmark
    public void append1000() throws IOException {
        reporter.report(thousand);
    }

    @Benchmark
    public byte[] line1000() throws IOException {
        return reporter.line(1_700_000_000_000L, "bench-host", thousand);
    }
}
