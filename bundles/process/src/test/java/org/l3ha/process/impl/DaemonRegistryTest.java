package org.l3ha.process.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.DaemonFactory;
import org.l3ha.api.HealthResult;

/**
 * The registry without processes (no pid file names a running daemon here): what is recorded on
 * enable and disable, and how a new registry's recorded daemons are claimed through their factory.
 */
class DaemonRegistryTest {

    static final String R1 = DaemonJournalTest.R1;
    static final String R2 = DaemonJournalTest.R2;

    @TempDir
    Path dir;
    ProcFs proc;
    ProcessStats stats;
    final DaemonRecord a = DaemonJournalTest.radvd(R1);
    final DaemonRecord b = DaemonJournalTest.radvd(R2);

    @BeforeEach
    void emptyProc() throws Exception {
        proc = new ProcFs(Files.createDirectories(dir.resolve("proc")), Files.createDirectories(dir.resolve("netns")),
                List.of());
    }

    DaemonRegistry open() {
        stats = new ProcessStats(Clock.systemUTC());
        DaemonRegistry r = new DaemonRegistry(proc, stats,
                () -> new ProcessSettings(1, false, List.of(), dir));
        r.open(dir);
        return r;
    }

    Set<DaemonRecord.Key> journal() throws Exception {
        return new DaemonJournal(dir.resolve(DaemonJournal.FILE_NAME)).load().daemons();
    }

    /** @return an opened registry with {@link #a} and {@link #b} registered */
    DaemonRegistry withBoth() {
        DaemonRegistry r = open();
        r.register(a, a, 10);
        r.register(b, b, 11);
        return r;
    }

    @Test
    void registeringAndUnregisteringIsRecordedInTheJournal() throws Exception {
        DaemonRegistry r = withBoth();
        assertEquals(Set.of(a.key(), b.key()), journal());
        assertEquals(2, r.monitored());

        r.unregister(a.key());
        assertEquals(Set.of(b.key()), journal());
        assertEquals(List.of(b.key()), r.snapshot().stream().map(x -> x.daemon.key()).toList());
        assertEquals(dir.resolve(DaemonJournal.FILE_NAME), r.journalFile());
        assertFalse(r.journalDirty());
    }

    @Test
    void aRegistrationReplacedMeanwhileIsNoLongerTheRegisteredOne() {
        DaemonRegistry r = open();
        r.register(a, a, 10);
        DaemonRegistry.Registration seen = r.snapshot().get(0);
        assertTrue(r.isRegistered(seen));

        r.register(a, a, 12);
        assertFalse(r.isRegistered(seen), "enabled again: a new registration");
        DaemonRegistry.Registration now = r.snapshot().get(0);
        assertEquals(12, now.lastPid);

        r.unregister(a.key());
        assertFalse(r.isRegistered(now), "disabled");
    }

    @Test
    void recordedDaemonsWaitForTheirFactoryWhichRegistersOrForgetsThem() throws Exception {
        withBoth();

        DaemonRegistry r = open();
        assertEquals(0, r.monitored());
        assertEquals(2, r.unclaimed());
        r.claim("radvd");
        assertEquals(2, r.unclaimed(), "no factory bound: nothing happens");

        r.addFactory("radvd", id -> id.equals(R1) ? Optional.of(a) : Optional.empty());
        r.claim("radvd");

        assertEquals(0, r.unclaimed());
        assertEquals(1, r.monitored());
        assertSame(a, r.snapshot().get(0).daemon);
        assertEquals(0, r.snapshot().get(0).lastPid, "not running: the monitor respawns it");
        assertEquals(0, stats.counters(r.state()).get("adopted"));
        assertEquals(Set.of(a.key()), journal(), "the one its bundle no longer runs is forgotten");
    }

    @Test
    void aFactoryThatFailsOrRebuildsAnotherDaemonLeavesTheRecordAsItIs() throws Exception {
        DaemonRegistry first = open();
        first.register(a, a, 10);

        DaemonRegistry r = open();
        DaemonFactory failing = id -> {
            throw new IllegalStateException("broken");
        };
        r.addFactory("radvd", failing);
        r.claim("radvd");
        assertEquals(1, r.unclaimed());

        r.removeFactory("radvd", failing);
        assertEquals(Set.of(), r.services());
        r.addFactory("radvd", id -> Optional.of(DaemonJournalTest.radvd(R2)));
        r.claim("radvd");
        assertEquals(1, r.unclaimed());
        assertEquals(0, r.monitored());
        assertEquals(Set.of(a.key()), journal(), "still recorded");
    }

    @Test
    void registeringAgainEndsTheFailedRespawnsOfThatDaemon() {
        DaemonRegistry r = open();
        r.register(a, a, 10);
        stats.respawnFailed(r.snapshot().get(0));
        assertEquals(HealthResult.Status.CRITICAL, health(r).status());

        r.register(a, a, 13);
        assertEquals(HealthResult.Status.OK, health(r).status());
    }

    HealthResult health(DaemonRegistry r) {
        return stats.health(new ProcessSettings(1, false, List.of(), dir), Optional.empty(), r.state());
    }

    @Test
    void movingTheJournalWritesTheNewOneAndRemovesTheOld() throws Exception {
        DaemonRegistry r = open();
        r.register(a, a, 10);
        Path other = dir.resolve("elsewhere");

        r.moveJournal(other);

        assertFalse(Files.exists(dir.resolve(DaemonJournal.FILE_NAME)));
        assertEquals(Set.of(a.key()), new DaemonJournal(other.resolve(DaemonJournal.FILE_NAME)).load().daemons());
        assertEquals(other.resolve(DaemonJournal.FILE_NAME), r.journalFile());
    }
}
