package org.l3ha.bench;

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
import org.l3ha.engine.impl.EngineAccess;
import org.l3ha.engine.impl.EngineComponent;
import org.l3ha.notifier.impl.BatchNotifier;
import org.l3ha.notifier.impl.NotifierAccess;
import org.l3ha.registry.file.impl.FileRouterRegistry;
import org.l3ha.registry.file.impl.RegistryAccess;
import org.l3ha.reporter.journal.impl.JournalReporter;
import org.l3ha.api.StateReporter;

/**
 * Memory at scale, in this JVM with the real components wired as DS wires them: the file
 * registry loads {@code routers} documents; the engine applies a transition of every router
 * (backup, then primary with ha_vrrp_advert_int 0, so every router has been applied twice and
 * has a state file); then the notifier with the journal reporter binds (resync of every router)
 * and every router transitions once more, all delivered to the journal. Heap in use is read after
 * full GCs ({@link System#gc()} until it stops shrinking, MemoryMXBean) between the steps.
 */
final class Scale {
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

    static Result run(Path work, int routers, Consumer<String> log) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Path state = work.resolve("scale-state");
        Path docs = work.resolve("scale-routers");
        RouterDocs.write(docs, routers);
        Files.createDirectories(state);
        Map<String, Object> props = new HashMap<>();
        props.put("state_path", state.toString());
        props.put("host", "bench-host");
        props.put("ha_vrrp_advert_int", 0);
        props.put("routers_dir", docs.toString());
        props.put("enable_metadata_proxy", false);
        List<String> ids = RouterDocs.ids(routers);

        FileRouterRegistry registry = null;
        EngineComponent engine = null;
        BatchNotifier notifier = null;
        try {
            long baseline = usedAfterGc();
            registry = new FileRouterRegistry(props);
            if (registry.all().size() != routers) {
                throw new IllegalStateException("registry loaded " + registry.all().size() + " of " + routers + " routers");
            }
            long withRegistry = usedAfterGc();
            log.accept(String.format("[scale] registry: %d routers, %.0f bytes/router", routers, (withRegistry - baseline) / (double) routers));

            engine = new EngineComponent(props);
            EngineAccess.bindRegistry(engine, registry);
            EngineComponent e = engine;
            for (String id : ids) {
                engine.accept(id, HaState.BACKUP);
            }
            await(() -> e.counters().get("applied") >= routers, "engine: backup applied for every router");
            for (String id : ids) {
                engine.accept(id, HaState.PRIMARY);
            }
            await(() -> e.counters().get("applied") >= 2L * routers, "engine: primary applied for every router");
            long withEngine = usedAfterGc();
            log.accept(String.format("[scale] engine: %.0f bytes/router", (withEngine - withRegistry) / (double) routers));

            notifier = new BatchNotifier(props);
            JournalReporter journal = new JournalReporter(props);
            NotifierAccess.bindReporter(notifier, journal, Map.of("service.id", 1L, StateReporter.NAME, "journal"));
            EngineAccess.bindBatcher(engine, notifier); // resync: every router's state queued and reported
            BatchNotifier n = notifier;
            await(() -> n.counters().get("states_reported") >= routers && n.counters().get("reporter.journal.pending") == 0,
                    "notifier: resync delivered");
            for (String id : ids) {
                engine.accept(id, HaState.BACKUP);
            }
            await(() -> e.counters().get("applied") >= 3L * routers, "engine: third transition applied");
            await(() -> n.counters().get("states_reported") >= 2L * routers && n.counters().get("reporter.journal.pending") == 0,
                    "notifier: transitions delivered");
            long withAll = usedAfterGc();
            log.accept(String.format("[scale] notifier + journal reporter: %.0f bytes/router", (withAll - withEngine) / (double) routers));
            List<String> histogram = histogramTop(15);
            // keep them reachable until measured
            if (registry.all().isEmpty() || engine.counters().isEmpty() || notifier.counters().isEmpty()) {
                throw new IllegalStateException();
            }
            return new Result(routers, baseline, withRegistry, withEngine, withAll, (System.nanoTime() - t0) / 1e9, histogram);
        } finally {
            if (engine != null) {
                EngineAccess.deactivate(engine);
            }
            if (notifier != null) {
                NotifierAccess.deactivate(notifier);
            }
            if (registry != null) {
                RegistryAccess.deactivate(registry);
            }
            org.l3ha.itests.support.Dirs.deleteTree(state);
            org.l3ha.itests.support.Dirs.deleteTree(docs);
        }
    }

    private static void await(BooleanSupplier condition, String what) {
        org.l3ha.itests.support.Poll.until(what, Duration.ofMinutes(10), condition::getAsBoolean);
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
