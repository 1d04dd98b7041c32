package org.l3ha.process.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HealthResult;

/**
 * The monitor's decisions for a registered daemon that is down, without processes: its program
 * does not exist, so every respawn fails before anything runs.
 */
class ChildProcessMonitorTest {

    static final String R1 = DaemonJournalTest.R1;

    @TempDir
    Path dir;
    ProcessSettings settings;
    ProcessStats stats;
    DaemonRegistry registry;
    ChildProcessMonitor monitor;
    final AtomicInteger exits = new AtomicInteger();
    DaemonRecord daemon;

    @BeforeEach
    void setUp() throws Exception {
        ProcFs proc = new ProcFs(Files.createDirectories(dir.resolve("proc")),
                Files.createDirectories(dir.resolve("netns")), List.of());
        settings = new ProcessSettings(0, false, List.of(), dir);
        stats = new ProcessStats(Clock.systemUTC());
        registry = new DaemonRegistry(proc, stats, () -> settings);
        registry.open(dir);
        DaemonControl control = new DaemonControl(proc, stats, () -> settings);
        monitor = new ChildProcessMonitor(registry, control, new DaemonLocks(), proc, stats, () -> settings,
                exits::incrementAndGet);
        daemon = new DaemonRecord("radvd", R1, "", dir.resolve("pids/" + R1 + ".pid"),
                List.of(dir.resolve("missing/radvd").toString(), R1), Map.of(), 15, Duration.ofSeconds(5),
                Duration.ofSeconds(5));
        registry.register(daemon, daemon, 7);
    }

    @AfterEach
    void close() {
        monitor.close();
    }

    long count(String counter) {
        return stats.counters(registry.state()).get(counter);
    }

    @Test
    void aDaemonThatIsDownIsRespawnedAtEveryCheckAndItsFailuresAreCritical() {
        monitor.checkAll();

        DaemonRegistry.Registration r = registry.snapshot().get(0);
        assertEquals(1, r.failedRespawns);
        assertTrue(r.lastFailure.contains("cannot run " + daemon.command().get(0)), r.lastFailure);
        assertEquals(1, count("spawn_failures"));
        HealthResult h = stats.health(settings, monitor.exitReason(), registry.state());
        assertEquals(HealthResult.Status.CRITICAL, h.status());

        monitor.checkAll();
        assertEquals(2, r.failedRespawns);
        assertEquals(2, count("spawn_failures"));
        assertEquals(0, count("respawns"));
        assertEquals(0, exits.get());
    }

    @Test
    void aRegistrationReplacedSinceTheSnapshotIsNotRespawned() throws Exception {
        DaemonRegistry.Registration seen = registry.snapshot().get(0);
        registry.register(daemon, daemon, 8);

        monitor.check(seen);

        assertEquals(0, count("spawn_failures"), "no respawn attempted");
        registry.unregister(daemon.key());
        monitor.check(registry.snapshot().stream().findFirst().orElse(seen));
        assertEquals(0, count("spawn_failures"), "disabled: not brought back");
    }

    @Test
    void withActionExitTheHookRunsOnceAndNothingIsRespawned() {
        settings = new ProcessSettings(1, true, List.of(), dir);

        monitor.checkAll();
        monitor.checkAll();

        assertEquals(1, exits.get());
        assertEquals(Optional.of("radvd for router " + R1 + " is not running (last known pid 7)"), monitor.exitReason());
        assertEquals(0, count("spawn_failures"));
        assertEquals(HealthResult.Status.CRITICAL,
                stats.health(settings, monitor.exitReason(), registry.state()).status());
    }

    @Test
    void aClosedMonitorChecksNothingAndStartsNoThread() {
        assertTrue(monitor.close());
        assertFalse(monitor.close(), "idempotent");

        monitor.checkAll();
        monitor.start(1);

        assertEquals(0, count("spawn_failures"));
        assertEquals(List.of(), RealProcesses.processThreads());
    }

    @Test
    void theThreadRunsOnlyWithAnIntervalAndStopsOnClose() {
        monitor.start(0);
        assertEquals(List.of(), RealProcesses.processThreads(), "interval 0: no monitor");

        monitor.restart(1);
        assertEquals(List.of(ChildProcessMonitor.MONITOR_THREAD), RealProcesses.processThreads());
        await().atMost(Duration.ofSeconds(10)).until(() -> count("spawn_failures") >= 1);

        monitor.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> RealProcesses.processThreads().isEmpty());
    }
}
