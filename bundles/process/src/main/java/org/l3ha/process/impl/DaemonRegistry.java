package org.l3ha.process.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.l3ha.api.DaemonFactory;
import org.l3ha.api.DaemonSpec;
import org.l3ha.common.LogText;
import org.l3ha.common.SafeFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemons the process manager monitors, by (service, uuid), and their record on disk, the
 * {@link DaemonJournal}, from which the next activation adopts them.
 *
 * <p><b>Adoption.</b> The journal names daemons, never how to run them. When it is read its entries
 * are <em>unclaimed</em> until the {@link DaemonFactory} of their service (the bundle that runs
 * them) rebuilds each spec; an entry its factory no longer runs is forgotten. An entry whose
 * factory is not bound stays recorded, so nothing is lost while that bundle is away. A component
 * that enables a daemon claims it as well.
 *
 * <p>Locking: the registry and its journal are guarded by {@code registryLock}, taken after a
 * daemon's stripe lock ({@link DaemonLocks}) and never the other way round: nothing here takes a
 * stripe lock, and {@code registryLock} is held only over the maps and the journal's writes.
 */
final class DaemonRegistry {

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

    private interface JournalWrite {
        void write(DaemonJournal journal) throws IOException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(DaemonRegistry.class);

    private final ProcFs proc;
    private final ProcessStats stats;
    private final Supplier<ProcessSettings> settings;

    private final Object registryLock = new Object();
    /* guarded by registryLock */
    private final Map<DaemonRecord.Key, Registration> registry = new HashMap<>();
    /** Recorded daemons whose factory has not rebuilt them yet (guarded by registryLock). */
    private final Set<DaemonRecord.Key> unclaimed = new LinkedHashSet<>();
    private DaemonJournal journal;
    /** The factories of the bundles that run daemons, by service name. */
    private final Map<String, DaemonFactory> factories = new ConcurrentHashMap<>();
    /** The journal missed a change (or could not be read): the next write rewrites it whole. */
    private volatile boolean journalDirty;
    /** The last write failed (logged once). */
    private boolean journalWriteFailing;

    /**
     * @param proc where liveness is read (an adopted daemon's pid)
     * @param stats where adoptions are counted and the journal's directory reported
     * @param settings the current options
     */
    DaemonRegistry(ProcFs proc, ProcessStats stats, Supplier<ProcessSettings> settings) {
        this.proc = proc;
        this.stats = stats;
        this.settings = settings;
    }

    /**
     * Reads the journal in {@code statePath}: its entries wait for their factories (see {@link #claim}).
     *
     * @return how many daemons it records
     */
    int open(Path statePath) {
        int recorded;
        synchronized (registryLock) {
            journal = new DaemonJournal(statePath.resolve(DaemonJournal.FILE_NAME));
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
        checkJournalDirectory(statePath);
        return recorded;
    }

    /** @return whether {@link #open} was called */
    boolean isOpen() {
        synchronized (registryLock) {
            return journal != null;
        }
    }

    /** Writes the journal in {@code statePath} and removes the previous one once that worked. */
    void moveJournal(Path statePath) {
        synchronized (registryLock) {
            DaemonJournal previous = journal;
            journal = new DaemonJournal(statePath.resolve(DaemonJournal.FILE_NAME));
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
        checkJournalDirectory(statePath);
    }

    private void checkJournalDirectory(Path statePath) {
        Optional<String> exposed = SafeFiles.writableByOthers(statePath);
        stats.journalDirectory(exposed);
        exposed.ifPresent(why -> LOG.warn("The daemon journal's directory can be changed by another account: {}; l3ha"
                + " reads only service names and router ids from it and never follows a link there", why));
    }

    /** A bundle that runs daemons of {@code service} is there. */
    void addFactory(String service, DaemonFactory factory) {
        factories.put(service, factory);
    }

    /** That bundle is gone: its recorded daemons that are not claimed yet wait for the next one. */
    void removeFactory(String service, DaemonFactory factory) {
        factories.remove(service, factory);
    }

    /** @return the services whose factory is bound */
    Set<String> services() {
        return factories.keySet();
    }

    /**
     * Rebuilds the recorded, unclaimed daemons of {@code service} through its factory: one the
     * factory runs is registered (adopted if it runs, respawned by the monitor if not); one it
     * does not run is forgotten.
     */
    void claim(String service) {
        DaemonFactory factory = factories.get(service);
        if (factory == null) {
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
                        LogText.path(d.pidFile()), settings.get().intervalSeconds() > 0 ? "the monitor will respawn it"
                                : "nothing respawns it: check_child_processes_interval=0");
            }
        }
        stats.add(ProcessStats.ADOPTED, running);
        if (!keys.isEmpty()) {
            LOG.info("Recorded {} daemons: {} adopted, {} registered but not running, {} forgotten", service, running, down,
                    forgotten);
        }
    }

    /** Registers {@code d} (replacing a registration of the same daemon) and records it. */
    void register(DaemonRecord d, DaemonSpec spec, long pid) {
        synchronized (registryLock) {
            Registration old = registry.put(d.key(), new Registration(d, spec, pid));
            boolean wasRecorded = unclaimed.remove(d.key()) || old != null;
            stats.forget(d.key());
            if (!wasRecorded) {
                persist(j -> j.appendAdd(d.key()));
            }
        }
    }

    /** Unregisters {@code key} (registered or unclaimed) and records that. */
    void unregister(DaemonRecord.Key key) {
        synchronized (registryLock) {
            Registration old = registry.remove(key);
            boolean wasRecorded = unclaimed.remove(key) || old != null;
            stats.forget(key);
            if (wasRecorded) {
                persist(j -> j.appendRemove(key));
            }
        }
    }

    /** @return the registrations now */
    List<Registration> snapshot() {
        synchronized (registryLock) {
            return new ArrayList<>(registry.values());
        }
    }

    /** @return whether {@code r} is still the registration of its daemon (not disabled, not enabled again) */
    boolean isRegistered(Registration r) {
        synchronized (registryLock) {
            return registry.get(r.daemon.key()) == r;
        }
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

    /** @return whether the journal missed a change (the next write rewrites it whole) */
    boolean journalDirty() {
        return journalDirty;
    }

    /** @return what the health verdict and the counters need */
    ProcessStats.RegistryState state() {
        synchronized (registryLock) {
            return new ProcessStats.RegistryState(registry.size(), unclaimed.size(), journalDirty,
                    journal == null ? null : journal.file());
        }
    }
}
