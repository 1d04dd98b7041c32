package org.l3ha.bench;

import org.l3ha.itests.support.Dirs;
import org.l3ha.itests.support.Poll;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.l3ha.api.HaState;
import org.l3ha.api.RouterRegistry;
import org.l3ha.api.StateChangeSink;
import org.l3ha.api.StatsProvider;

/**
 * Memory at scale, in this JVM, black-box: l3ha's bundles run in an OSGi framework here
 * ({@link EmbeddedFelix}: Felix SCR wires them and ConfigurationAdmin configures them, as in
 * Karaf), and the harness uses only their {@code org.l3ha.api} services. The bundles are started
 * one step at a time: the file registry loads {@code routers} documents; the engine applies a
 * transition of every router (backup, then primary with ha_vrrp_advert_int 0, so every router has
 * been applied twice and has a state file); then the journal reporter and the notifier start (the
 * engine binds the notifier: resync of every router) and every router transitions once more, all
 * delivered to the journal. Heap in use is read after full GCs ({@link System#gc()} until it stops
 * shrinking, MemoryMXBean; again after 2 s while it still shrinks) between the steps.
 */
final class Scale {
    static final String REGISTRY = "org.l3ha.registry.file";
    static final String ENGINE = "org.l3ha.engine";
    static final String JOURNAL = "org.l3ha.reporter.journal";
    static final String NOTIFIER = "org.l3ha.notifier";

    record Result(int routers, long baseline, long withRegistry, long withEngine, long withAll, double seconds,
            List<String> histogramTop) {
        double registryPerRouter() {
            return (withRegistry - baseline) / (double) routers;
        }

        double enginePerRouter() {
            return (withEngine - withRegistry) / (double) routers;
        }

        double notifierReporterPerRouter() {
            return (withAll - withEngine) / (double) routers;
        }

        double stateKeepersPerRouter() {
            return (withAll - withRegistry) / (double) routers;
        }
    }

    private Scale() {
    }

    static Result run(Path work, int routers, Consumer<String> log) throws Exception {
        long t0 = System.nanoTime();
        Path state = work.resolve("scale-state");
        Path docs = work.resolve("scale-routers");
        Path felix = work.resolve("scale-felix");
        RouterDocs.write(docs, routers);
        Files.createDirectories(state);
        Map<String, Object> props = new HashMap<>();
        props.put("state_path", state.toString());
        props.put("host", "bench-host");
        props.put("ha_vrrp_advert_int", 0);
        props.put("enable_metadata_proxy", false);
        List<String> ids = RouterDocs.ids(routers);

        try (EmbeddedFelix osgi = new EmbeddedFelix(felix, List.of(REGISTRY, ENGINE, JOURNAL, NOTIFIER))) {
            osgi.configure("org.l3ha.agent", props);
            osgi.configure(REGISTRY, Map.of("routers_dir", docs.toString()));
            long baseline = settledUsedAfterGc();

            osgi.start(REGISTRY);
            RouterRegistry registry = osgi.service(RouterRegistry.class, null);
            await(() -> registry.all().size() == routers, "registry: " + routers + " routers loaded");
            long withRegistry = settledUsedAfterGc();
            log.accept(String.format("[scale] registry: %d routers, %.0f bytes/router", routers, (withRegistry - baseline) / (double) routers));

            osgi.start(ENGINE);
            StateChangeSink engine = osgi.service(StateChangeSink.class, null);
            StatsProvider e = stats(osgi, "engine");
            for (String id : ids) {
                engine.accept(id, HaState.BACKUP);
            }
            await(() -> e.counters().get("applied") >= routers, "engine: backup applied for every router");
            for (String id : ids) {
                engine.accept(id, HaState.PRIMARY);
            }
            await(() -> e.counters().get("applied") >= 2L * routers, "engine: primary applied for every router");
            long withEngine = settledUsedAfterGc();
            log.accept(String.format("[scale] engine: %.0f bytes/router", (withEngine - withRegistry) / (double) routers));

            osgi.start(JOURNAL);
            osgi.start(NOTIFIER); // the engine binds it: resync, every router's state queued and reported
            StatsProvider n = stats(osgi, "notifier");
            await(() -> delivered(n, routers), "notifier: resync delivered");
            for (String id : ids) {
                engine.accept(id, HaState.BACKUP);
            }
            await(() -> e.counters().get("applied") >= 3L * routers, "engine: third transition applied");
            await(() -> delivered(n, 2L * routers), "notifier: transitions delivered");
            long withAll = settledUsedAfterGc();
            log.accept(String.format("[scale] notifier + journal reporter: %.0f bytes/router", (withAll - withEngine) / (double) routers));
            List<String> histogram = histogramTop(15);
            return new Result(routers, baseline, withRegistry, withEngine, withAll, (System.nanoTime() - t0) / 1e9, histogram);
        } finally {
            Dirs.deleteTree(felix);
            Dirs.deleteTree(state);
            Dirs.deleteTree(docs);
        }
    }

    /** @return whether the notifier reported {@code states} states and the journal reporter has none pending */
    private static boolean delivered(StatsProvider notifier, long states) {
        Map<String, Long> c = notifier.counters();
        return c.getOrDefault("states_reported", 0L) >= states && c.getOrDefault("reporter.journal.pending", -1L) == 0;
    }

    private static StatsProvider stats(EmbeddedFelix osgi, String name) throws InterruptedException {
        return osgi.service(StatsProvider.class, "(" + StatsProvider.NAME + "=" + name + ")");
    }

    private static void await(BooleanSupplier condition, String what) {
        Poll.until(what, Duration.ofMinutes(10), condition::getAsBoolean);
    }

    /**
     * @return {@link #usedAfterGc()} once the components' background threads (the registry's
     *         watcher and readers, the notifier's channels) have let go of what a step left them:
     *         read again every 2 s while it still shrinks by more than 0.5 %, at most 30 s
     */
    static long settledUsedAfterGc() throws InterruptedException {
        long used = usedAfterGc();
        for (int i = 0; i < 15; i++) {
            Thread.sleep(2000); // between readings
            long again = usedAfterGc();
            if (again >= used - used / 200) {
                return Math.min(used, again);
            }
            used = again;
        }
        return used;
    }

    /** @return heap in use after full GCs, repeated until it no longer shrinks */
    static long usedAfterGc() throws InterruptedException {
        var mem = ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(50); // let reference processing finish between collections
            long used = mem.getHeapMemoryUsage().getUsed();
            if (used >= best) {
                return best;
            }
            best = used;
        }
        return best;
    }

    /** @return the top of this JVM's class histogram (jcmd GC.class_histogram), for the record */
    private static List<String> histogramTop(int lines) {
        try {
            String out = Machine.jcmd(ProcessHandle.current().pid(), "GC.class_histogram");
            return out.lines().filter(l -> l.matches("^\\s*(num|\\d+:\\s+\\d+).*")).limit(lines + 1).toList();
        } catch (IOException | InterruptedException | RuntimeException e) {
            return List.of("(class histogram unavailable: " + e + ")");
        }
    }
}
