package org.l3ha.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The JMH micro-benchmarks' results, for RESULTS.md. The benchmarks live in the test sources of
 * the bundles they measure (next to the package-private classes they call);
 * {@code mvn -B -Pbench -pl bundles/<bundle> verify} runs them and writes
 * {@code bundles/<bundle>/target/jmh-result.json} (JMH's JSON), which is read here.
 */
final class Jmh {
    /** The bundles (folders under {@code bundles/}) with JMH benchmarks in their test sources. */
    static final List<String> BUNDLES = List.of("endpoint", "engine", "notifier", "reporter-journal");
    /** Where a bundle's {@code -Pbench} run writes its results (bundles/pom.xml, {@code jmh.resultFile}). */
    static final String RESULT_FILE = "target/jmh-result.json";

    /**
     * @param benchmark class and method, e.g. {@code EngineBench.flapAbsorbed}
     * @param settings how it was run: forks, JVM options, warm-up and measurement iterations
     */
    record Row(String benchmark, double score, double error, String unit, String settings) {
    }

    /**
     * @param rows every benchmark of every result file found
     * @param sources one line per bundle: the file read and when it was written, or that there was none
     */
    record Results(List<Row> rows, List<String> sources) {
    }

    private Jmh() {
    }

    static Results read(Path repoRoot) throws IOException {
        List<Row> rows = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        for (String bundle : BUNDLES) {
            String name = "bundles/" + bundle + "/" + RESULT_FILE;
            Path file = repoRoot.resolve(name);
            if (Files.isRegularFile(file)) {
                rows.addAll(parse(file));
                sources.add("`" + name + "` (written " + Files.getLastModifiedTime(file).toInstant().truncatedTo(ChronoUnit.SECONDS) + ")");
            } else {
                sources.add("`" + name + "`: none (`mvn -B -Pbench -pl bundles/" + bundle + " verify` writes it)");
            }
        }
        return new Results(rows, sources);
    }

    /** @return the rows of one JMH result file ({@code -rf json}) */
    static List<Row> parse(Path json) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : new ObjectMapper().readTree(json.toFile())) {
            String name = r.path("benchmark").asText();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            JsonNode p = r.path("primaryMetric");
            rows.add(new Row(name, p.path("score").asDouble(Double.NaN), p.path("scoreError").asDouble(Double.NaN),
                    p.path("scoreUnit").asText(), settings(r)));
        }
        return rows;
    }

    /** @return e.g. "1 fork (`-Xms1g -Xmx1g`), 3 × 1 s warm-up, 5 × 1 s measurement, 1 thread" */
    private static String settings(JsonNode r) {
        List<String> jvmArgs = new ArrayList<>();
        r.path("jvmArgs").forEach(a -> jvmArgs.add(a.asText()));
        int forks = r.path("forks").asInt();
        String fork = forks == 0 ? "no fork (in the runner's JVM)"
                : forks + (forks == 1 ? " fork" : " forks") + (jvmArgs.isEmpty() ? "" : " (`" + String.join(" ", jvmArgs) + "`)");
        int threads = r.path("threads").asInt();
        return String.format(Locale.ROOT, "%s, %d × %s warm-up, %d × %s measurement, %d %s", fork,
                r.path("warmupIterations").asInt(), r.path("warmupTime").asText(), r.path("measurementIterations").asInt(),
                r.path("measurementTime").asText(), threads, threads == 1 ? "thread" : "threads");
    }
}
