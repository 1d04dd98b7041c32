package org.l3ha.process.impl;

import org.l3ha.common.testing.AgentConfigs;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.l3ha.api.DaemonFactory;
import org.l3ha.api.HealthResult;

/**
 * The monitor with real daemons: docs/behaviour.md §10 cases 55–58 (the monitor: §5.4), no respawn storm, health, and
 * adoption by a new component after the previous one was deactivated (a bundle hot swap).
 */
class ProcessMonitorTest extends RealProcesses {

    /** One check interval (1 s) plus the time to start a daemon on a busy machine. */
    static final Duration ONE_INTERVAL = Duration.ofSeconds(3);
    static final Duration WAIT = Duration.ofSeconds(10);

    /** @return the pid of the daemon once it is active with a pid other than {@code old} */
    static long awaitNewPid(NamespaceProcessManager pm, TestDaemon d, long old, Duration within) {
        await().atMost(within).until(() -> pm.pid(d).orElse(old) != old);
        return pm.pid(d).orElseThrow();
    }

    @Test
    void case55_aDaemonKilledWithSigkillIsRespawnedWithinOneInterval() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 1));
        TestDaemon d = daemon("haproxy");
        pm.enable(d, false);
        long first = pm.pid(d).orElseThrow();

        kill9(first);

        long second = awaitNewPid(pm, d, first, ONE_INTERVAL);
        assertFalse(alive(first));
        assertEquals(second, pidIn(d.pidFile()));
        assertEquals(ns, namespaceOf(second), "respawned in the namespace");
        assertEquals(List.of(second), livePidsCarrying(uuid));
        assertEquals(1, pm.counters().get("respawns"));
        HealthResult h = pm.check();
        assertEquals(HealthResult.Status.WARN, h.status(), h.message());
        assertTrue(h.message().contains("haproxy for " + uuid) && h.message().contains("new pid " + second), h.message());

        clock.advance(ProcessStats.RECENT_RESPAWN);
        assertEquals(HealthResult.Status.OK, pm.check().status(), "a respawn is news for 10 minutes");
        pm.disable(d);
    }

    @Test
    void case57_aPidFileHoldingAnUnrelatedProcessIsRespawnedAndTheStrangerLeftAlone() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 1));
        TestDaemon d = daemon("radvd");
        pm.enable(d, false);
        long first = pm.pid(d).orElseThrow();
        long stranger = unrelatedProcess();

        kill9(first);
        Files.writeString(d.pidFile(), stranger + "\n");

        long second = awaitNewPid(pm, d, first, ONE_INTERVAL);
        assertNotEquals(stranger, second);
        assertEquals(ns, namespaceOf(second));
        assertTrue(alive(stranger), "the unrelated process was not killed");
        assertEquals(1, pm.counters().get("respawns"));
        pm.disable(d);
        assertTrue(alive(stranger));
    }

    @Test
    void case58_intervalZeroMeansNoMonitorThreadAndNoRespawn() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd");
        pm.enable(d, false);
        long pid = pm.pid(d).orElseThrow();
        assertEquals(List.of(), processThreads(), "no monitor thread");

        kill9(pid);

        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(4)).until(() -> !pm.isActive(d));
        assertEquals(0, pm.counters().get("respawns"));
        assertEquals(1, pm.counters().get("spawned"));
        assertEquals(1, pm.counters().get("monitored"), "still registered, just not monitored");
        pm.disable(d);
    }

    @Test
    void case56_actionExitStopsTheFrameworkOnceAndRespawnsNothing() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 1, "check_child_processes_action", "exit"));
        TestDaemon d = daemon("radvd");
        pm.enable(d, false);
        long pid = pm.pid(d).orElseThrow();

        kill9(pid);

        await().atMost(ONE_INTERVAL).until(() -> exits.get() == 1);
        HealthResult h = pm.check();
        assertEquals(HealthResult.Status.CRITICAL, h.status());
        assertTrue(h.message().contains("radvd for router " + uuid + " is not running"), h.message());
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(4)).until(() -> exits.get() == 1);
        assertFalse(pm.isActive(d), "not respawned");
        assertEquals(0, pm.counters().get("respawns"));
        pm.disable(d);
    }

    @Test
    void aFailingRespawnIsRetriedOncePerCheckAndHealthIsCriticalUntilItWorks() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 1));
        TestDaemon d = daemon("radvd");
        pm.enable(d, false);
        long first = pm.pid(d).orElseThrow();
        Path hidden = dir.resolve("hidden.pl");
        Files.move(script, hidden);
        long since = System.nanoTime();

        kill9(first);

        await().atMost(WAIT).until(() -> pm.counters().get("spawn_failures") >= 3);
        long seconds = Duration.ofNanos(System.nanoTime() - since).toSeconds();
        long failures = pm.counters().get("spawn_failures");
        assertTrue(failures <= seconds + 2, failures + " attempts in " + seconds + " s: no respawn storm");
        HealthResult h = pm.check();
        assertEquals(HealthResult.Status.CRITICAL, h.status());
        assertTrue(h.message().contains("radvd for " + uuid) && h.message().contains("failed respawns"), h.message());
        assertFalse(pm.isActive(d));

        Files.move(hidden, script);
        long second = awaitNewPid(pm, d, first, ONE_INTERVAL);
        assertEquals(ns, namespaceOf(second));
        assertEquals(HealthResult.Status.WARN, pm.check().status(), "recovered, recently respawned");
        assertEquals(1, pm.counters().get("respawns"));
        pm.disable(d);
    }

    @Test
    void aDisabledDaemonIsNeverRespawned() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 1));
        TestDaemon d = daemon("haproxy");
        pm.enable(d, false);
        long pid = pm.pid(d).orElseThrow();

        pm.disable(d);

        assertFalse(alive(pid));
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(4)).until(() -> !pm.isActive(d));
        assertEquals(0, pm.counters().get("respawns"));
    }

    @Test
    void aNewComponentAdoptsTheDaemonsOfTheOldOneAndMonitorsThem() throws Exception {
        NamespaceProcessManager a = start(props("check_child_processes_interval", 1));
        TestDaemon radvd = daemon("radvd");
        TestDaemon haproxy = daemon("haproxy");
        a.enable(radvd, false);
        a.enable(haproxy, false);
        long radvdPid = a.pid(radvd).orElseThrow();
        long haproxyPid = a.pid(haproxy).orElseThrow();

        a.deactivate();
        await().atMost(WAIT).until(() -> processThreads().isEmpty());
        assertTrue(alive(radvdPid) && alive(haproxyPid), "deactivate stopped no daemon");
        Path journal = dir.resolve(DaemonJournal.FILE_NAME);
        assertTrue(Files.readString(journal).contains(uuid), "the daemons are recorded in " + journal);

        NamespaceProcessManager b = start(props("check_child_processes_interval", 1));
        assertEquals(2, b.counters().get("unclaimed"), "recorded, waiting for the bundles that run them");
        assertEquals(0, b.counters().get("monitored"));
        b.bindFactory(factory(radvd), Map.of(DaemonFactory.SERVICE, "radvd"));
        b.bindFactory(factory(haproxy), Map.of(DaemonFactory.SERVICE, "haproxy"));
        assertEquals(0, b.counters().get("unclaimed"));
        assertEquals(2, b.counters().get("adopted"));
        assertEquals(2, b.counters().get("monitored"));
        assertEquals(0, b.counters().get("spawned"), "adopted, not started again");
        assertEquals(OptionalLong.of(radvdPid), b.pid(radvd));
        assertEquals(OptionalLong.of(haproxyPid), b.pid(haproxy));

        kill9(radvdPid);
        long respawned = awaitNewPid(b, radvd, radvdPid, ONE_INTERVAL);
        assertEquals(ns, namespaceOf(respawned));
        assertEquals(haproxyPid, b.pid(haproxy).orElseThrow(), "the other daemon was left alone");

        b.disable(haproxy);
        b.deactivate();
        NamespaceProcessManager c = startWithFactories(props("check_child_processes_interval", 1), radvd, haproxy);
        assertEquals(1, c.counters().get("monitored"), "the disabled daemon is no longer recorded");
        assertEquals(OptionalLong.of(respawned), c.pid(radvd));
        c.disable(radvd);
        assertFalse(alive(respawned));
    }

    @Test
    void aRecordedDaemonThatDiedWhileNoComponentWasActiveIsRespawnedByTheNextOne() throws Exception {
        NamespaceProcessManager a = start(props("check_child_processes_interval", 1));
        TestDaemon d = daemon("radvd");
        a.enable(d, false);
        long pid = a.pid(d).orElseThrow();
        a.deactivate();
        kill9(pid);

        NamespaceProcessManager b = startWithFactories(props("check_child_processes_interval", 1), d);
        assertEquals(0, b.counters().get("adopted"));
        assertEquals(1, b.counters().get("monitored"));

        long respawned = awaitNewPid(b, d, pid, ONE_INTERVAL);
        assertEquals(ns, namespaceOf(respawned));
        b.disable(d);
    }

    @Test
    void aRecordedDaemonWaitsForItsBundleAndIsForgottenIfThatBundleNoLongerRunsIt() throws Exception {
        NamespaceProcessManager a = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd");
        a.enable(d, false);
        long pid = a.pid(d).orElseThrow();
        a.deactivate();

        NamespaceProcessManager b = start(props("check_child_processes_interval", 0));
        assertEquals(1, b.counters().get("unclaimed"));
        assertTrue(b.check().message().contains("1 recorded daemons wait for the bundle that runs them"), b.check().message());
        b.deactivate();
        assertTrue(Files.readString(dir.resolve(DaemonJournal.FILE_NAME)).contains(uuid), "still recorded");

        NamespaceProcessManager c = start(props("check_child_processes_interval", 0));
        c.bindFactory(routerId -> java.util.Optional.empty(), Map.of(DaemonFactory.SERVICE, "radvd"));
        assertEquals(0, c.counters().get("unclaimed"));
        assertEquals(0, c.counters().get("monitored"));
        assertTrue(new DaemonJournal(dir.resolve(DaemonJournal.FILE_NAME)).load().daemons().isEmpty(), "forgotten");
        assertTrue(alive(pid), "forgetting a record stops nothing");
        c.disable(d);
        assertFalse(alive(pid));
    }

    @Test
    void movingStatePathMovesTheJournal() throws Exception {
        NamespaceProcessManager a = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd");
        a.enable(d, false);
        Path other = dir.resolve("elsewhere");

        a.modified(AgentConfigs.of(props("check_child_processes_interval", 0, "state_path", other.toString())));

        assertFalse(Files.exists(dir.resolve(DaemonJournal.FILE_NAME)));
        assertTrue(Files.readString(other.resolve(DaemonJournal.FILE_NAME)).contains(uuid));
        a.deactivate();
        NamespaceProcessManager b = startWithFactories(props("check_child_processes_interval", 0, "state_path", other.toString()), d);
        assertEquals(1, b.counters().get("adopted"));
        b.disable(d);
    }

    @Test
    void aMonitorPassSkipsActiveDaemonsAndCountsNothing() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd");
        pm.enable(d, false);
        long pid = pm.pid(d).orElseThrow();

        pm.checkNow();

        assertEquals(OptionalLong.of(pid), pm.pid(d));
        assertEquals(0, pm.counters().get("respawns"));
        assertEquals(HealthResult.Status.OK, pm.check().status());
        pm.disable(d);
    }
}
