package org.l3ha.metadata.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
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
import org.l3ha.common.RouterIds;
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
 * Also the {@link StatsProvider} and {@link HealthCheck} named {@code metadata}. This class is the DS
 * component (configuration, the process manager reference, the {@link TransitionListener} calls,
 * counters and health); {@link ProxyControl} starts and stops a router's haproxy and its
 * configuration and remembers what it started, {@link HaproxyIdentity} resolves the account haproxy
 * runs as, {@link MetadataSettings} holds the options used.
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

    static final Path NETNS_DIR = Path.of("/run/netns");
    static final String HAPROXY = "haproxy";
    private static final Logger LOG = LoggerFactory.getLogger(MetadataProxyListener.class);

    private final AtomicReference<ProcessManager> processManager = new AtomicReference<>();
    /** This listener as the {@link DaemonFactory} of its service, registered by hand (see {@link DaemonFactories}). */
    private final AtomicReference<ServiceRegistration<DaemonFactory>> factoryRegistration = new AtomicReference<>();
    private final HaproxyIdentity.Accounts accounts;
    private volatile HaproxyIdentity identity;
    private volatile MetadataSettings settings;
    private final FailingRouters failing = new FailingRouters("metadata proxy");

    private final Counters counters = new Counters();
    /** Each router's haproxy and configuration, and what was started per router. */
    private final ProxyControl control;
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
    MetadataProxyListener(AgentConfig config, String haproxy, HostIpv6 host, Path netnsDir,
            HaproxyIdentity.Accounts accounts) {
        this.control = new ProxyControl(haproxy, host, netnsDir, () -> identity, counters);
        this.accounts = accounts;
        settings = ConfigGate.atStart(LOG, "Metadata proxy listener", () -> MetadataSettings.of(config));
        identity = HaproxyIdentity.of(settings, accounts);
        LOG.info("Metadata proxy listener active: {}{}", settings, identity.label());
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
        Optional<MetadataSettings> parsed = ConfigGate.onModify(LOG, () -> MetadataSettings.of(config),
                () -> "the metadata proxy listener's previous configuration");
        if (parsed.isEmpty()) {
            return;
        }
        MetadataSettings next = parsed.get();
        MetadataSettings old = settings;
        settings = next;
        if (!next.equals(old)) {
            identity = HaproxyIdentity.of(next, accounts);
            LOG.info("Metadata proxy listener reconfigured: {}{}", next, identity.label());
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
        MetadataSettings s = settings;
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
                control.start(pm, s, id);
            } else {
                control.stop(pm, s, id);
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
        MetadataSettings s = settings;
        if (!s.enabled()) {
            control.forget(id);
            skipped.increment();
            LOG.debug("Router {}: enable_metadata_proxy=false, metadata proxy left alone on removal", id);
            return;
        }
        ProcessManager pm = processManager.get();
        if (pm == null) {
            control.forget(id);
            failures.increment();
            throw new IllegalStateException("Metadata proxy for router " + id + " not stopped on the router's removal:"
                    + " no ProcessManager service is bound (is bundle org.l3ha.process active?)");
        }
        try {
            control.stop(pm, s, id);
        } catch (IOException | RuntimeException e) {
            failures.increment();
            throw e;
        }
        removals.increment();
        LOG.debug("Router {}: metadata proxy stopped and its configuration removed (router removed)", id);
    }

    /** @return the haproxy this component enabled for the router and has not stopped since */
    @Override
    public Optional<DaemonSpec> daemon(String routerId) {
        return control.daemon(routerId);
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
        MetadataSettings s = settings;
        if (!s.enabled()) {
            return HealthResult.ok("metadata proxy disabled (enable_metadata_proxy=false)");
        }
        if (processManager.get() == null) {
            return HealthResult.critical("no ProcessManager bound: metadata proxies cannot be started or stopped");
        }
        HaproxyIdentity who = identity;
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
        return HealthResult.ok(counters.get("started") + " proxy starts, " + counters.get("stopped") + " stops");
    }
}
