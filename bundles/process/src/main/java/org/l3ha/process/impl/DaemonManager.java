package org.l3ha.process.impl;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

import org.l3ha.api.DaemonSpec;
import org.l3ha.api.HealthResult;
import org.l3ha.common.AgentSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Neutron's ProcessManager and ProcessMonitor for many daemons: starts, reloads and stops daemons
 * in network namespaces, keeps the set of registered daemons (persisted in a {@link DaemonJournal}
 * for adoption), and runs the monitor thread that respawns a registered daemon that is no longer
 * active, or asks for the framework to stop ({@code check_child_processes_action=exit}).
 *
 * <p>Locking: operations on one daemon ({@code enable}, {@code disable}, a respawn) are serialised
 * by a lock striped on (service, uuid), never held across daemons, so a slow start does not hold
 * up others. The registry and its journal are guarded by {@code registryLock}, taken after a stripe
 * lock and never the other way round. A respawn re-checks, under the daemon's stripe lock, that
 * the registration it saw in its snapshot is still the registered one, so a daemon disabled
 * (unregistered, then stopped) while the monitor runs is never brought back.
 */
final class DaemonManager {

    /**
     * The options the manager uses, from PID {@code org.l3ha.agent}.
     *
     * @param intervalSeconds {@code check_child_processes_interval}, 0 = no monitor
     * @param exitOnDeath {@code check_child_processes_action} is {@code exit}
     * @param rootHelper {@code root_helper}, split; empty = none
     * @param statePath {@code state_path}, where the journal lives
     */
    record Settings(int intervalSeconds, boolean exitOnDeath, List<String> rootHelper, Path statePath) {
        static Settings of(AgentSettings s) {
            return new Settings(s.checkChildProcessesInterval(), "exit".equals(s.checkChildProcessesAction()),
                    s.rootHelperCommand(), s.statePath());
        }

        String monitorLabel() {
            return intervalSeconds == 0 ? "monitor off (check_child_processes_interval=0)"
                    : "monitor every " + intervalSeconds + " s, action " + (exitOnDeath ? "exit" : "respawn");
        }
    }

    /** A registered daemon and what the monitor knows about it. */
    static final class Registration {
        final DaemonRecord daemon;
        volatile long lastPid;
        /* written under the daemon's stripe lock */
        volatile int failedRespawns;
        volatile String lastFailure;

        Registration(DaemonRecord daemon, long lastPid) {
            this.daemon = daemon;
            this.lastPid = lastPid;
        }
    }

    private record RespawnEvent(Instant time, DaemonRecord.Key key, long pid) {
    }

    /** How long a respawn keeps the health at WARN, at least (and at least two check intervals). */
    static final Duration RECENT_RESPAWN = Duration.ofMinutes(10);
    static final String MONITOR_THREAD = "l3ha-process-monitor";
    static final int SIGHUP = 1;
    static final int SIGKILL = 9;

    private static final Logger LOG = LoggerFactory.getLogger(DaemonManager.class);
    private static final int STRIPES = 256;
    private static final long KILL_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long SIGNAL_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long MONITOR_STOP_SECONDS = 10;
    private static final long MAX_POLL_MILLIS = 100;

    private final ProcFs proc;
    private final Clock clock;
    private final Runnable exitHook;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    private final Object registryLock = new Object();
    /* guarded by registryLock */
    private final Map<DaemonRecord.Key, Registration> registry = new HashMap<>();
    private DaemonJournal journal;
    /** The journal missed a change (or could not be read): the next write rewrites it whole. */
    private volatile boolean journalDirty;
    /** The last write failed (logged once). */
    private boolean journalWriteFailing;

    /** Registered daemons found down whose respawn failed (for health). */
    private final Map<DaemonRecord.Key, Registration> failing = new ConcurrentHashMap<>();
    private final AtomicBoolean exitRequested = new AtomicBoolean();
    private volatile String exitReason = "";
    private volatile RespawnEvent lastRespawn;
    private volatile Settings settings;
    private volatile boolean closed;

    private final Object monitorLock = new Object();
    /* guarded by monitorLock */
    private ScheduledThreadPoolExecutor monitor;

    private final LongAdder enabled = new LongAdder();
    private final LongAdder disabled = new LongAdder();
    private final LongAdder reloads = new LongAdder();
    private final LongAdder spawned = new LongAdder();
    private final LongAdder respawns = new LongAdder();
    private final LongAdder spawnFailures = new LongAdder();
    private final LongAdder killed = new LongAdder();
    private final LongAdder adopted = new LongAdder();

    /**
     * @param settings the options
     * @param proc where liveness is read
     * @param clock wall clock for the health verdict
     * @param exitHook run once, on the monitor thread, when a daemon died and the action is
     *        {@code exit}; must return quickly (the component's stops the framework on a thread of its own)
     */
    DaemonManager(Settings settings, ProcFs proc, Clock clock, Runnable exitHook) {
        this.settings = settings;
        this.proc = proc;
        this.clock = clock;
        this.exitHook = exitHook;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    // ------------------------------------------------------------------ lifecycle

    /** Adopts the daemons recorded in the journal and starts the monitor. */
    void start() {
        Settings s = settings;
        List<Registration> loaded;
        synchronized (registryLock) {
            journal = new DaemonJournal(s.statePath().resolve(DaemonJournal.FILE_NAME));
            try {
                DaemonJournal.Loaded l = journal.load();
                if (l.badLines() > 0) {
                    LOG.warn("Ignored {} unreadable lines of {} (first: {})", l.badLines(), journal.file(), l.firstProblem());
                }
                l.daemons().values().forEach(d -> registry.put(d.key(), new Registration(d, 0)));
                persist(null); // compact, and find out now whether it can be written
            } catch (IOException | RuntimeException e) {
                // Left as it is for the operator; the first change rewrites it with what this activation knows.
                LOG.error("Cannot read the daemon journal {}: daemons started before this activation are not adopted: {}",
                        journal.file(), e.toString());
                journalDirty = true;
            }
            loaded = new ArrayList<>(registry.values());
        }
        int running = 0;
        for (Registration r : loaded) {
            DaemonRecord d = r.daemon;
            OptionalLong pid = proc.activePid(d.pidFile(), d.uuid());
            if (pid.isPresent()) {
                r.lastPid = pid.getAsLong();
                running++;
                LOG.info("Adopted {} for {}, pid {}", d.service(), d.uuid(), r.lastPid);
            } else {
                r.lastPid = ProcFs.readPid(d.pidFile()).orElse(0);
                LOG.warn("{} for {} is registered but not running (pid file {}); {}", d.service(), d.uuid(),
                        d.pidFile(), s.intervalSeconds() > 0 ? "the monitor will respawn it"
                                : "nothing respawns it: check_child_processes_interval=0");
            }
        }
        adopted.add(running);
        synchronized (monitorLock) {
            startMonitor(s.intervalSeconds());
        }
        LOG.info("Process manager active: {} daemons adopted, {} registered but not running, {}, root helper {}",
                running, loaded.size() - running, s.monitorLabel(), s.rootHelper().isEmpty() ? "none" : s.rootHelper());
    }

    /** Applies new options: the monitor interval and action, the root helper, the journal's place. */
    void reconfigure(Settings s) {
        Settings old = settings;
        if (s.equals(old)) {
            return;
        }
        settings = s;
        if (!s.statePath().equals(old.statePath())) {
            synchronized (registryLock) {
                DaemonJournal previous = journal;
                journal = new DaemonJournal(s.statePath().resolve(DaemonJournal.FILE_NAME));
                journalDirty = true;
                if (persist(null)) {
                    try {
                        Files.deleteIfExists(previous.file());
                    } catch (IOException e) {
                        LOG.warn("Cannot remove the old daemon journal {}: {}", previous.file(), e.toString());
                    }
                    LOG.info("Daemon journal moved from {} to {}", previous.file(), journal.file());
                }
            }
        }
        if (s.intervalSeconds() != old.intervalSeconds()) {
            synchronized (monitorLock) {
                stopMonitor();
                startMonitor(s.intervalSeconds());
            }
        }
        LOG.info("Process manager reconfigured: {}, root helper {}", s.monitorLabel(),
                s.rootHelper().isEmpty() ? "none" : s.rootHelper());
    }

    /** Stops the monitor thread; leaves every daemon running and recorded. Idempotent. */
    void close() {
        synchronized (monitorLock) {
            if (closed) {
                return;
            }
            closed = true;
            stopMonitor();
        }
        LOG.info("Process manager stopped (monitor only); its {} registered daemons are left as they are and"
                + " recorded in {}{} for the next activation", monitored(), journalFile(),
                journalDirty ? " (which could not be written)" : "");
    }

    private void startMonitor(int intervalSeconds) {
        if (intervalSeconds <= 0 || closed) {
            return;
        }
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, MONITOR_THREAD);
            t.setDaemon(true);
            return t;
        });
        ex.scheduleWithFixedDelay(this::checkSafely, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
        monitor = ex;
    }

    private void stopMonitor() {
        ScheduledThreadPoolExecutor ex = monitor;
        monitor = null;
        if (ex == null) {
            return;
        }
        ex.shutdownNow();
        try {
            if (!ex.awaitTermination(MONITOR_STOP_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("The process monitor thread did not stop within {} s", MONITOR_STOP_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ ProcessManager

    void enable(DaemonSpec spec, boolean reload) throws IOException {
        DaemonRecord d = DaemonRecord.of(spec);
        ReentrantLock lock = lock(d.key());
        try {
            OptionalLong active = proc.activePid(d.pidFile(), d.uuid());
            long pid;
            if (active.isPresent() && reload) {
                pid = active.getAsLong();
                if (signal(d, pid, SIGHUP)) {
                    reloads.increment();
                    LOG.info("Reloaded {} for {} (SIGHUP to pid {})", d.service(), d.uuid(), pid);
                } else {
                    pid = spawn(d);
                    LOG.info("Started {} for {} in {}, pid {} (it exited as it was to be reloaded)",
                            d.service(), d.uuid(), d.namespaceLabel(), pid);
                }
            } else if (active.isPresent()) {
                pid = active.getAsLong();
                LOG.debug("{} for {} already running, pid {}", d.service(), d.uuid(), pid);
            } else {
                pid = spawn(d);
                LOG.info("Started {} for {} in {}, pid {}", d.service(), d.uuid(), d.namespaceLabel(), pid);
            }
            register(d, pid);
            enabled.increment();
        } finally {
            lock.unlock();
        }
    }

    void disable(DaemonSpec spec) throws IOException {
        DaemonRecord d = DaemonRecord.of(spec);
        ReentrantLock lock = lock(d.key());
        try {
            unregister(d.key());
            OptionalLong active = proc.activePid(d.pidFile(), d.uuid());
            if (active.isPresent()) {
                stop(d, active.getAsLong());
            } else {
                LOG.debug("{} for {} is not running; nothing to stop", d.service(), d.uuid());
            }
            try {
                Files.deleteIfExists(d.pidFile());
            } catch (IOException e) {
                throw new IOException("Cannot remove the pid file " + d.pidFile() + " of " + d.service() + " for "
                        + d.uuid() + ": " + e, e);
            }
            disabled.increment();
        } finally {
            lock.unlock();
        }
    }

    boolean isActive(DaemonSpec spec) {
        return pid(spec).isPresent();
    }

    OptionalLong pid(DaemonSpec spec) {
        DaemonRecord d = DaemonRecord.of(spec);
        return proc.activePid(d.pidFile(), d.uuid());
    }

    // ------------------------------------------------------------------ start, signal, stop

    /** Starts the daemon (not active); @return its pid once it is active. */
    private long spawn(DaemonRecord d) throws IOException {
        long deadline = System.nanoTime() + d.startTimeout().toNanos();
        try {
            Files.deleteIfExists(d.pidFile());
            Path dir = d.pidFile().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw startFailed(d, "cannot prepare the pid file " + d.pidFile() + ": " + e);
        }
        List<String> cmd = Commands.spawn(settings.rootHelper(), d.namespace(), d.environment(), d.command());
        LOG.debug("Starting {} for {}: {}", d.service(), d.uuid(), cmd);
        Launcher.Result r;
        try {
            r = Launcher.run(cmd, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while starting " + d.service() + " for " + d.uuid());
        } catch (IOException e) {
            throw startFailed(d, "cannot run " + cmd.get(0) + ": " + e.getMessage());
        }
        String seconds = seconds(d.startTimeout());
        if (!r.exited()) {
            throw startFailed(d, "the launcher did not exit within " + seconds + " s and was killed" + stderr(r));
        }
        if (r.status() != 0) {
            throw startFailed(d, "the launcher exited with status " + r.status() + stderr(r));
        }
        OptionalLong pid = awaitActive(d, deadline);
        if (pid.isEmpty()) {
            throw startFailed(d, "no running process whose command line contains " + d.uuid() + " in pid file "
                    + d.pidFile() + " within " + seconds + " s" + stderr(r));
        }
        spawned.increment();
        return pid.getAsLong();
    }

    private IOException startFailed(DaemonRecord d, String cause) {
        spawnFailures.increment();
        return new IOException("Cannot start " + d.service() + " for " + d.uuid() + " in " + d.namespaceLabel() + ": "
                + cause);
    }

    private OptionalLong awaitActive(DaemonRecord d, long deadline) throws InterruptedIOException {
        long pause = 5;
        while (true) {
            OptionalLong pid = proc.activePid(d.pidFile(), d.uuid());
            long left = deadline - System.nanoTime();
            if (pid.isPresent() || left <= 0) {
                return pid;
            }
            pause(Math.min(pause, TimeUnit.NANOSECONDS.toMillis(left) + 1), d);
            pause = Math.min(pause * 2, MAX_POLL_MILLIS);
        }
    }

    /** @return whether {@code pid} got the signal; false if it is no longer the daemon (gone) */
    private boolean signal(DaemonRecord d, long pid, int signal) throws IOException {
        List<String> cmd = Commands.kill(settings.rootHelper(), signal, pid);
        Launcher.Result r;
        try {
            r = Launcher.run(cmd, System.nanoTime() + SIGNAL_TIMEOUT_NANOS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while signalling " + d.service() + " for " + d.uuid());
        } catch (IOException e) {
            throw new IOException("Cannot send signal " + signal + " to " + d.service() + " for " + d.uuid() + " (pid "
                    + pid + "): cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        }
        if (r.exited() && r.status() == 0) {
            return true;
        }
        if (!proc.isDaemon(pid, d.uuid())) {
            return false;
        }
        throw new IOException("Cannot send signal " + signal + " to " + d.service() + " for " + d.uuid() + " (pid "
                + pid + "): " + (r.exited() ? "kill exited with status " + r.status() : "kill did not exit in time")
                + stderr(r));
    }

    /**
     * Stops an active daemon: its stop signal, then SIGKILL after its stop timeout. "Stopped" means
     * the process that was verified active is gone (exited, a zombie, or its pid now belongs to a
     * process with another start time); SIGKILL goes only to that same process.
     */
    private void stop(DaemonRecord d, long pid) throws IOException {
        long started = proc.startTime(pid);
        int signal = d.stopSignal();
        if (started < 0 || !signal(d, pid, signal)) {
            LOG.info("Stopped {} for {}: pid {} exited by itself", d.service(), d.uuid(), pid);
            return;
        }
        if (awaitGone(d, pid, started, System.nanoTime() + d.stopTimeout().toNanos())) {
            LOG.info("Stopped {} for {} in {}, pid {} (signal {})", d.service(), d.uuid(), d.namespaceLabel(), pid, signal);
            return;
        }
        if (signal != SIGKILL) {
            LOG.warn("{} for {} (pid {}) still running {} s after signal {}; sending SIGKILL", d.service(), d.uuid(),
                    pid, seconds(d.stopTimeout()), signal);
            if (proc.startTime(pid) == started && signal(d, pid, SIGKILL)) {
                killed.increment();
            }
            if (awaitGone(d, pid, started, System.nanoTime() + KILL_GRACE_NANOS)) {
                LOG.info("Stopped {} for {} in {}, pid {} (SIGKILL)", d.service(), d.uuid(), d.namespaceLabel(), pid);
                return;
            }
        }
        throw new IOException("Cannot stop " + d.service() + " for " + d.uuid() + " in " + d.namespaceLabel() + ": pid "
                + pid + " still running after SIGKILL");
    }

    /** @return whether the process {@code pid} that started at {@code started} is gone by the deadline */
    private boolean awaitGone(DaemonRecord d, long pid, long started, long deadline) throws InterruptedIOException {
        long pause = 5;
        while (proc.startTime(pid) == started) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            pause(Math.min(pause, TimeUnit.NANOSECONDS.toMillis(left) + 1), d);
            pause = Math.min(pause * 2, MAX_POLL_MILLIS);
        }
        return true;
    }

    private static void pause(long millis, DaemonRecord d) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + d.service() + " for " + d.uuid());
        }
    }

    private static String stderr(Launcher.Result r) {
        return r.stderr().isEmpty() ? "" : ": " + r.stderr();
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0);
    }

    private ReentrantLock lock(DaemonRecord.Key key) throws InterruptedIOException {
        ReentrantLock lock = stripes[Math.floorMod(key.hashCode(), STRIPES)];
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to act on " + key);
        }
        return lock;
    }

    // ------------------------------------------------------------------ registry

    private void register(DaemonRecord d, long pid) {
        synchronized (registryLock) {
            Registration old = registry.put(d.key(), new Registration(d, pid));
            failing.remove(d.key());
            if (old == null || !old.daemon.equals(d)) {
                persist(j -> j.appendAdd(d));
            }
        }
    }

    private void unregister(DaemonRecord.Key key) {
        synchronized (registryLock) {
            Registration old = registry.remove(key);
            failing.remove(key);
            if (old != null) {
                persist(j -> j.appendRemove(key));
            }
        }
    }

    private interface JournalWrite {
        void write(DaemonJournal journal) throws IOException;
    }

    /**
     * Records a change (or, if the journal missed one, or {@code change} is null, rewrites it whole);
     * a failure is logged once and its recovery once. Caller holds {@code registryLock}.
     *
     * @return whether it was written
     */
    private boolean persist(JournalWrite change) {
        try {
            if (change == null || journalDirty) {
                journal.rewrite(daemons());
            } else {
                change.write(journal);
                if (journal.wantsCompaction(registry.size())) {
                    journal.rewrite(daemons());
                }
            }
            journalDirty = false;
            if (journalWriteFailing) {
                journalWriteFailing = false;
                LOG.info("Daemon journal {} written again", journal.file());
            }
            return true;
        } catch (IOException | RuntimeException e) {
            journalDirty = true;
            if (!journalWriteFailing) {
                journalWriteFailing = true;
                LOG.error("Cannot write the daemon journal {}: after an update or restart of l3ha, running daemons"
                        + " would not be adopted: {}", journal.file(), e.toString());
            }
            return false;
        }
    }

    private List<DaemonRecord> daemons() {
        List<DaemonRecord> list = new ArrayList<>(registry.size());
        registry.values().forEach(r -> list.add(r.daemon));
        return list;
    }

    int monitored() {
        synchronized (registryLock) {
            return registry.size();
        }
    }

    Path journalFile() {
        synchronized (registryLock) {
            return journal == null ? null : journal.file();
        }
    }

    // ------------------------------------------------------------------ monitor

    private void checkSafely() {
        try {
            checkAll();
        } catch (Throwable t) {
            LOG.error("Process monitor check failed", t);
        }
    }

    /** One pass of the monitor over a snapshot of the registered daemons. */
    void checkAll() {
        if (closed || exitRequested.get()) {
            return;
        }
        List<Registration> snapshot;
        synchronized (registryLock) {
            snapshot = new ArrayList<>(registry.values());
        }
        for (Registration r : snapshot) {
            if (closed || exitRequested.get() || Thread.currentThread().isInterrupted()) {
                return;
            }
            try {
                check(r);
            } catch (InterruptedIOException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("Checking {} failed", r.daemon.key(), e);
            }
        }
    }

    private void check(Registration r) throws InterruptedIOException {
        DaemonRecord d = r.daemon;
        OptionalLong active = proc.activePid(d.pidFile(), d.uuid());
        if (active.isPresent()) {
            r.lastPid = active.getAsLong();
            return;
        }
        ReentrantLock lock = lock(d.key());
        try {
            synchronized (registryLock) {
                if (registry.get(d.key()) != r) {
                    return; // disabled or enabled again meanwhile
                }
            }
            active = proc.activePid(d.pidFile(), d.uuid());
            if (active.isPresent()) {
                r.lastPid = active.getAsLong();
                return;
            }
            Settings s = settings;
            if (s.exitOnDeath()) {
                requestExit(r);
                return;
            }
            if (r.failedRespawns == 0) {
                LOG.error("{} for router {} is not running (last known pid {}); respawning it", d.service(), d.uuid(),
                        pidLabel(r.lastPid));
            }
            try {
                long pid = spawn(d);
                respawns.increment();
                lastRespawn = new RespawnEvent(clock.instant(), d.key(), pid);
                failing.remove(d.key());
                LOG.warn("Respawned {} for router {} in {}, pid {}{}", d.service(), d.uuid(), d.namespaceLabel(), pid,
                        r.failedRespawns == 0 ? "" : " (after " + r.failedRespawns + " failed attempts)");
                r.lastPid = pid;
                r.failedRespawns = 0;
                r.lastFailure = null;
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                r.failedRespawns++;
                r.lastFailure = e.getMessage();
                failing.put(d.key(), r);
                if (r.failedRespawns == 1) {
                    LOG.error("Respawn failed, trying again at every check ({} s): {}", s.intervalSeconds(), e.getMessage());
                } else {
                    LOG.debug("Respawn attempt {} of {} failed: {}", r.failedRespawns, d.key(), e.getMessage());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void requestExit(Registration r) {
        if (!exitRequested.compareAndSet(false, true)) {
            return;
        }
        DaemonRecord d = r.daemon;
        exitReason = d.service() + " for router " + d.uuid() + " is not running (last known pid " + pidLabel(r.lastPid)
                + ")";
        LOG.error("{}; check_child_processes_action=exit: stopping the OSGi framework", exitReason);
        try {
            exitHook.run();
        } catch (RuntimeException e) {
            LOG.error("Cannot stop the OSGi framework", e);
        }
    }

    private static String pidLabel(long pid) {
        return pid == 0 ? "unknown" : Long.toString(pid);
    }

    // ------------------------------------------------------------------ stats and health

    Map<String, Long> counters() {
        Map<String, Long> c = new TreeMap<>();
        c.put("enabled", enabled.sum());
        c.put("disabled", disabled.sum());
        c.put("reloads", reloads.sum());
        c.put("spawned", spawned.sum());
        c.put("respawns", respawns.sum());
        c.put("spawn_failures", spawnFailures.sum());
        c.put("killed", killed.sum());
        c.put("adopted", adopted.sum());
        c.put("monitored", (long) monitored());
        return c;
    }

    HealthResult health() {
        Settings s = settings;
        if (exitRequested.get()) {
            return HealthResult.critical(exitReason + "; check_child_processes_action=exit: the framework is stopping");
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
                    + respawns.sum() + " respawns since activation");
        }
        if (journalDirty) {
            return HealthResult.warn("the daemon journal is not up to date: cannot write " + journalFile()
                    + ": daemons would not be adopted after an update of l3ha");
        }
        return HealthResult.ok(monitored() + " daemons registered, " + s.monitorLabel());
    }
}
