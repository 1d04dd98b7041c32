package org.l3ha.process.impl;

import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;

import org.l3ha.api.DaemonFactory;
import org.l3ha.api.DaemonSpec;
import org.l3ha.api.HealthResult;
import org.l3ha.common.LogText;
import org.l3ha.common.SafeFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The façade the component uses: lifecycle, the {@code ProcessManager} operations, counters and
 * health, over the parts that do the work: {@link DaemonControl} (start, signal, stop),
 * {@link DaemonRegistry} (the monitored daemons and their journal, adoption),
 * {@link ChildProcessMonitor} (the periodic check and respawn or exit) and {@link ProcessStats}
 * (counters and health).
 *
 * <p>Locking: {@code enable} and {@code disable} run under the daemon's stripe lock
 * ({@link DaemonLocks}), as a respawn does; the registry's lock is taken after it, never the other
 * way round.
 */
final class DaemonManager {

    private static final Logger LOG = LoggerFactory.getLogger(DaemonManager.class);

    private final ProcFs proc;
    private final DaemonLocks locks = new DaemonLocks();
    private final ProcessStats stats;
    private final DaemonControl control;
    private final DaemonRegistry registry;
    private final ChildProcessMonitor monitor;
    private volatile ProcessSettings settings;

    /**
     * @param settings the options
     * @param proc where liveness is read
     * @param clock wall clock for the health verdict
     * @param exitHook run once, on the monitor thread, when a daemon died and the action is
     *        {@code exit}; must return quickly (the component's stops the framework on a thread of its own)
     */
    DaemonManager(ProcessSettings settings, ProcFs proc, Clock clock, Runnable exitHook) {
        this.settings = settings;
        this.proc = proc;
        this.stats = new ProcessStats(clock);
        this.control = new DaemonControl(proc, stats, this::settings);
        this.registry = new DaemonRegistry(proc, stats, this::settings);
        this.monitor = new ChildProcessMonitor(registry, control, locks, proc, stats, this::settings, exitHook);
    }

    private ProcessSettings settings() {
        return settings;
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Reads the journal (its entries wait for their factories, see {@link DaemonRegistry#claim}) and
     * starts the monitor.
     */
    void start() {
        ProcessSettings s = settings;
        int recorded = registry.open(s.statePath());
        monitor.start(s.intervalSeconds());
        LOG.info("Process manager active: {} recorded daemons to adopt, {}, root helper {}", recorded,
                s.monitorLabel(), s.rootHelperLabel());
        registry.services().forEach(this::claim);
    }

    /** A bundle that runs daemons of {@code service} is there: it may claim recorded ones. */
    void addFactory(String service, DaemonFactory factory) {
        registry.addFactory(service, factory);
        if (registry.isOpen()) {
            claim(service);
        }
    }

    /** That bundle is gone: its recorded daemons that are not claimed yet wait for the next one. */
    void removeFactory(String service, DaemonFactory factory) {
        registry.removeFactory(service, factory);
    }

    private void claim(String service) {
        if (!monitor.closed()) {
            registry.claim(service);
        }
    }

    /** Applies new options: the monitor interval and action, the root helper, the journal's place. */
    void reconfigure(ProcessSettings s) {
        ProcessSettings old = settings;
        if (s.equals(old)) {
            return;
        }
        settings = s;
        if (!s.statePath().equals(old.statePath())) {
            registry.moveJournal(s.statePath());
        }
        if (s.intervalSeconds() != old.intervalSeconds()) {
            monitor.restart(s.intervalSeconds());
        }
        LOG.info("Process manager reconfigured: {}, root helper {}", s.monitorLabel(), s.rootHelperLabel());
    }

    /** Stops the monitor thread; leaves every daemon running and recorded. Idempotent. */
    void close() {
        if (!monitor.close()) {
            return;
        }
        LOG.info("Process manager stopped (monitor only); its {} registered daemons are left as they are and"
                + " recorded in {}{} for the next activation", registry.monitored(), LogText.path(registry.journalFile()),
                registry.journalDirty() ? " (which could not be written)" : "");
    }

    // ------------------------------------------------------------------ ProcessManager

    void enable(DaemonSpec spec, boolean reload) throws IOException {
        DaemonRecord d = DaemonRecord.of(spec);
        ReentrantLock lock = locks.lock(d.key());
        try {
            OptionalLong active = proc.activePid(d.pidFile(), d);
            if (active.isEmpty()) {
                control.reportImpostor(d);
            }
            long pid;
            if (active.isPresent() && reload) {
                pid = active.getAsLong();
                if (control.reload(d, pid)) {
                    LOG.info("Reloaded {} for {} (SIGHUP to pid {})", d.service(), d.uuid(), pid);
                } else {
                    pid = control.spawn(d, spec);
                    LOG.info("Started {} for {} in {}, pid {} (it exited as it was to be reloaded)",
                            d.service(), d.uuid(), d.namespaceLabel(), pid);
                }
            } else if (active.isPresent()) {
                pid = active.getAsLong();
                LOG.debug("{} for {} already running, pid {}", d.service(), d.uuid(), pid);
            } else {
                pid = control.spawn(d, spec);
                LOG.info("Started {} for {} in {}, pid {}", d.service(), d.uuid(), d.namespaceLabel(), pid);
            }
            registry.register(d, spec, pid);
            stats.count(ProcessStats.ENABLED);
        } finally {
            lock.unlock();
        }
    }

    void disable(DaemonSpec spec) throws IOException {
        DaemonRecord d = DaemonRecord.of(spec);
        ReentrantLock lock = locks.lock(d.key());
        try {
            registry.unregister(d.key());
            OptionalLong active = proc.activePid(d.pidFile(), d);
            if (active.isPresent()) {
                control.stop(d, active.getAsLong());
            } else {
                control.reportImpostor(d);
                LOG.debug("{} for {} is not running; nothing to stop", d.service(), d.uuid());
            }
            try {
                SafeFiles.delete(d.pidFile());
            } catch (IOException e) {
                throw new IOException("Cannot remove the pid file " + LogText.path(d.pidFile()) + " of " + d.service()
                        + " for " + d.uuid() + ": " + LogText.escape(e.getMessage()), e);
            }
            stats.count(ProcessStats.DISABLED);
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

    // ------------------------------------------------------------------ monitor, stats and health

    /** One pass of the monitor now. */
    void checkAll() {
        monitor.checkAll();
    }

    Map<String, Long> counters() {
        return stats.counters(registry.state());
    }

    HealthResult health() {
        ProcessSettings s = settings;
        return stats.health(s, monitor.exitReason(), registry.state());
    }
}
