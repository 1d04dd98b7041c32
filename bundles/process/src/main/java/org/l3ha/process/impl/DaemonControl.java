package org.l3ha.process.impl;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.l3ha.api.DaemonSpec;
import org.l3ha.common.LogText;
import org.l3ha.common.SafeFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, reloads and stops one daemon in its network namespace
 * ({@code [root_helper] ip netns exec <ns> env K=V <cmd>}, {@code [root_helper] kill -<signal> <pid>}).
 *
 * <p><b>Identity.</b> A pid is signalled only while it is the daemon ({@link ProcFs}: executable,
 * namespace and command line), checked right before every signal.
 *
 * <p>Holds no lock: the caller holds the daemon's stripe lock ({@link DaemonLocks}).
 */
final class DaemonControl {

    static final int SIGHUP = 1;
    static final int SIGKILL = 9;

    private static final Logger LOG = LoggerFactory.getLogger(DaemonControl.class);
    private static final long KILL_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long SIGNAL_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long MAX_POLL_MILLIS = 100;

    private final ProcFs proc;
    private final ProcessStats stats;
    private final Supplier<ProcessSettings> settings;

    /**
     * @param proc where liveness and identity are read
     * @param stats where starts, failures, reloads, kills and impostors are counted
     * @param settings the current options (the root helper)
     */
    DaemonControl(ProcFs proc, ProcessStats stats, Supplier<ProcessSettings> settings) {
        this.proc = proc;
        this.stats = stats;
        this.settings = settings;
    }

    /**
     * Sends SIGHUP to the active daemon {@code pid} if it is (still) the daemon.
     *
     * @return whether it got the signal; false if it is no longer the daemon (gone)
     */
    boolean reload(DaemonRecord d, long pid) throws IOException {
        if (!signal(d, pid, SIGHUP)) {
            return false;
        }
        stats.count(ProcessStats.RELOADS);
        return true;
    }

    /**
     * Logs, at WARN, a pid file that names a live process which is not the daemon (another
     * account wrote the pid file, or the pid was recycled): that process is never signalled.
     */
    void reportImpostor(DaemonRecord d) {
        OptionalLong pid = ProcFs.readPid(d.pidFile());
        if (pid.isPresent() && proc.alive(pid.getAsLong())) {
            proc.mismatch(pid.getAsLong(), d).ifPresent(why -> {
                stats.count(ProcessStats.IMPOSTORS);
                LOG.warn("The pid file {} of {} for {} names a process that is not that daemon ({}): it is left alone",
                        LogText.path(d.pidFile()), d.service(), d.uuid(), why);
            });
        }
    }

    /** Starts the daemon (not active); @return its pid once it is active. */
    long spawn(DaemonRecord d, DaemonSpec spec) throws IOException {
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
        List<String> cmd = Commands.spawn(settings.get().rootHelper(), d.namespace(), d.environment(), d.command());
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
        stats.count(ProcessStats.SPAWNED);
        return pid.getAsLong();
    }

    private IOException startFailed(DaemonRecord d, String cause) {
        stats.count(ProcessStats.SPAWN_FAILURES);
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
    boolean signal(DaemonRecord d, long pid, int signal) throws IOException {
        if (!proc.isDaemon(pid, d)) {
            return false;
        }
        List<String> cmd = Commands.kill(settings.get().rootHelper(), signal, pid);
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
    void stop(DaemonRecord d, long pid) throws IOException {
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
                stats.count(ProcessStats.KILLED);
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
}
