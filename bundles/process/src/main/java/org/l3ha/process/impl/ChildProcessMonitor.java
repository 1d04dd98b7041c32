package org.l3ha.process.impl;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Neutron's ProcessMonitor: a thread that checks the registered daemons every
 * {@code check_child_processes_interval} seconds and respawns one that is no longer active, or,
 * with {@code check_child_processes_action=exit}, asks for the framework to stop (once).
 *
 * <p>Locking: a respawn takes the daemon's stripe lock ({@link DaemonLocks}) and re-checks under
 * it that the registration it saw in its snapshot is still the registered one (the registry's lock
 * is taken after the stripe lock, never the other way round), so a daemon disabled (unregistered,
 * then stopped) while the monitor runs is never brought back.
 */
final class ChildProcessMonitor {

    static final String MONITOR_THREAD = "l3ha-process-monitor";

    private static final Logger LOG = LoggerFactory.getLogger(ChildProcessMonitor.class);
    private static final long MONITOR_STOP_SECONDS = 10;

    private final DaemonRegistry registry;
    private final DaemonControl control;
    private final DaemonLocks locks;
    private final ProcFs proc;
    private final ProcessStats stats;
    private final Supplier<ProcessSettings> settings;
    private final Runnable exitHook;

    private final AtomicBoolean exitRequested = new AtomicBoolean();
    private volatile String exitReason = "";
    private volatile boolean closed;

    private final Object monitorLock = new Object();
    /* guarded by monitorLock */
    private ScheduledThreadPoolExecutor monitor;

    /**
     * @param settings the current options (the action, the interval for a log line)
     * @param exitHook run once, on the monitor thread, when a daemon died and the action is
     *        {@code exit}; must return quickly (the component's stops the framework on a thread of its own)
     */
    ChildProcessMonitor(DaemonRegistry registry, DaemonControl control, DaemonLocks locks, ProcFs proc,
            ProcessStats stats, Supplier<ProcessSettings> settings, Runnable exitHook) {
        this.registry = registry;
        this.control = control;
        this.locks = locks;
        this.proc = proc;
        this.stats = stats;
        this.settings = settings;
        this.exitHook = exitHook;
    }

    /** Starts the thread, unless {@code intervalSeconds} is 0 or the monitor is closed. */
    void start(int intervalSeconds) {
        synchronized (monitorLock) {
            startMonitor(intervalSeconds);
        }
    }

    /** Stops the thread and starts it again with {@code intervalSeconds}. */
    void restart(int intervalSeconds) {
        synchronized (monitorLock) {
            stopMonitor();
            startMonitor(intervalSeconds);
        }
    }

    /**
     * Stops the thread for good. Idempotent.
     *
     * @return whether this call closed it
     */
    boolean close() {
        synchronized (monitorLock) {
            if (closed) {
                return false;
            }
            closed = true;
            stopMonitor();
            return true;
        }
    }

    boolean closed() {
        return closed;
    }

    /** @return why the exit action fired, if it did */
    Optional<String> exitReason() {
        return exitRequested.get() ? Optional.of(exitReason) : Optional.empty();
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
        List<DaemonRegistry.Registration> snapshot = registry.snapshot();
        for (DaemonRegistry.Registration r : snapshot) {
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

    /** Checks one registration of a snapshot: respawns it (or fires the exit action) if it is down. */
    void check(DaemonRegistry.Registration r) throws InterruptedIOException {
        DaemonRecord d = r.daemon;
        OptionalLong active = proc.activePid(d.pidFile(), d);
        if (active.isPresent()) {
            r.lastPid = active.getAsLong();
            return;
        }
        ReentrantLock lock = locks.lock(d.key());
        try {
            if (!registry.isRegistered(r)) {
                return; // disabled or enabled again meanwhile
            }
            active = proc.activePid(d.pidFile(), d);
            if (active.isPresent()) {
                r.lastPid = active.getAsLong();
                return;
            }
            ProcessSettings s = settings.get();
            if (s.exitOnDeath()) {
                requestExit(r);
                return;
            }
            respawn(r, s);
        } finally {
            lock.unlock();
        }
    }

    /** Caller holds the daemon's stripe lock. */
    private void respawn(DaemonRegistry.Registration r, ProcessSettings s) throws InterruptedIOException {
        DaemonRecord d = r.daemon;
        if (r.failedRespawns == 0) {
            OptionalLong named = ProcFs.readPid(d.pidFile());
            LOG.error("{} for router {} is not running (last known pid {}{}); respawning it", d.service(), d.uuid(),
                    pidLabel(r.lastPid), named.isPresent() && proc.alive(named.getAsLong())
                            ? "; its pid file names another process, left alone: "
                                    + proc.mismatch(named.getAsLong(), d).orElse("") : "");
        }
        try {
            long pid = control.spawn(d, r.spec);
            stats.respawned(r, pid);
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
            stats.respawnFailed(r);
            if (r.failedRespawns == 1) {
                LOG.error("Respawn failed, trying again at every check ({} s): {}", s.intervalSeconds(), e.getMessage());
            } else {
                LOG.debug("Respawn attempt {} of {} failed: {}", r.failedRespawns, d.key(), e.getMessage());
            }
        }
    }

    private void requestExit(DaemonRegistry.Registration r) {
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
}
