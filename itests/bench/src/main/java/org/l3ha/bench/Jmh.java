package org.l3ha.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs the JMH micro-benchmarks (the classes in the bundles' impl packages). */
final class Jmh {
    static final String INCLUDE = ".*\\.(EndpointBench|EngineBench|NotifierBench|JournalBench)\\..*";

    record Row(String benchmark, double score, double error, String unit) {
    }

    private Jmh() {
    }

    /**
     * @param full 1 fork, 3 × 1 s warm-up, 5 × 1 s measurement; else in this JVM, one 100 ms
     *        iteration per benchmark (smoke)
     */
    static List<Row> run(boolean full) throws RunnerException {
        ChainedOptionsBuilder o = new OptionsBuilder().include(INCLUDE).shouldFailOnError(true);
        if (full) {
            o.forks(1).jvmArgs("-Xms1g", "-Xmx1g").warmupIterations(3).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(5).measurementTime(TimeValue.seconds(1));
        } else {
            o.forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(100));
        }
        Collection<RunResult> results = new Runner(o.build()).run();
        List<Row> rows = new ArrayList<>();
        for (RunResult r : results) {
            Result<?> p = r.getPrimaryResult();
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            rows.add(new Row(name, p.getScore(), p.getScoreError(), p.getScoreUnit()));
        }
        return rows;
    }
}
