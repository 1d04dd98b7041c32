package org.l3ha.registry.file.impl;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.Router;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.RouterRegistry;
import org.l3ha.api.StatsProvider;
import org.l3ha.api.RouterRegistryListener;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigException;
import org.l3ha.common.ConfigGate;
import org.l3ha.common.ConfigReader;
import org.l3ha.common.LogText;
import org.l3ha.common.RouterIds;
import org.l3ha.common.SafeFiles;
import org.l3ha.common.routers.RouterParser;

/**
 * {@link RouterRegistry} backed by a directory of Neutron router documents, one JSON file per
 * router ({@code routers_dir}, default {@code $state_path/routers}). Loads every {@code *.json}
 * file at activation, then follows the directory (watch service, plus a periodic rescan as a safety
 * net) and tells {@link RouterRegistryListener}s which router ids were added, changed or removed.
 * Readers answer from an immutable snapshot that is swapped in one step.
 *
 * <p>{@code routers_dir} may belong to another account (it is under neutron's {@code state_path}
 * by default): only regular files are read, never through a link, and nothing a file contains is
 * echoed into the log (see {@link RouterFiles} and {@link RouterParser}). At activation and on
 * every configuration change the directory and those above it are checked
 * ({@link SafeFiles#writableByOthers}); if an account other than root and l3ha's own can change
 * them, one WARN line says so and the health check stays at WARN with that line: that account
 * decides which routers this agent manages. The registry keeps working. A key of the configuration
 * that no option has is named in a WARN line ({@code org.l3ha.agent}'s keys are known too: DS
 * merges that PID into this component's configuration).
 */
@Component(name = FileRouterRegistry.PID,
        configurationPid = {AgentSettings.PID, FileRouterRegistry.PID},
        service = {RouterRegistry.class, StatsProvider.class, HealthCheck.class},
        property = {StatsProvider.NAME + "=registry", HealthCheck.NAME + "=registry"}, immediate = true)
// No @Designate: bnd rejects it on a component with two configuration PIDs; the OCD's pid attribute
// makes bnd write the designation of PID org.l3ha.registry.file instead.
public final class FileRouterRegistry implements RouterRegistry, StatsProvider, HealthCheck {

    public static final String PID = "org.l3ha.registry.file";
    public static final String ROUTERS_DIR = "routers_dir";
    public static final String DEFAULT_ROUTERS_DIR = "$state_path/routers";

    /** Configuration of PID {@value FileRouterRegistry#PID}; {@code state_path} comes from {@code org.l3ha.agent}. */
    @ObjectClassDefinition(id = PID, pid = PID, name = "l3ha file router registry",
            description = "Router documents (neutron-server's router dicts), one JSON file per router")
    public @interface Config {
        @AttributeDefinition(name = ROUTERS_DIR,
                description = "Directory of router documents, one <anything>.json regular file per router; "
                        + "hidden files and other names are ignored, links and special files are never read. "
                        + "$state_path is replaced by state_path of org.l3ha.agent")
        String routers__dir() default DEFAULT_ROUTERS_DIR;
    }

    /** Every key this component reads: its own and those of {@code org.l3ha.agent} (merged by DS). */
    static final Set<String> KNOWN_KEYS = known();

    private static final Logger LOG = LoggerFactory.getLogger(FileRouterRegistry.class);
    private static final BooleanSupplier NEVER = () -> false;
    /** Most bad or incomplete file names listed in the health message. */
    private static final int MAX_NAMES_IN_HEALTH = 10;

    private final Timing timing;
    private final List<RouterRegistryListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong rescans = new AtomicLong();
    private final AtomicLong parsed = new AtomicLong();
    private final DirectoryWatcher.Callback callback = new DirectoryWatcher.Callback() {
        @Override
        public void filesChanged(DirectoryWatcher source, Set<String> names) {
            onFilesChanged(source, names);
        }

        @Override
        public void rescan(DirectoryWatcher source, String reason) {
            onRescan(source, reason);
        }
    };

    /* readers: one volatile read, never a lock */
    private volatile Snapshot snapshot;
    /* who else can change routers_dir (log-safe, from SafeFiles.writableByOthers), null if nobody */
    private volatile String writableByOthers;

    private final Object lock = new Object();
    /* guarded by lock */
    private RouterFiles files;
    private DirectoryWatcher watcher;
    private boolean closed;

    /**
     * @param props merged properties of {@code org.l3ha.agent} and {@code org.l3ha.registry.file}
     * @throws ConfigException if a value is bad (logged at ERROR, naming key and value)
     */
    @Activate
    public FileRouterRegistry(Map<String, Object> props) {
        this(props, Timing.DEFAULT);
    }

    FileRouterRegistry(Map<String, ?> props, Timing timing) {
        this.timing = timing;
        Path dir = ConfigGate.atStart(LOG, "File router registry", () -> routersDir(props));
        warnUnknownKeys(props);
        checkOwnership(dir);
        snapshot = Snapshot.empty(dir);
        DirectoryWatcher w;
        synchronized (lock) {
            load(dir);
            w = watcher;
        }
        Snapshot s = snapshot;
        LOG.info("File router registry active: routers_dir {}, {} routers loaded, {} bad files",
                LogText.path(dir), s.routers().size(), s.badFiles().size());
        w.start();
    }

    private static Set<String> known() {
        Set<String> k = new TreeSet<>(AgentSettings.KEYS);
        k.add(ROUTERS_DIR);
        return Set.copyOf(k);
    }

    private static void warnUnknownKeys(Map<String, ?> props) {
        String warning = ConfigReader.unknownKeysWarning(props, KNOWN_KEYS, PID, AgentSettings.PID, PID);
        if (warning != null) {
            LOG.warn("{}", warning);
        }
    }

    /** Checks who else can change {@code dir}; logs one WARN line if another account can. */
    private void checkOwnership(Path dir) {
        String finding = SafeFiles.writableByOthers(dir).orElse(null);
        writableByOthers = finding;
        if (finding == null) {
            return;
        }
        String self = SafeFiles.self();
        LOG.warn("routers_dir {} {} another account: {}. Whoever can write there decides which routers this agent "
                + "manages (links and special files in it are never read, but documents can be added, changed or "
                + "removed); give it and the directories above it to {}, without group or other write access",
                LogText.path(dir), finding.startsWith("cannot be checked") ? "may be writable by" : "is writable by",
                finding, "root".equals(self) ? "root" : "root or " + LogText.escape(self));
    }

    /** Parses the merged configuration. */
    static Path routersDir(Map<String, ?> props) {
        AgentSettings agent = AgentSettings.parse(props);
        ConfigReader r = new ConfigReader(PID, props);
        Path dir = r.path(ROUTERS_DIR, DEFAULT_ROUTERS_DIR, agent.statePath());
        r.done();
        return dir;
    }

    /*
     * Makes dir the current directory: opens the watch first, then scans, so that nothing written
     * in between is missed; publishes; leaves the new watcher (not started) in the field.
     * Caller holds lock.
     */
    private Reload load(Path dir) {
        DirectoryWatcher w = new DirectoryWatcher(dir, timing, callback);
        RouterFiles f = new RouterFiles(dir, parsed);
        w.open();
        f.scan(NEVER);
        rescans.incrementAndGet();
        Reload r = f.publish(snapshot, true);
        files = f;
        watcher = w;
        publish(r);
        return r;
    }

    @Modified
    void modified(Map<String, Object> props) {
        Optional<Path> parsed = ConfigGate.onModify(LOG, () -> routersDir(props), () -> "routers_dir " + LogText.path(snapshot.dir()));
        if (parsed.isEmpty()) {
            return;
        }
        Path dir = parsed.get();
        warnUnknownKeys(props);
        checkOwnership(dir);
        DirectoryWatcher old;
        synchronized (lock) {
            if (closed || dir.equals(files.dir())) {
                LOG.debug("Configuration changed, routers_dir {} unchanged", LogText.path(dir));
                return;
            }
            old = watcher;
            watcher = null;   // its callbacks are ignored from now on
        }
        // outside the lock: the old thread may be waiting for it to finish a reload
        if (old != null) {
            old.stop();
        }
        Reload r;
        DirectoryWatcher w;
        Path from;
        synchronized (lock) {
            if (closed) {
                return;
            }
            from = files.dir();
            r = load(dir);
            w = watcher;
        }
        Snapshot s = snapshot;
        LOG.info("routers_dir changed from {} to {}: {} routers loaded, {} bad files, {} router ids added, changed or removed",
                LogText.path(from), LogText.path(dir), s.routers().size(), s.badFiles().size(), r.changedIds().size());
        w.start();
        tellListeners(r.changedIds());
    }

    @Deactivate
    void deactivate() {
        DirectoryWatcher w;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            w = watcher;
            watcher = null;
        }
        try {
            if (w != null) {
                w.stop();
            }
        } catch (RuntimeException e) {
            LOG.warn("Stopping the watcher of {} failed", LogText.path(snapshot.dir()), e);
        }
        LOG.info("File router registry stopped (routers_dir {})", LogText.path(snapshot.dir()));
    }

    @Reference(name = "listener", cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addListener(RouterRegistryListener listener) {
        listeners.add(listener);
    }

    void removeListener(RouterRegistryListener listener) {
        listeners.remove(listener);
    }

    /* ---- RouterRegistry ---- */

    @Override
    public Optional<Router> find(String routerId) {
        if (!RouterIds.isUuid(routerId)) {
            return Optional.empty();
        }
        return Optional.ofNullable(snapshot.routers().get(RouterIds.normalize(routerId)));
    }

    @Override
    public Collection<Router> all() {
        return snapshot.all();
    }

    /* ---- for the shell and health ---- */

    /**
     * @return {@code routers} (loaded now), {@code bad_files} (files whose current content is bad,
     *         links and special files included), {@code incomplete_files} (documents loaded without
     *         a subnet or DNS server radvd cannot advertise), {@code duplicate_ids}, {@code reloads}
     *         (reloads that changed the registry, activation and directory switches included),
     *         {@code rescans} (full directory scans), {@code files_parsed}
     */
    @Override
    public Map<String, Long> counters() {
        Snapshot s = snapshot;
        Map<String, Long> c = new LinkedHashMap<>();
        c.put("routers", (long) s.routers().size());
        c.put("bad_files", (long) s.badFiles().size());
        c.put("incomplete_files", (long) s.incompleteFiles().size());
        c.put("duplicate_ids", (long) s.duplicates());
        c.put("reloads", reloads.get());
        c.put("rescans", rescans.get());
        c.put("files_parsed", parsed.get());
        return Collections.unmodifiableMap(c);
    }

    /**
     * CRITICAL if routers_dir does not exist or cannot be opened (for example a link another
     * account owns); WARN if another account can change it, or some documents are bad or were
     * loaded without a subnet; else OK. File names are escaped.
     */
    @Override
    public HealthResult check() {
        Snapshot s = snapshot;
        String dir = LogText.path(s.dir());
        try (SecureDirectoryStream<Path> d = SafeFiles.openDirectory(s.dir())) {
            // it can be listed
        } catch (NoSuchFileException | NotDirectoryException e) {
            return HealthResult.critical("routers_dir " + dir + " does not exist: no router is managed");
        } catch (IOException e) {
            return HealthResult.critical("routers_dir " + dir + " cannot be read (" + Reasons.reason(e)
                    + "): no router is managed from it");
        }
        StringBuilder m = new StringBuilder().append(s.routers().size()).append(" routers from ").append(dir);
        String others = writableByOthers;
        if (others != null) {
            m.append("; ").append(others).append(": another account decides which routers are managed");
        }
        if (!s.badFiles().isEmpty()) {
            m.append("; ").append(s.badFiles().size()).append(" bad documents skipped: ").append(names(s.badFiles()));
        }
        if (!s.incompleteFiles().isEmpty()) {
            m.append("; ").append(s.incompleteFiles().size())
                    .append(" documents loaded without subnets radvd cannot advertise: ").append(names(s.incompleteFiles()));
        }
        if (others != null || !s.badFiles().isEmpty() || !s.incompleteFiles().isEmpty()) {
            return HealthResult.warn(m.toString());
        }
        return HealthResult.ok(m.toString());
    }

    private static String names(Map<String, String> files) {
        StringBuilder b = new StringBuilder();
        int n = 0;
        for (String name : files.keySet()) {   // sorted
            if (n == MAX_NAMES_IN_HEALTH) {
                return b.append(", ... (").append(files.size() - n).append(" more)").toString();
            }
            b.append(n++ == 0 ? "" : ", ").append(LogText.escape(name));
        }
        return b.toString();
    }

    /**
     * @return file name (raw: escape it for a log line) to the reason its current content is bad
     *         (its last good version, if any, stays in effect)
     */
    public Map<String, String> badFiles() {
        return snapshot.badFiles();
    }

    /** @return file name (raw) to what its router was loaded without */
    public Map<String, String> incompleteFiles() {
        return snapshot.incompleteFiles();
    }

    /** @return the routers directory in use */
    public Path routersDirectory() {
        return snapshot.dir();
    }

    /* ---- reloads, on the watcher thread ---- */

    private void onFilesChanged(DirectoryWatcher source, Set<String> names) {
        Reload r;
        synchronized (lock) {
            if (source != watcher) {
                return;
            }
            files.refresh(names, source::isStopped);
            if (source.isStopped()) {
                return;
            }
            r = files.publish(snapshot, false);
            publish(r);
        }
        summarize(r, names.size() + " changed files");
        tellListeners(r.changedIds());
    }

    private void onRescan(DirectoryWatcher source, String reason) {
        Reload r;
        synchronized (lock) {
            if (source != watcher) {
                return;
            }
            files.scan(source::isStopped);
            if (source.isStopped()) {
                return;
            }
            rescans.incrementAndGet();
            r = files.publish(snapshot, false);
            publish(r);
        }
        summarize(r, reason);
        tellListeners(r.changedIds());
    }

    /* caller holds lock */
    private void publish(Reload r) {
        snapshot = r.snapshot();
        if (!r.changedIds().isEmpty()) {
            reloads.incrementAndGet();
        }
    }

    private void summarize(Reload r, String reason) {
        Snapshot s = r.snapshot();
        if (r.anything()) {
            LOG.info("Reloaded routers_dir {} ({}): {} added, {} changed, {} removed; {} routers, {} bad files",
                    LogText.path(s.dir()), reason, r.added(), r.changed(), r.removed(), s.routers().size(),
                    s.badFiles().size());
        } else {
            LOG.debug("Reloaded routers_dir {} ({}): no change", LogText.path(s.dir()), reason);
        }
    }

    private void tellListeners(Set<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        for (RouterRegistryListener l : listeners) {   // iterates a snapshot of the list
            try {
                l.routersChanged(ids);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("Router registry listener {} failed on {} changed routers", l, ids.size(), e);
            }
        }
    }
}
