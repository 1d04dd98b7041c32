package org.l3ha.process.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.l3ha.api.HealthResult;

/** The counters and the health verdict, from the events the other classes report. */
class ProcessStatsTest {

    static final String R1 = "11111111-1111-4111-8111-111111111111";
    static final ProcessStats.RegistryState CLEAN = new ProcessStats.RegistryState(2, 0, false, Path.of("/j"));

    final RealProcesses.TestClock clock = new RealProcesses.TestClock();
    final ProcessStats stats = new ProcessStats(clock);

    static ProcessSettings every(int seconds) {
        return new ProcessSettings(seconds, false, List.of(), Path.of("/var/lib/l3ha"));
    }

    static DaemonRegistry.Registration registration(String router) {
        DaemonRecord d = new DaemonRecord("radvd", router, "", Path.of("/run/" + router + ".pid"), List.of("radvd"),
                Map.of(), 15, Duration.ofSeconds(5), Duration.ofSeconds(5));
        return new DaemonRegistry.Registration(d, d, 0);
    }

    HealthResult health(ProcessSettings s) {
        return stats.health(s, Optional.empty(), CLEAN);
    }

    @Test
    void everyCounterIsListedByItsNameWithTheRegistrysSizes() {
        stats.count(ProcessStats.SPAWN_FAILURES);
        stats.count(ProcessStats.SPAWN_FAILURES);
        stats.add(ProcessStats.ADOPTED, 3);

        Map<String, Long> c = stats.counters(new ProcessStats.RegistryState(5, 4, false, null));

        assertEquals(List.of("adopted", "disabled", "enabled", "impostors", "killed", "monitored", "reloads", "respawns",
                "spawn_failures", "spawned", "unclaimed"), List.copyOf(c.keySet()));
        assertEquals(2, c.get("spawn_failures"));
        assertEquals(3, c.get("adopted"));
        assertEquals(0, c.get("killed"));
        assertEquals(5, c.get("monitored"));
        assertEquals(4, c.get("unclaimed"));
    }

    @Test
    void okNamesTheRegisteredTheMonitorAndTheDaemonsWaitingForTheirBundle() {
        HealthResult h = stats.health(every(60), Optional.empty(), new ProcessStats.RegistryState(2, 3, false, null));
        assertEquals(HealthResult.Status.OK, h.status());
        assertEquals("2 daemons registered, monitor every 60 s, action respawn, 3 recorded daemons wait for the"
                + " bundle that runs them", h.message());
    }

    @Test
    void aRespawnWarnsForTenMinutesOrTwoIntervalsWhicheverIsLonger() {
        stats.respawned(registration(R1), 4242);

        HealthResult h = health(every(60));
        assertEquals(HealthResult.Status.WARN, h.status());
        assertTrue(h.message().contains("radvd for " + R1 + " had to be respawned") && h.message().contains("new pid 4242")
                && h.message().contains("1 respawns since activation"), h.message());
        assertEquals(1, stats.counters(CLEAN).get("respawns"));

        clock.advance(ProcessStats.RECENT_RESPAWN.minusSeconds(1));
        assertEquals(HealthResult.Status.WARN, health(every(60)).status());
        assertEquals(HealthResult.Status.WARN, health(every(600)).status(), "two intervals of 600 s: 20 minutes");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(HealthResult.Status.OK, health(every(60)).status());
        assertEquals(HealthResult.Status.WARN, health(every(600)).status());
        clock.advance(Duration.ofMinutes(10));
        assertEquals(HealthResult.Status.OK, health(every(600)).status());
    }

    @Test
    void aFailingRespawnIsCriticalUntilItWorksOrTheDaemonIsRegisteredAgain() {
        DaemonRegistry.Registration r = registration(R1);
        r.failedRespawns = 2;
        r.lastFailure = "Cannot start radvd";
        stats.respawnFailed(r);

        HealthResult h = health(every(1));
        assertEquals(HealthResult.Status.CRITICAL, h.status());
        assertEquals("1 monitored daemon(s) down and not respawned: radvd for " + R1
                + " (2 failed respawns; last: Cannot start radvd)", h.message());

        stats.forget(r.daemon.key());
        assertEquals(HealthResult.Status.OK, health(every(1)).status());

        stats.respawnFailed(r);
        stats.respawned(r, 7);
        assertEquals(HealthResult.Status.WARN, health(every(1)).status(), "respawned: recent news, no longer down");
    }

    @Test
    void theExitActionIsCriticalBeforeAnythingElse() {
        stats.respawnFailed(registration(R1));
        HealthResult h = stats.health(every(1), Optional.of("radvd for router " + R1 + " is not running"),
                new ProcessStats.RegistryState(1, 0, true, Path.of("/j")));
        assertEquals(HealthResult.Status.CRITICAL, h.status());
        assertEquals("radvd for router " + R1 + " is not running; check_child_processes_action=exit: the framework is"
                + " stopping", h.message());
    }

    @Test
    void aJournalNotUpToDateWarnsBeforeAnExposedDirectory() {
        stats.journalDirectory(Optional.of("/var/lib/l3ha is writable by group 1000"));
        HealthResult dirty = stats.health(every(1), Optional.empty(),
                new ProcessStats.RegistryState(1, 0, true, Path.of("/var/lib/l3ha/j")));
        assertEquals(HealthResult.Status.WARN, dirty.status());
        assertTrue(dirty.message().startsWith("the daemon journal is not up to date: cannot write /var/lib/l3ha/j"),
                dirty.message());

        HealthResult exposed = health(every(1));
        assertEquals(HealthResult.Status.WARN, exposed.status());
        assertEquals("the daemon journal's directory can be changed by another account: /var/lib/l3ha is writable by"
                + " group 1000", exposed.message());

        stats.journalDirectory(Optional.empty());
        assertEquals(HealthResult.Status.OK, health(every(1)).status());
    }
}
