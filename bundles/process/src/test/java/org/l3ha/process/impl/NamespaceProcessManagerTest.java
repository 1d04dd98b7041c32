package org.l3ha.process.impl;

import org.l3ha.common.testing.AgentConfigs;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.l3ha.api.HealthResult;
import org.l3ha.common.ConfigException;

/** enable / reload / disable with real fake daemons in a real network namespace. */
class NamespaceProcessManagerTest extends RealProcesses {

    static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void enableStartsTheDaemonInsideTheNamespaceWithItsEnvironment() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd");

        pm.enable(d, false);

        assertTrue(pm.isActive(d));
        long pid = pm.pid(d).orElseThrow();
        assertEquals(pid, pidIn(d.pidFile()), "pid() is the pid in the pid file");
        assertEquals(ns, namespaceOf(pid), "ip netns identify");
        assertTrue(ProcFs.SYSTEM.cmdline(pid).contains(uuid));
        await().atMost(WAIT).until(() -> logged("radvd").contains("start radvd-" + uuid));
        Map<String, Long> c = pm.counters();
        assertEquals(1, c.get("enabled"));
        assertEquals(1, c.get("spawned"));
        assertEquals(1, c.get("monitored"));
        assertEquals(HealthResult.Status.OK, pm.check().status());

        pm.disable(d);
        assertFalse(alive(pid));
    }

    @Test
    void enableAgainDoesNotStartASecondDaemonAndReloadSendsSighup() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd");
        pm.enable(d, false);
        long pid = pm.pid(d).orElseThrow();
        await().atMost(WAIT).until(() -> logged("radvd").contains("start radvd-" + uuid));

        pm.enable(d, false);
        assertEquals(pid, pm.pid(d).orElseThrow());
        assertEquals(List.of(pid), livePidsCarrying(uuid), "one daemon, not two");
        assertEquals(1, pm.counters().get("spawned"));
        assertFalse(logged("radvd").contains("hup"), "no reload asked for: no SIGHUP");

        pm.enable(d, true);
        await().atMost(WAIT).until(() -> logged("radvd").contains("hup"));
        assertEquals(pid, pm.pid(d).orElseThrow(), "a reload keeps the pid");
        assertEquals(pid, pidIn(d.pidFile()), "and the pid file");
        assertEquals(1, pm.counters().get("reloads"));
        assertEquals(1, pm.counters().get("spawned"));
        assertEquals(3, pm.counters().get("enabled"));
        assertEquals(1, pm.counters().get("monitored"), "registration replaced, not added");

        pm.disable(d);
    }

    @Test
    void disableStopsWithSigtermAndRemovesThePidFile() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("haproxy");
        pm.enable(d, false);
        long pid = pm.pid(d).orElseThrow();
        await().atMost(WAIT).until(() -> logged("haproxy").contains("start haproxy-" + uuid));

        pm.disable(d);

        assertFalse(alive(pid), "stopped");
        assertTrue(logged("haproxy").contains("term"), "by SIGTERM");
        assertFalse(Files.exists(d.pidFile()), "pid file removed");
        assertFalse(pm.isActive(d));
        assertEquals(0, pm.counters().get("killed"));
        assertEquals(0, pm.counters().get("monitored"));
        assertEquals(1, pm.counters().get("disabled"));

        pm.disable(d); // not running: not an error
        assertEquals(2, pm.counters().get("disabled"));
    }

    @Test
    void aDaemonIgnoringSigtermIsKilledAfterTheStopTimeout() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("haproxy", "term-ignore").withTimeouts(Duration.ofMillis(700), Duration.ofSeconds(20));
        pm.enable(d, false);
        long pid = pm.pid(d).orElseThrow();
        await().atMost(WAIT).until(() -> logged("haproxy").contains("start haproxy-" + uuid));

        pm.disable(d);

        assertFalse(alive(pid), "killed");
        assertTrue(logged("haproxy").contains("term"), "SIGTERM came first, and was ignored");
        assertEquals(1, pm.counters().get("killed"), "then SIGKILL");
        assertFalse(Files.exists(d.pidFile()));
    }

    @Test
    void aPidFileHoldingAnUnrelatedProcessIsNotActiveAndThatProcessIsNeverKilled() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd");
        long stranger = unrelatedProcess();
        Files.createDirectories(d.pidFile().getParent());
        Files.writeString(d.pidFile(), stranger + "\n");

        assertFalse(pm.isActive(d), "a live pid whose command line lacks the uuid is not the daemon");
        assertEquals(OptionalLong.empty(), pm.pid(d));

        pm.disable(d);
        assertTrue(alive(stranger), "disable does not kill a process that is not the daemon");
        assertFalse(Files.exists(d.pidFile()), "the stale pid file is removed");

        Files.writeString(d.pidFile(), Long.toString(stranger));
        pm.enable(d, true);
        long pid = pm.pid(d).orElseThrow();
        assertNotEquals(stranger, pid, "enable started the daemon instead of reloading the stranger");
        assertTrue(alive(stranger));
        assertEquals(0, pm.counters().get("reloads"));
        pm.disable(d);
        assertTrue(alive(stranger));
    }

    @Test
    void theRootHelperPrefixesSpawnAndSignals() throws Exception {
        Path helperLog = dir.resolve("root-helper.log");
        Path helper = dir.resolve("root-helper.sh");
        Files.writeString(helper, "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + helperLog + "\nexec \"$@\"\n");
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0, "root_helper", "  sh   " + helper + " "));
        TestDaemon d = daemon("radvd");

        pm.enable(d, false);
        long pid = pm.pid(d).orElseThrow();
        await().atMost(WAIT).until(() -> logged("radvd").contains("start radvd-" + uuid));
        pm.enable(d, true);
        await().atMost(WAIT).until(() -> logged("radvd").contains("hup"));
        pm.disable(d);

        List<String> calls = Files.readAllLines(helperLog);
        assertEquals(List.of(
                "ip netns exec " + ns + " env PROCESS_TAG=radvd-" + uuid + " " + String.join(" ", d.command()),
                "kill -1 " + pid,
                "kill -15 " + pid), calls);
    }

    @Test
    void withoutANamespaceTheDaemonRunsInTheHostNamespace() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd").withNamespace("");
        pm.enable(d, false);
        long pid = pm.pid(d).orElseThrow();
        assertEquals("", namespaceOf(pid), "not in a named namespace");
        pm.disable(d);
        assertFalse(alive(pid));
    }

    @Test
    void aMissingBinaryFailsWithAMessageNamingServiceUuidNamespaceAndCause() {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 1));
        TestDaemon d = daemon("radvd").withCommand(List.of("/nonexistent/radvd-" + uuid, "-C", "x"));

        IOException e = assertThrows(IOException.class, () -> pm.enable(d, false));

        String m = e.getMessage();
        assertTrue(m.contains("radvd") && m.contains(uuid) && m.contains("namespace " + ns), m);
        assertTrue(m.contains("/nonexistent/radvd-" + uuid) && m.contains("No such file or directory"), m);
        assertEquals(1, pm.counters().get("spawn_failures"));
        assertEquals(0, pm.counters().get("monitored"), "a daemon that never started is not registered");
    }

    @Test
    void aMissingBinaryInTheHostNamespaceFailsToo() {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = new TestDaemon("radvd", uuid, "", dir.resolve(uuid + ".pid.radvd"),
                List.of("/nonexistent/radvd-" + uuid), Map.of(), 15, Duration.ofSeconds(5), Duration.ofSeconds(5));

        IOException e = assertThrows(IOException.class, () -> pm.enable(d, false));

        String m = e.getMessage();
        assertTrue(m.contains("radvd") && m.contains(uuid) && m.contains("the host namespace"), m);
        assertTrue(m.contains("cannot run /nonexistent/radvd-" + uuid) && m.contains("No such file or directory"), m);
    }

    @Test
    void aMissingNamespaceFailsWithAMessageNamingIt() {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        String missing = ns + "-missing";
        TestDaemon d = daemon("haproxy").withNamespace(missing);

        IOException e = assertThrows(IOException.class, () -> pm.enable(d, false));

        String m = e.getMessage();
        assertTrue(m.contains("haproxy") && m.contains(uuid), m);
        assertTrue(m.contains("Cannot open network namespace \"" + missing + "\""), m);
        assertTrue(m.contains("status"), m);
    }

    @Test
    void aLauncherFailingReportsItsStatusAndStderr() {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd").withCommand(List.of("sh", "-c", "echo 'config broken' >&2; echo line2 >&2; exit 3", uuid));

        IOException e = assertThrows(IOException.class, () -> pm.enable(d, false));

        assertTrue(e.getMessage().endsWith("the launcher exited with status 3: config broken | line2"), e.getMessage());
    }

    @Test
    void aDaemonThatNeverBecomesActiveTimesOut() {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd").withCommand(List.of("true", uuid))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(800));

        IOException e = assertThrows(IOException.class, () -> pm.enable(d, false));

        assertTrue(e.getMessage().contains("pid file " + d.pidFile() + " named no running radvd for " + uuid
                + " within 0.8 s"), e.getMessage());
    }

    @Test
    void aLauncherThatDoesNotExitIsKilledAtTheStartTimeout() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd").withCommand(List.of("perl", "-e", "sleep 1000", uuid))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(800));

        IOException e = assertThrows(IOException.class, () -> pm.enable(d, false));

        assertTrue(e.getMessage().contains("the launcher did not exit within 0.8 s and was killed"), e.getMessage());
        assertEquals(List.of(), livePidsCarrying(uuid), "the launcher it started was killed");
    }

    @Test
    void aBadConfigurationFailsActivationNamingKeyAndValueAndALaterOneIsRejected() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> start(props("check_child_processes_action", "reboot")));
        assertTrue(e.getMessage().contains("check_child_processes_action='reboot'"), e.getMessage());

        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        assertTrue(processThreads().isEmpty(), "interval 0: no monitor thread");
        pm.modified(AgentConfigs.of(props("check_child_processes_interval", 1)));
        assertEquals(List.of(ChildProcessMonitor.MONITOR_THREAD), processThreads(), "interval 1: a monitor thread");
        pm.modified(AgentConfigs.of(props("check_child_processes_interval", -1)));
        assertEquals(List.of(ChildProcessMonitor.MONITOR_THREAD), processThreads(), "bad value rejected, monitor kept");
        pm.modified(AgentConfigs.of(props("check_child_processes_interval", 0)));
        await().atMost(WAIT).until(() -> processThreads().isEmpty());
    }

    @Test
    void deactivateLeavesDaemonsRunningStopsTheMonitorAndIsIdempotent() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 1));
        TestDaemon d = daemon("radvd");
        pm.enable(d, false);
        long pid = pm.pid(d).orElseThrow();
        assertEquals(List.of(ChildProcessMonitor.MONITOR_THREAD), processThreads());

        pm.deactivate();
        pm.deactivate();

        await().atMost(WAIT).until(() -> processThreads().isEmpty());
        assertTrue(alive(pid), "the daemon belongs to the node, not to the bundle");
        assertEquals(pid, pidIn(d.pidFile()));
        kill9(pid);
    }

    @Test
    void anUnwritableJournalDoesNotStopDaemonsButShowsInHealth() throws Exception {
        Path notADirectory = dir.resolve("plain-file");
        Files.writeString(notADirectory, "x");
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0, "state_path", notADirectory.toString()));
        TestDaemon d = daemon("radvd");

        pm.enable(d, false);

        assertTrue(pm.isActive(d));
        HealthResult h = pm.check();
        assertEquals(HealthResult.Status.WARN, h.status());
        assertTrue(h.message().contains(notADirectory.resolve(DaemonJournal.FILE_NAME).toString()), h.message());
        pm.disable(d);
        assertFalse(pm.isActive(d));
    }

    @Test
    void aMalformedSpecIsRejected() {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd");
        assertThrows(IllegalArgumentException.class, () -> pm.enable(d.withCommand(List.of()), false));
        TestDaemon relative = new TestDaemon("radvd", uuid, ns, Path.of("x.pid"), d.command(), Map.of(), 15,
                d.stopTimeout(), d.startTimeout());
        assertThrows(IllegalArgumentException.class, () -> pm.enable(relative, false));
        TestDaemon blankUuid = new TestDaemon("radvd", " ", ns, d.pidFile(), d.command(), Map.of(), 15,
                d.stopTimeout(), d.startTimeout());
        assertThrows(IllegalArgumentException.class, () -> pm.isActive(blankUuid));
    }
}
