package org.l3ha.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.l3ha.itests.support.Journal;
import org.l3ha.itests.support.KarafAssembly;

/**
 * The built l3ha assembly ({@link KarafAssembly}) configured for a benchmark of the state-change
 * path: scratch {@code state_path} and {@code routers_dir}, and only the features of that path
 * booted (endpoint, engine, notifier, file registry, journal reporter, health, shell): no
 * data-plane listeners (IPv6, metadata proxy, radvd), no process manager, no oslo reporter.
 * Stops only what it started.
 */
final class KarafInstance implements AutoCloseable {
    /** The features booted instead of {@code l3ha} (which also brings the data plane). */
    static final List<String> FEATURES = List.of("l3ha-endpoint", "l3ha-engine", "l3ha-notifier", "l3ha-registry-file",
            "l3ha-reporter-journal", "l3ha-health", "l3ha-shell");

    private final Path work;
    private final KarafAssembly karaf;
    private long jvmPid = -1;

    private KarafInstance(Path work, KarafAssembly karaf) {
        this.work = work;
        this.karaf = karaf;
    }

    /**
     * Unpacks and configures an instance under {@code work}: state in {@code work/state}, router
     * documents in {@code work/routers}.
     */
    static KarafInstance create(Path work, int advertInt) throws IOException {
        KarafInstance k = new KarafInstance(work, KarafAssembly.unpack(BenchEnv.assembly(), work.resolve("karaf")));
        Files.createDirectories(k.statePath());
        Files.createDirectories(k.routersDir());
        k.karaf.configureAgent(k.statePath(), "bench-host", k.routersDir());
        k.karaf.setAgent("ha_vrrp_advert_int", Integer.toString(advertInt));
        k.karaf.setAgent("enable_metadata_proxy", "false");
        k.karaf.setAgent("check_child_processes_interval", "0");
        k.bootStateChangePathOnly();
        k.karaf.addConsoleUser(); // for l3ha:stats
        return k;
    }

    Path statePath() {
        return work.resolve("state");
    }

    Path routersDir() {
        return work.resolve("routers");
    }

    Path socket() {
        return statePath().resolve("keepalived-state-change");
    }

    Path journal() {
        return statePath().resolve("ha-states.jsonl");
    }

    Path haConfs() {
        return statePath().resolve("ha_confs");
    }

    long pid() {
        return jvmPid;
    }

    /** Replaces {@code l3ha/<version>} in featuresBoot by the state-change path's features. */
    private void bootStateChangePathOnly() throws IOException {
        karaf.replaceL3haBootFeature(FEATURES);
    }

    /**
     * Starts Karaf and waits until the socket listens and the start-up resync has reported all
     * {@code routers} routers in the journal.
     */
    void start(int routers, Duration timeout) throws IOException {
        karaf.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        karaf.await("Karaf's JVM to start", left(deadline), () -> karaf.jvmPid() >= 0);
        jvmPid = karaf.jvmPid();
        karaf.awaitFile(socket(), left(deadline));
        Journal j = new Journal(journal());
        karaf.await("the start-up resync of " + routers + " routers in " + journal(), left(deadline),
                () -> j.latest().size() >= routers, () -> {
                    try {
                        return "has " + j.latest().size();
                    } catch (IOException e) {
                        return e.toString();
                    }
                });
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /** @return the counters of {@code l3ha:stats}, as {@code <component>.<counter>} */
    Map<String, Long> stats() throws IOException {
        return karaf.stats(Duration.ofSeconds(90));
    }

    String tail(int lines) {
        return karaf.tail(lines);
    }

    /** Kills Karaf if still running. Never throws. */
    @Override
    public void close() {
        karaf.close();
    }
}
