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
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals go only to the daemon: real processes in the host namespace, a perl that carries the
 * daemon's uuid (the daemon) and a sleep that does not.
 */
class DaemonControlTest {

    @TempDir
    Path dir;
    final String uuid = UUID.randomUUID().toString();
    final ProcessStats stats = new ProcessStats(Clock.systemUTC());
    final DaemonControl control = new DaemonControl(ProcFs.SYSTEM, stats,
            () -> new ProcessSettings(0, false, List.of(), Path.of("/nonexistent")));
    Process process;

    @AfterEach
    void destroy() throws Exception {
        if (process != null) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    DaemonRecord daemon() {
        return new DaemonRecord("radvd", uuid, "", dir.resolve(uuid + ".pid"), List.of("perl", "-e", "sleep 600", uuid),
                Map.of(), 15, Duration.ofSeconds(10), Duration.ofSeconds(5));
    }

    Process start(String... command) throws Exception {
        process = new ProcessBuilder(command).start();
        return process;
    }

    long count(String counter) {
        return stats.counters(new ProcessStats.RegistryState(0, 0, false, null)).get(counter);
    }

    @Test
    void aProcessThatIsNotTheDaemonIsNeitherSignalledNorReloadedNorStopped() throws Exception {
        DaemonRecord d = daemon();
        long pid = start("sleep", "600").pid();
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcFs.SYSTEM.cmdline(pid).startsWith("sleep"));

        assertFalse(control.signal(d, pid, DaemonControl.SIGKILL));
        assertFalse(control.reload(d, pid));
        control.stop(d, pid);

        assertTrue(process.isAlive());
        assertEquals(0, count("reloads"));
        assertEquals(0, count("killed"));
    }

    @Test
    void aPidFileNamingAnotherProcessIsCountedAsAnImpostor() throws Exception {
        DaemonRecord d = daemon();
        long pid = start("sleep", "600").pid();
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcFs.SYSTEM.cmdline(pid).startsWith("sleep"));
        Files.writeString(d.pidFile(), pid + "\n");

        control.reportImpostor(d);

        assertEquals(1, count("impostors"));
        assertTrue(process.isAlive());
    }

    @Test
    void theDaemonIsStoppedWithItsStopSignal() throws Exception {
        DaemonRecord d = daemon();
        long pid = start("perl", "-e", "sleep 600", uuid).pid();
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcFs.SYSTEM.isDaemon(pid, d));

        control.stop(d, pid);

        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        assertEquals(128 + 15, process.exitValue(), "ended by SIGTERM");
        assertEquals(0, count("killed"), "no SIGKILL needed");
    }
}
