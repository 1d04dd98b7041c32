package org.l3ha.metadata.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import org.l3ha.api.DaemonFactory;
import org.l3ha.api.DaemonSpec;
import org.l3ha.api.HaState;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.ProcessManager;
import org.l3ha.api.Router;
import org.l3ha.api.StatsProvider;
import org.l3ha.api.TransitionListener;
import org.l3ha.common.AgentConfig;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigGate;
import org.l3ha.common.Counters;
import org.l3ha.common.DaemonAccount;
import org.l3ha.common.DaemonFactories;
import org.l3ha.common.FailingRouters;
import org.l3ha.common.HostIpv6;
import org.l3ha.common.ConfigException;
import org.l3ha.common.Devices;
import org.l3ha.common.LogText;
import org.l3ha.common.RouterIds;
import org.l3ha.common.SafeFiles;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transition listener for the metadata proxy (Neutron's {@code _update_metadata_proxy},
 * docs/behaviour.md §4.3 and §5.2). Only when {@code enable_metadata_proxy} is true (otherwise it
 * neither starts nor stops anything):
 * <ul>
 * <li>primary, or any state of a distributed router (a DVR-HA standby still serves its local
 * ports): writes {@code <state_path>/ns-metadata-proxy/<id>.conf} ({@link HaproxyConfFile}) and has
 * the {@link ProcessManager} run {@code haproxy -f <conf>} in {@code qrouter-<id>} and monitor it;
 * if the configuration on disk differs from the new one (pid file lines aside) the running proxy
 * is stopped first and started with the new one;</li>
 * <li>otherwise (backup, fault): stops haproxy (unregistered from the monitor first; SIGTERM,
 * SIGKILL after 5 s) and deletes the configuration;</li>
 * <li>when the router leaves this node ({@link #remove}), whatever its state or kind: the same as
 * on backup.</li>
 * </ul>
 * Also the {@link StatsProvider} and {@link HealthCheck} named {@code metadata}.
 *
 * <p><b>Account.</b> haproxy, which tenants' instances talk to, drops its privileges to
 * {@code metadata_proxy_user}:{@code metadata_proxy_group} (names or ids, Neutron's options);
 * empty means the daemons' account ({@link DaemonAccount}: never root when l3ha runs as root; on a
 * Neutron node the owner of {@code state_path}, the account the metadata agent lets connect to
 * its socket). An account that does not exist makes every start fail with a clear error; an
 * explicit root is logged at WARN.
 *
 * <p><b>Files.</b> The configuration is written under a fresh random name and renamed over the old
 * one, read and removed without following links; as the {@link DaemonFactory} of service
 * {@code haproxy} this listener gives a new process manager the spec it last enabled, and every
 * start, the monitor's respawns included, writes that configuration afresh
 * ({@link HaproxyDaemon#prepare()}), so haproxy never starts from a file another account changed.
 *
 * <p><b>Hot swap.</b> The {@link ProcessManager} reference is mandatory, dynamic and greedy
 * (docs/design.md §6.6). When a new process manager is registered while the old one is still there,
 * DS binds the new one and unbinds the old one without touching this component. When the only
 * process manager goes away (the process bundle stopped or updated), DS deactivates this component:
 * its services are unregistered, so the engine stops calling it, and no metadata proxy is started
 * or stopped meanwhile. When a process manager is back, DS activates the component again and the
 * engine, seeing a newly bound listener, gives it every router's applied state. An apply or removal
 * that races with the unbind finds no manager and throws {@link IllegalStateException}, which the
 * engine logs and counts; while the component is deactivated its health check and counters are
 * not registered either.
 * haproxy processes belong to the node: deactivating this component leaves them running.
 */
@Component(name = "org.l3ha.metadata", configurationPid = AgentSettings.PID, immediate = true,
        service = {TransitionListener.class, StatsProvider.class, HealthCheck.class},
        property = {TransitionListener.ORDER + ":Integer=200", StatsProvider.NAME + "=metadata",
            HealthCheck.NAME + "=metadata"})
public final class MetadataProxyListener implements TransitionListener, StatsProvider, HealthCheck, DaemonFactory {

    /**
     * What this listener uses of the configuration.
     *
     * @param enabled {@code enable_metadata_proxy}
     * @param port {@code metadata_port}
     * @param socket {@code metadata_proxy_socket}
     * @param statePath {@code state_path}
     * @param externalPids {@code external_pids}
     * @param user {@code metadata_proxy_user}, empty for unset
     * @param group {@code metadata_proxy_group}, empty for unset
     */
    record Settings(boolean enabled, int port, Path socket, Path statePath, Path externalPids, String user,
            String group) {
        static Settings of(AgentConfig config) {
            AgentSettings a = AgentSettings.of(config);
            return new Settings(a.enableMetadataProxy(), a.metadataPort(), a.metadataProxySocket(), a.statePath(),
                    a.externalPids(), a.metadataProxyUser(), a.metadataProxyGroup());
        }

        Path confFile(String routerId) {
            return statePath.resolve(HaproxyConfFile.DIR).resolve(routerId + ".conf");
        }

        Path pidFile(String routerId) {
            return externalPids.resolve(routerId + ".pid." + HaproxyDaemon.SERVICE);
        }

        @Override
        public String toString() {
            return enabled ? "port " + port + ", backend " + socket + ", configs in " + statePath.resolve(HaproxyConfFile.DIR)
                    + ", pid files in " + externalPids : "disabled (enable_metadata_proxy=false)";
        }
    }

    /** Resolves the account haproxy runs as ({@link DaemonAccount#resolve}). */
    interface Accounts {
        DaemonAccount resolve(String user, String group, Path statePath) throws IOException;
    }

    /** haproxy's account, or why there is none. */
    record Identity(DaemonAccount account, String problem) {
    }

    static final Path NETNS_DIR = Path.of("/run/netns");
    static final String HAPROXY = "haproxy";
    private static final Logger LOG = LoggerFactory.getLogger(MetadataProxyListener.class);

    private final AtomicReference<ProcessManager> processManager = new AtomicReference<>();
    /** This listener as the {@link DaemonFactory} of its service, registered by hand (see {@link DaemonFactories}). */
    private final AtomicReference<ServiceRegistration<DaemonFactory>> factoryRegistration = new AtomicReference<>();
    private final String haproxy;
    private final HostIpv6 host;
    private final Path netnsDir;
    private final Accounts accounts;
    private volatile Identity identity;
    private volatile Settings settings;
    /** The haproxy this component enabled, per router: what it rebuilds for a new process manager. */
    private final Map<String, HaproxyDaemon> running = new ConcurrentHashMap<>();
    private final FailingRouters failing = new FailingRouters("metadata proxy");
    /** The last problem with the metadata agent's socket that was logged, or null. */
    private final AtomicReference<String> backendProblem = new AtomicReference<>();

    private final Counters counters = new Counters();
    private final LongAdder started = counters.counter("started");
    private final LongAdder stopped = counters.counter("stopped");
    private final LongAdder restarted = counters.counter("restarted_config_changed");
    private final LongAdder skipped = counters.counter("skipped_disabled");
    private final LongAdder removals = counters.counter("removals");
    private final LongAdder failures = counters.counter("failures");

    /**
     * @param config the options of PID {@code org.l3ha.agent}
     * @throws ConfigException if they are invalid (logged); DS retries when they change
     */
    @Activate
    public MetadataProxyListener(BundleContext context, AgentConfig config) {
        this(config, HAPROXY, HostIpv6.SYSTEM, NETNS_DIR,
                (user, group, statePath) -> DaemonAccount.resolve(user, group, statePath, DaemonAccount.Databases.SYSTEM));
        factoryRegistration.set(DaemonFactories.register(context, this, HaproxyDaemon.SERVICE));
    }

    /**
     * @param config the options of PID {@code org.l3ha.agent}
     * @param haproxy the haproxy program to run
     * @param host tells whether IPv6 is enabled on the host (bind {@code ::} or {@code 0.0.0.0})
     * @param netnsDir where named namespaces are ({@code /run/netns})
     * @param accounts resolves the user and group haproxy runs as
     */
    MetadataProxyListener(AgentConfig config, String haproxy, HostIpv6 host, Path netnsDir, Accounts accounts) {
        this.haproxy = haproxy;
        this.host = host;
        this.netnsDir = netnsDir;
        this.accounts = accounts;
        settings = ConfigGate.atStart(LOG, "Metadata proxy listener", () -> Settings.of(config));
        identity = identity(settings);
        LOG.info("Metadata proxy listener active: {}{}", settings, label(identity));
    }

    /** @return haproxy's account for {@code s}, resolved now, or why it cannot be */
    private Identity identity(Settings s) {
        try {
            DaemonAccount a = accounts.resolve(s.user(), s.group(), s.statePath());
            if (a.isRoot()) {
                LOG.warn("Metadata proxy: haproxy, which instances talk to, runs as root (metadata_proxy_user={});"
                        + " an empty metadata_proxy_user runs it as an unprivileged account", LogText.escape(s.user()));
            }
            return new Identity(a, null);
        } catch (IOException | RuntimeException e) {
            String problem = "cannot tell the user and group haproxy should run as: " + LogText.escape(e.getMessage());
            LOG.error("Metadata proxy listener: {}; starting a proxy will fail", problem);
            return new Identity(null, problem);
        }
    }

    /**
     * Logs once (until it changes or clears) when haproxy's account cannot connect to the metadata
     * agent's socket: haproxy would start and answer every instance 503.
     */
    private Optional<String> checkBackend(Settings s, DaemonAccount account) {
        Optional<String> problem = BackendAccess.problem(s.socket(), account, DaemonAccount.Databases.SYSTEM);
        String was = backendProblem.getAndSet(problem.orElse(null));
        if (problem.isPresent() && !problem.get().equals(was)) {
            LOG.warn("Metadata proxy: {}; instances' metadata requests will be answered 503. Let that account write"
                    + " the socket (the metadata agent's metadata_proxy_socket_mode, or its user or group) or set"
                    + " metadata_proxy_user and metadata_proxy_group", problem.get());
        } else if (problem.isEmpty() && was != null) {
            LOG.info("Metadata proxy: haproxy's account {} can connect to the metadata agent's socket {} now", account,
                    LogText.path(s.socket()));
        }
        return problem;
    }

    private static String label(Identity id) {
        return id.account() == null ? "" : ", haproxy runs as " + id.account();
    }

    /*
     * Mandatory, dynamic, greedy: a newer process manager replaces the bound one in place; while none
     * exists (its bundle is being swapped) DS keeps this component deactivated, so this listener is
     * not registered, and the engine gives it every router's applied state when it comes back.
     */
    @Reference(name = "processManager", cardinality = ReferenceCardinality.MANDATORY,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindProcessManager")
    void bindProcessManager(ProcessManager pm) {
        ProcessManager old = processManager.getAndSet(pm);
        if (old == null) {
            LOG.info("Metadata proxy listener: process manager bound");
        }
    }

    void unbindProcessManager(ProcessManager pm) {
        if (processManager.compareAndSet(pm, null)) {
            LOG.info("Metadata proxy listener: process manager unbound; proxies cannot be started or stopped"
                    + " until one is bound again (running ones keep running)");
        }
    }

    /** Applies new options; an invalid configuration is rejected and the previous one kept. */
    @Modified
    void modified(AgentConfig config) {
        Optional<Settings> parsed = ConfigGate.onModify(LOG, () -> Settings.of(config),
                () -> "the metadata proxy listener's previous configuration");
        if (parsed.isEmpty()) {
            return;
        }
        Settings next = parsed.get();
        Settings old = settings;
        settings = next;
        if (!next.equals(old)) {
            identity = identity(next);
            LOG.info("Metadata proxy listener reconfigured: {}{}", next, label(identity));
        }
    }

    /** Leaves every haproxy running (they belong to the node). Idempotent, never throws. */
    @Deactivate
    void deactivate() {
        DaemonFactories.unregister(factoryRegistration.getAndSet(null));
        LOG.info("Metadata proxy listener stopped; running haproxy processes are left as they are");
    }

    /**
     * Starts (primary, or a distributed router) or stops (otherwise) the router's haproxy.
     *
     * @throws IOException if the proxy cannot be started or stopped (namespace or binary missing,
     *         not active in 60 s, config not writable); the message names the router
     * @throws IllegalStateException if no {@link ProcessManager} is bound
     */
    @Override
    public void apply(Router router, HaState state) throws IOException {
        if (state == HaState.UNKNOWN) {
            return; // never given by the engine; nothing defined to do
        }
        Settings s = settings;
        String id = RouterIds.normalize(router.id());
        if (!s.enabled()) {
            skipped.increment();
            LOG.debug("Router {}: enable_metadata_proxy=false, metadata proxy left alone ({})", id, state.word());
            return;
        }
        boolean serve = state == HaState.PRIMARY || router.distributed();
        try {
            ProcessManager pm = processManager.get();
            if (pm == null) {
                throw new IllegalStateException("Metadata proxy for router " + id + " not " + (serve ? "started" : "stopped")
                        + ": no ProcessManager service is bound (is bundle org.l3ha.process active?)");
            }
            if (serve) {
                start(pm, s, id);
            } else {
                stop(pm, s, id, HaproxyDaemon.of(id, Devices.namespace(id), haproxy, s.confFile(id), s.pidFile(id), null));
            }
        } catch (IOException | RuntimeException e) {
            failures.increment();
            failing.failed(id, e.getMessage() == null ? e.toString() : e.getMessage());
            throw e;
        }
        failing.succeeded(id);
    }

    /**
     * The router left this node: its haproxy is stopped and its configuration deleted as on backup
     * (a distributed router's too), and the router is dropped from what this listener keeps. With
     * {@code enable_metadata_proxy=false} nothing is stopped, as for every other transition.
     *
     * @throws IOException if haproxy could not be stopped or its configuration removed (the
     *         message names the router)
     * @throws IllegalStateException if no {@link ProcessManager} is bound
     */
    @Override
    public void remove(String routerId) throws IOException {
        String id = RouterIds.normalize(routerId);
        failing.succeeded(id); // a removed router is no concern of the health check any more
        Settings s = settings;
        if (!s.enabled()) {
            running.remove(id);
            skipped.increment();
            LOG.debug("Router {}: enable_metadata_proxy=false, metadata proxy left alone on removal", id);
            return;
        }
        ProcessManager pm = processManager.get();
        if (pm == null) {
            running.remove(id);
            failures.increment();
            throw new IllegalStateException("Metadata proxy for router " + id + " not stopped on the router's removal:"
                    + " no ProcessManager service is bound (is bundle org.l3ha.process active?)");
        }
        try {
            stop(pm, s, id, HaproxyDaemon.of(id, Devices.namespace(id), haproxy, s.confFile(id), s.pidFile(id), null));
        } catch (IOException | RuntimeException e) {
            failures.increment();
            throw e;
        }
        removals.increment();
        LOG.debug("Router {}: metadata proxy stopped and its configuration removed (router removed)", id);
    }

    private void start(ProcessManager pm, Settings s, String id) throws IOException {
        String namespace = Devices.namespace(id);
        if (!Files.exists(netnsDir.resolve(namespace))) {
            throw new IOException("Metadata proxy for router " + id + " not started: namespace " + namespace
                    + " does not exist");
        }
        Identity who = identity;
        if (who.account() == null) {
            throw new IOException("Metadata proxy for router " + id + " not started: " + who.problem());
        }
        checkBackend(s, who.account());
        Path file = s.confFile(id);
        String conf = HaproxyConfFile.render(id, who.account().user(), who.account().group(), s.port(), host.enabled(),
                s.socket(), s.pidFile(id));
        HaproxyDaemon daemon = HaproxyDaemon.of(id, namespace, haproxy, file, s.pidFile(id), conf);
        Optional<String> old = read(file);
        try {
            if (old.isPresent() && !HaproxyConfFile.equivalent(old.get(), conf)) {
                LOG.info("Router {}: metadata proxy configuration {} changed; restarting haproxy", id, LogText.path(file));
                running.remove(id);
                pm.disable(daemon);
                restarted.increment();
            }
            if (old.isEmpty() || !old.get().equals(conf)) {
                daemon.prepare();
            }
            pm.enable(daemon, false);
        } catch (IOException e) {
            throw new IOException("Metadata proxy for router " + id + " not started: " + e.getMessage(), e);
        }
        running.put(id, daemon);
        started.increment();
        LOG.debug("Router {}: metadata proxy running in {} ({})", id, namespace, LogText.path(file));
    }

    private void stop(ProcessManager pm, Settings s, String id, HaproxyDaemon daemon) throws IOException {
        running.remove(id);
        try {
            pm.disable(daemon);
        } catch (IOException e) {
            throw new IOException("Metadata proxy for router " + id + " not stopped: " + e.getMessage(), e);
        }
        Path file = s.confFile(id);
        try {
            if (SafeFiles.delete(file)) {
                LOG.debug("Router {}: removed metadata proxy configuration {}", id, LogText.path(file));
            }
        } catch (IOException e) {
            throw new IOException("Metadata proxy for router " + id + " stopped, but its configuration "
                    + LogText.path(file) + " cannot be removed: " + LogText.escape(e.getMessage()), e);
        }
        stopped.increment();
    }

    /**
     * @return the configuration on disk, or empty if there is none, or it is a link or anything
     *         but a regular file l3ha may read (then it is replaced like a changed one)
     */
    private static Optional<String> read(Path file) {
        try {
            return SafeFiles.readIfExists(file, HaproxyDaemon.MAX_CONFIG_BYTES)
                    .map(b -> new String(b, StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.warn("Metadata proxy configuration {} cannot be read ({}); it is replaced", LogText.path(file),
                    LogText.escape(e.getMessage()));
            return Optional.of("");
        }
    }

    /** @return the haproxy this component enabled for the router and has not stopped since */
    @Override
    public Optional<DaemonSpec> daemon(String routerId) {
        return RouterIds.isUuid(routerId) ? Optional.ofNullable(running.get(RouterIds.normalize(routerId)))
                : Optional.empty();
    }

    /** @return started, stopped, restarted_config_changed, skipped_disabled, removals, failures, routers_failing */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> c = counters.snapshot();
        c.put("routers_failing", (long) failing.count());
        return c;
    }

    /**
     * @return OK when disabled by configuration; CRITICAL when enabled but no process manager is
     *         bound or haproxy's user cannot be found; WARN while some router's last apply failed
     *         (naming up to three); OK otherwise
     */
    @Override
    public HealthResult check() {
        Settings s = settings;
        if (!s.enabled()) {
            return HealthResult.ok("metadata proxy disabled (enable_metadata_proxy=false)");
        }
        if (processManager.get() == null) {
            return HealthResult.critical("no ProcessManager bound: metadata proxies cannot be started or stopped");
        }
        Identity who = identity;
        if (who.account() == null) {
            return HealthResult.critical(who.problem());
        }
        Optional<String> warning = failing.warning();
        if (warning.isPresent()) {
            return HealthResult.warn(warning.get());
        }
        Optional<String> backend = BackendAccess.problem(s.socket(), who.account(), DaemonAccount.Databases.SYSTEM);
        if (backend.isPresent()) {
            return HealthResult.warn(backend.get() + "; metadata requests get 503");
        }
        return HealthResult.ok(started.sum() + " proxy starts, " + stopped.sum() + " stops");
    }
}
