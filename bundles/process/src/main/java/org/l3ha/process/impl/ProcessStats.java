package org.l3ha.process.impl;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.l3ha.api.HealthResult;
import org.l3ha.common.Counters;
import org.l3ha.common.LogText;

/**
 * The process manager's counters and health: every counter, what only the health verdict needs
 * (daemons whose respawn fails, the last respawn, whether another account can change the
 * journal's directory), and the verdict itself. The other classes report events here.
 */
final class ProcessStats {

    // the counters, under the names counters(RegistryState) shows
    static final String ENABLED = "enabled";
    static final String DISABLED = "disabled";
    static final String RELOADS = "reloads";
    static final String SPAWNED = "spawned";
    static final String RESPAWNS = "respawns";
    static final String SPAWN_FAILURES = "spawn_failures";
    /** SIGKILL after the stop timeout. */
    static final String KILLED = "killed";
    static final String ADOPTED = "adopted";
    /** Pid files found naming a live process that is not the daemon (left alone). */
    static final String IMPOSTORS = "impostors";

    /**
     * What the registry knows, for the verdict.
     *
     * @param monitored registered daemons
     * @param unclaimed recorded daemons no factory has rebuilt yet
     * @param journalDirty whether the journal missed a change
     * @param journalFile the journal, or null before activation
     */
    record RegistryState(int monitored, int unclaimed, boolean journalDirty, Path journalFile) {
    }

    private record RespawnEvent(Instant time, DaemonRecord.Key key, long pid) {
    }

    /** How long a respawn keeps the health at WARN, at least (and at least two check intervals). */
    static final Duration RECENT_RESPAWN = Duration.ofMinutes(10);

    private final Clock clock;
    private final Counters counters = new Counters(ENABLED, DISABLED, RELOADS, SPAWNED, RESPAWNS, SPAWN_FAILURES, KILLED,
            ADOPTED, IMPOSTORS);
    /** Registered daemons found down whose respawn failed. */
    private final Map<DaemonRecord.Key, DaemonRegistry.Registration> failing = new ConcurrentHashMap<>();
    private volatile RespawnEvent lastRespawn;
    /** Why another account can change the journal's directory, if it can. */
    private volatile Optional<String> journalDirExposed = Optional.empty();

    /** @param clock wall clock for the health verdict */
    ProcessStats(Clock clock) {
        this.clock = clock;
    }

    /** @param counter one of the names above */
    void count(String counter) {
        counters.increment(counter);
    }

    /** @param counter one of the names above */
    void add(String counter, long n) {
        counters.add(counter, n);
    }

    /** {@code r} was found down and respawned as {@code pid}. */
    void respawned(DaemonRegistry.Registration r, long pid) {
        count(RESPAWNS);
        lastRespawn = new RespawnEvent(clock.instant(), r.daemon.key(), pid);
        failing.remove(r.daemon.key());
    }

    /** {@code r} was found down and its respawn failed (its failure fields are set). */
    void respawnFailed(DaemonRegistry.Registration r) {
        failing.put(r.daemon.key(), r);
    }

    /** {@code key} was registered again or unregistered: its failed respawns are history. */
    void forget(DaemonRecord.Key key) {
        failing.remove(key);
    }

    /** @param exposed why another account can change the journal's directory, if it can */
    void journalDirectory(Optional<String> exposed) {
        journalDirExposed = exposed;
    }

    /** @return every counter by name, and monitored and unclaimed (now), sorted by name */
    Map<String, Long> counters(RegistryState registry) {
        Map<String, Long> c = counters.snapshot();
        c.put("monitored", (long) registry.monitored());
        c.put("unclaimed", (long) registry.unclaimed());
        return c;
    }

    /**
     * @param s the current options
     * @param exitReason why the exit action fired, if it did
     * @param registry what the registry knows
     * @return the verdict, worst first: the exit action fired, daemons down and not respawned,
     *         a recent respawn, the journal not up to date, its directory exposed; else OK
     */
    HealthResult health(ProcessSettings s, Optional<String> exitReason, RegistryState registry) {
        if (exitReason.isPresent()) {
            return HealthResult.critical(exitReason.get()
                    + "; check_child_processes_action=exit: the framework is stopping");
        }
        if (!failing.isEmpty()) {
            List<String> down = new ArrayList<>();
            failing.values().stream().limit(3).forEach(r -> down.add(r.daemon.key() + " (" + r.failedRespawns
                    + " failed respawns; last: " + r.lastFailure + ")"));
            return HealthResult.critical(failing.size() + " monitored daemon(s) down and not respawned: "
                    + String.join("; ", down) + (failing.size() > 3 ? "; ..." : ""));
        }
        RespawnEvent e = lastRespawn;
        Duration recent = RECENT_RESPAWN.compareTo(Duration.ofSeconds(2L * s.intervalSeconds())) >= 0
                ? RECENT_RESPAWN : Duration.ofSeconds(2L * s.intervalSeconds());
        if (e != null && Duration.between(e.time(), clock.instant()).compareTo(recent) < 0) {
            return HealthResult.warn(e.key() + " had to be respawned at " + e.time() + " (new pid " + e.pid() + "); "
                    + counters.get(RESPAWNS) + " respawns since activation");
        }
        if (registry.journalDirty()) {
            return HealthResult.warn("the daemon journal is not up to date: cannot write "
                    + LogText.path(registry.journalFile()) + ": daemons would not be adopted after an update of l3ha");
        }
        Optional<String> exposed = journalDirExposed;
        if (exposed.isPresent()) {
            return HealthResult.warn("the daemon journal's directory can be changed by another account: " + exposed.get());
        }
        int waiting = registry.unclaimed();
        return HealthResult.ok(registry.monitored() + " daemons registered, " + s.monitorLabel()
                + (waiting == 0 ? "" : ", " + waiting + " recorded daemons wait for the bundle that runs them"));
    }
}
