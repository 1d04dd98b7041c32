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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

import org.l3ha.api.DaemonFactory;
import org.l3ha.api.DaemonSpec;
import org.l3ha.api.HealthResult;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.LogText;
import org.l3ha.common.SafeFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Neutron's ProcessManager and ProcessMonitor for many daemons: starts, reloads and stops daemons
 * in network namespaces, keeps the set of registered daemons (recorded by service and router id in
 * a {@link DaemonJournal} for adoption), and runs the monitor thread that respawns a registered
 * daemon that is no longer active, or asks for the framework to stop
 * ({@code check_child_processes_action=exit}).
 *
 * <p><b>Adoption.</b> The journal names daemons, never how to run them. At activation its entries
 * are <em>unclaimed</em> until the {@link DaemonFactory} of their service (the bundle that runs
 * them) rebuilds each spec; an entry its factory no longer runs is forgotten. An entry whose
 * factory is not bound stays recorded, so nothing is lost while that bundle is away. A component
 * that enables a daemon claims it as well.
 *
 * <p><b>Identity.</b> A pid is signalled only while it is the daemon ({@link ProcFs}: executable,
 * namespace and command line), checked right before every signal.
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
        /** What the daemon was built from: {@link DaemonSpec#prepare()} is called before each start. */
        final DaemonSpec spec;
        volatile long lastPid;
        /* written under the daemon's stripe lock */
        volatile int failedRespawns;
        volatile String lastFailure;

        Registration(DaemonRecord daemon, DaemonSpec spec, long lastPid) {
            this.daemon = daemon;
            this.spec = spec;
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
    /** Recorded daemons whose factory has not rebuilt them yet (guarded by registryLock). */
    private final Set<DaemonRecord.Key> unclaimed = new LinkedHashSet<>();
    private DaemonJournal journal;
    /** The factories of the bundles that run daemons, by service name. */
    private final Map<String, DaemonFactory> factories = new ConcurrentHashMap<>();
    /** Why another account can change the journal's directory, if it can (for health). */
    private volatile Optional<String> journalDirExposed = Optional.empty();
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
    /** Pid files found naming a live process that is not the daemon (left alone). */
    private final LongAdder impostors = new LongAdder();

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

    /**
     * Reads the journal (its entries wait for their factories, see {@link #claim}) and starts the
     * monitor.
     */
    void start() {
        Settings s = settings;
        int recorded;
        synchronized (registryLock) {
            journal = new DaemonJournal(s.statePath().resolve(DaemonJournal.FILE_NAME));
            try {
                DaemonJournal.Loaded l = journal.load();
                if (l.badLines() > 0) {
                    LOG.warn("Refused {} line(s) of the daemon journal {} (first: {}); nothing in them is used",
                            l.badLines(), journal.label(), l.firstProblem());
                }
                unclaimed.addAll(l.daemons());
                persist(null); // compact, and find out now whether it can be written
            } catch (IOException | RuntimeException e) {
                // Left as it is for the operator; the first change rewrites it with what this activation knows.
                LOG.error("Cannot read the daemon journal {}: daemons started before this activation are adopted only"
                        + " when their bundle enables them again: {}", journal.label(), LogText.escape(e.getMessage()));
                journalDirty = true;
            }
            recorded = unclaimed.size();
        }
        checkJournalDirectory(s);
        synchronized (monitorLock) {
            startMonitor(s.intervalSeconds());
        }
        LOG.info("Process manager active: {} recorded daemons to adopt, {}, root helper {}", recorded,
                s.monitorLabel(), s.rootHelper().isEmpty() ? "none" : s.rootHelper());
        factories.keySet().forEach(this::claim);
    }

    private void checkJournalDirectory(Settings s) {
        Optional<String> exposed = SafeFiles.writableByOthers(s.statePath());
        journalDirExposed = exposed;
        exposed.ifPresent(why -> LOG.warn("The daemon journal's directory can be changed by another account: {}; l3ha"
                + " reads only service names and router ids from it and never follows a link there", why));
    }

    /** A bundle that runs daemons of {@code service} is there: it may claim recorded ones. */
    void addFactory(String service, DaemonFactory factory) {
        factories.put(service, factory);
        if (journal != null) {
            claim(service);
        }
    }

    /** That bundle is gone: its recorded daemons that are not claimed yet wait for the next one. */
    void removeFactory(String service, DaemonFactory factory) {
        factories.remove(service, factory);
    }

    /**
     * Rebuilds the recorded, unclaimed daemons of {@code service} through its factory: one the
     * factory runs is registered (adopted if it runs, respawned by the monitor if not); one it
     * does not run is forgotten.
     */
    void claim(String service) {
        DaemonFactory factory = factories.get(service);
        if (factory == null || closed) {
            return;
        }
        List<DaemonRecord.Key> keys;
        synchronized (registryLock) {
            keys = unclaimed.stream().filter(k -> k.service().equals(service)).toList();
        }
        int running = 0;
        int down = 0;
        int forgotten = 0;
        for (DaemonRecord.Key key : keys) {
            Optional<DaemonSpec> spec;
            DaemonRecord d;
            try {
                spec = factory.daemon(key.uuid());
                d = spec.isPresent() ? DaemonRecord.of(spec.get()) : null;
            } catch (RuntimeException e) {
                LOG.error("The {} factory failed to rebuild {}: {}; it stays recorded", service, key,
                        LogText.escape(String.valueOf(e.getMessage())));
                continue;
            }
            if (d != null && !d.key().equals(key)) {
                LOG.error("The {} factory rebuilt {} as {}: ignored; it stays recorded", service, key, d.key());
                continue;
            }
            OptionalLong pid = d == null ? OptionalLong.empty() : proc.activePid(d.pidFile(), d);
            synchronized (registryLock) {
                if (!unclaimed.remove(key)) {
                    continue; // enabled or disabled meanwhile
                }
                if (d == null) {
                    forgotten++;
                    persist(j -> j.appendRemove(key));
                    LOG.info("{} is recorded but its bundle no longer runs it: forgotten", key);
                    continue;
                }
                if (!registry.containsKey(key)) {
                    registry.put(key, new Registration(d, spec.get(), pid.orElse(0)));
                }
            }
            if (pid.isPresent()) {
                running++;
                LOG.info("Adopted {} for {}, pid {}", d.service(), d.uuid(), pid.getAsLong());
            } else {
                down++;
                LOG.warn("{} for {} is registered but not running (pid file {}); {}", d.service(), d.uuid(),
                        LogText.path(d.pidFile()), settings.intervalSeconds() > 0 ? "the monitor will respawn it"
                                : "nothing respawns it: check_child_processes_interval=0");
            }
        }
        adopted.add(running);
        if (!keys.isEmpty()) {
            LOG.info("Recorded {} daemons: {} adopted, {} registered but not running, {} forgotten", service, running, down,
                    forgotten);
        }
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
                        SafeFiles.delete(previous.file());
                    } catch (IOException e) {
                        LOG.warn("Cannot remove the old daemon journal {}: {}", previous.label(),
                                LogText.escape(e.getMessage()));
                    }
                    LOG.info("Daemon journal moved from {} to {}", previous.label(), journal.label());
                }
            }
            checkJournalDirectory(s);
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
                + " recorded in {}{} for the next activation", monitored(), LogText.path(journalFile()),
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
            OptionalLong active = proc.activePid(d.pidFile(), d);
            if (active.isEmpty()) {
                reportImpostor(d);
            }
            long pid;
            if (active.isPresent() && reload) {
                pid = active.getAsLong();
                if (signal(d, pid, SIGHUP)) {
                    reloads.increment();
                    LOG.info("Reloaded {} for {} (SIGHUP to pid {})", d.service(), d.uuid(), pid);
                } else {
                    pid = spawn(d, spec);
                    LOG.info("Started {} for {} in {}, pid {} (it exited as it was to be reloaded)",
                            d.service(), d.uuid(), d.namespaceLabel(), pid);
                }
            } else if (active.isPresent()) {
                pid = active.getAsLong();
                LOG.debug("{} for {} already running, pid {}", d.service(), d.uuid(), pid);
            } else {
                pid = spawn(d, spec);
                LOG.info("Started {} for {} in {}, pid {}", d.service(), d.uuid(), d.namespaceLabel(), pid);
            }
            register(d, spec, pid);
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
            OptionalLong active = proc.activePid(d.pidFile(), d);
            if (active.isPresent()) {
                stop(d, active.getAsLong());
            } else {
                reportImpostor(d);
                LOG.debug("{} for {} is not running; nothing to stop", d.service(), d.uuid());
            }
            try {
                SafeFiles.delete(d.pidFile());
            } catch (IOException e) {
                throw new IOException("Cannot remove the pid file " + LogText.path(d.pidFile()) + " of " + d.service()
                        + " for " + d.uuid() + ": " + LogText.escape(e.getMessage()), e);
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
        return proc.activePid(d.pidFile(), d);
    }

    /**
     * Logs, at WARN, a pid file that names a live process which is not the daemon (another
     * account wrote the pid file, or the pid was recycled): that process is never signalled.
     */
    private void reportImpostor(DaemonRecord d) {
        OptionalLong pid = ProcFs.readPid(d.pidFile());
        if (pid.isPresent() && proc.alive(pid.getAsLong())) {
            proc.mismatch(pid.getAsLong(), d).ifPresent(why -> {
                impostors.increment();
                LOG.warn("The pid file {} of {} for {} names a process that is not that daemon ({}): it is left alone",
                        LogText.path(d.pidFile()), d.service(), d.uuid(), why);
            });
        }
    }

    // ------------------------------------------------------------------ start, signal, stop

    /** Starts the daemon (not active); @return its pid once it is active. */
    private long spawn(DaemonRecord d, DaemonSpec spec) throws IOException {
        long deadline = System.nanoTime() + d.startTimeout().toNanos();
        try {
            Path dir = d.pidFile().getParent();
            if (dir != null) {
                SafeFiles.createDirectories(dir, SafeFiles.DIR_0755);
            }
            SafeFiles.delete(d.pidFile());
        } catch (IOException e) {
            throw startFailed(d, "cannot prepare the pid file " + LogText.path(d.pidFile()) + ": "
                    + LogText.escape(e.getMessage()));
        }
        try {
            spec.prepare();
        } catch (IOException | RuntimeException e) {
            throw startFailed(d, "cannot write what it reads at start: " + LogText.escape(String.valueOf(e.getMessage())));
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
            OptionalLong named = ProcFs.readPid(d.pidFile());
            throw startFailed(d, "pid file " + LogText.path(d.pidFile()) + " named no running " + d.service() + " for "
                    + d.uuid() + " within " + seconds + " s" + (named.isPresent()
                    ? " (" + proc.mismatch(named.getAsLong(), d).orElse("pid " + named.getAsLong()) + ")" : "")
                    + stderr(r));
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
            OptionalLong pid = proc.activePid(d.pidFile(), d);
            long left = deadline - System.nanoTime();
            if (pid.isPresent() || left <= 0) {
                return pid;
            }
            pause(Math.min(pause, TimeUnit.NANOSECONDS.toMillis(left) + 1), d);
            pause = Math.min(pause * 2, MAX_POLL_MILLIS);
        }
    }

    /**
     * Sends {@code signal} to {@code pid} if it is (still) the daemon, checked right before.
     *
     * @return whether it got the signal; false if it is no longer the daemon (gone)
     */
    private boolean signal(DaemonRecord d, long pid, int signal) throws IOException {
        if (!proc.isDaemon(pid, d)) {
            return false;
        }
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
        if (!proc.isDaemon(pid, d)) {
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

    private void register(DaemonRecord d, DaemonSpec spec, long pid) {
        synchronized (registryLock) {
            Registration old = registry.put(d.key(), new Registration(d, spec, pid));
            boolean wasRecorded = unclaimed.remove(d.key()) || old != null;
            failing.remove(d.key());
            if (!wasRecorded) {
                persist(j -> j.appendAdd(d.key()));
            }
        }
    }

    private void unregister(DaemonRecord.Key key) {
        synchronized (registryLock) {
            Registration old = registry.remove(key);
            boolean wasRecorded = unclaimed.remove(key) || old != null;
            failing.remove(key);
            if (wasRecorded) {
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
                if (journal.wantsCompaction(registry.size() + unclaimed.size())) {
                    journal.rewrite(daemons());
                }
            }
            journalDirty = false;
            if (journalWriteFailing) {
                journalWriteFailing = false;
                LOG.info("Daemon journal {} written again", journal.label());
            }
            return true;
        } catch (IOException | RuntimeException e) {
            journalDirty = true;
            if (!journalWriteFailing) {
                journalWriteFailing = true;
                LOG.error("Cannot write the daemon journal {}: after an update of the process bundle, running daemons"
                        + " are adopted only when their bundle enables them again: {}", journal.label(),
                        LogText.escape(String.valueOf(e.getMessage())));
            }
            return false;
        }
    }

    /** @return every recorded daemon: the registered and the unclaimed ones */
    private List<DaemonRecord.Key> daemons() {
        List<DaemonRecord.Key> list = new ArrayList<>(registry.size() + unclaimed.size());
        list.addAll(registry.keySet());
        list.addAll(unclaimed);
        return list;
    }

    int monitored() {
        synchronized (registryLock) {
            return registry.size();
        }
    }

    /** @return recorded daemons no factory has rebuilt yet */
    int unclaimed() {
        synchronized (registryLock) {
            return unclaimed.size();
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
        OptionalLong active = proc.activePid(d.pidFile(), d);
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
            active = proc.activePid(d.pidFile(), d);
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
                OptionalLong named = ProcFs.readPid(d.pidFile());
                LOG.error("{} for router {} is not running (last known pid {}{}); respawning it", d.service(), d.uuid(),
                        pidLabel(r.lastPid), named.isPresent() && proc.alive(named.getAsLong())
                                ? "; its pid file names another process, left alone: "
                                        + proc.mismatch(named.getAsLong(), d).orElse("") : "");
            }
            try {
                long pid = spawn(d, r.spec);
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
        c.put("impostors", impostors.sum());
        c.put("monitored", (long) monitored());
        c.put("unclaimed", (long) unclaimed());
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
            return HealthResult.warn("the daemon journal is not up to date: cannot write " + LogText.path(journalFile())
                    + ": daemons would not be adopted after an update of l3ha");
        }
        Optional<String> exposed = journalDirExposed;
        if (exposed.isPresent()) {
            return HealthResult.warn("the daemon journal's directory can be changed by another account: " + exposed.get());
        }
        int waiting = unclaimed();
        return HealthResult.ok(monitored() + " daemons registered, " + s.monitorLabel()
                + (waiting == 0 ? "" : ", " + waiting + " recorded daemons wait for the bundle that runs them"));
    }
}
