package org.l3ha.registry.file.impl;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

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
 * router ({@code routers_dir}, default {@code $state_path/routers}): the DS component, its
 * configuration and its services. Loads every {@code *.json} file at activation, then follows the
 * directory (watch service, plus a periodic rescan as a safety net) and tells
 * {@link RouterRegistryListener}s which router ids were added, changed or removed
 * ({@link DirectoryReloader}). Readers answer from an immutable snapshot that is swapped in one
 * step.
 *
 * <p>{@code routers_dir} may belong to another account (it is under neutron's {@code state_path}
 * by default): only regular files are read, never through a link, and nothing a file contains is
 * echoed into the log (see {@link RouterFiles} and {@link RouterParser}). At activation and on
 * every configuration change the directory and those above it are checked
 * ({@link SafeFiles#writableByOthers}, {@link RegistryHealth}); if an account other than root and
 * l3ha's own can change them, one WARN line says so and the health check stays at WARN with that
 * line: that account decides which routers this agent manages. The registry keeps working. A key
 * of the configuration that no option has is named in a WARN line ({@code org.l3ha.agent}'s keys
 * are known too: DS merges that PID into this component's configuration).
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

    private final RegistryListeners listeners = new RegistryListeners();
    private final RegistryHealth health = new RegistryHealth();
    private final DirectoryReloader reloader;

    /**
     * @param props merged properties of {@code org.l3ha.agent} and {@code org.l3ha.registry.file}
     * @throws ConfigException if a value is bad (logged at ERROR, naming key and value)
     */
    @Activate
    public FileRouterRegistry(Map<String, Object> props) {
        this(props, Timing.DEFAULT);
    }

    FileRouterRegistry(Map<String, ?> props, Timing timing) {
        this.reloader = new DirectoryReloader(timing, listeners);
        Path dir = ConfigGate.atStart(LOG, "File router registry", () -> routersDir(props));
        warnUnknownKeys(props);
        health.checkOwnership(dir);
        DirectoryWatcher w = reloader.activate(dir);
        Snapshot s = reloader.snapshot();
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

    /** Parses the merged configuration. */
    static Path routersDir(Map<String, ?> props) {
        AgentSettings agent = AgentSettings.parse(props);
        ConfigReader r = new ConfigReader(PID, props);
        Path dir = r.path(ROUTERS_DIR, DEFAULT_ROUTERS_DIR, agent.statePath());
        r.done();
        return dir;
    }

    @Modified
    void modified(Map<String, Object> props) {
        Optional<Path> parsed = ConfigGate.onModify(LOG, () -> routersDir(props),
                () -> "routers_dir " + LogText.path(reloader.snapshot().dir()));
        if (parsed.isEmpty()) {
            return;
        }
        Path dir = parsed.get();
        warnUnknownKeys(props);
        health.checkOwnership(dir);
        reloader.switchTo(dir);
    }

    @Deactivate
    void deactivate() {
        if (reloader.close()) {
            LOG.info("File router registry stopped (routers_dir {})", LogText.path(reloader.snapshot().dir()));
        }
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
        return Optional.ofNullable(reloader.snapshot().routers().get(RouterIds.normalize(routerId)));
    }

    @Override
    public Collection<Router> all() {
        return reloader.snapshot().all();
    }

    /* ---- for the shell and health ---- */

    /** @return the counters of {@link DirectoryReloader#counters()} */
    @Override
    public Map<String, Long> counters() {
        return reloader.counters();
    }

    /** @return {@link RegistryHealth#check} of the snapshot published now */
    @Override
    public HealthResult check() {
        return health.check(reloader.snapshot());
    }

    /**
     * @return file name (raw: escape it for a log line) to the reason its current content is bad
     *         (its last good version, if any, stays in effect)
     */
    public Map<String, String> badFiles() {
        return reloader.snapshot().badFiles();
    }

    /** @return file name (raw) to what its router was loaded without */
    public Map<String, String> incompleteFiles() {
        return reloader.snapshot().incompleteFiles();
    }

    /** @return the routers directory in use */
    public Path routersDirectory() {
        return reloader.snapshot().dir();
    }
}
