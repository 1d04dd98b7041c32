package org.l3ha.radvd.impl;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * The radvd step of an applied transition (docs/behaviour.md §4.4): radvd in the router's namespace on the primary
 * only. Also the {@link StatsProvider} and {@link HealthCheck} named {@code radvd}. This class is the DS
 * component (configuration, the process manager reference, the {@link TransitionListener} calls, counters and
 * health); {@link RadvdControl} enables and disables a router's radvd and its files and remembers what it
 * enabled, {@link RadvdUser} resolves the account radvd runs as.
 *
 * <p><b>Primary.</b> If keepalived is not running for the router, radvd is disabled (Neutron starts
 * radvd only while keepalived runs; docs/behaviour.md §4.4, §10 case 47). l3ha can only see
 * keepalived through its pid file {@code <ha_confs_path>/<id>.pid.keepalived}: if that file
 * exists, keepalived is running when the pid in it is alive and its command line contains the
 * router id (the {@link ProcessManager}'s rule); if there is no such file, keepalived is taken to be running, because it may be managed
 * where l3ha cannot see it (another agent, another container), and radvd must not be withheld then.
 * Otherwise, if some internal port has an IPv6 subnet, {@code <ra_confs>/<id>.radvd.conf} is
 * written (atomically, mode 0444, {@link RadvdConfFile}) and radvd enabled through the
 * {@link ProcessManager}: started if not running, sent SIGHUP only if the configuration changed,
 * left alone otherwise, and monitored. Without an IPv6 subnet radvd is disabled.
 *
 * <p><b>Account.</b> radvd drops its privileges to {@code radvd_user}; empty means the daemons'
 * account ({@link DaemonAccount}: never root when l3ha runs as root), {@code root} keeps it root
 * (logged at WARN). A user that does not exist is a clear error at every primary apply.
 *
 * <p><b>Respawns.</b> As the {@link DaemonFactory} of service {@code radvd}, it tells a new
 * process manager which radvd it runs for a router (the spec it last enabled, configuration
 * included), and every start writes that configuration afresh ({@link RadvdDaemon#prepare()}).
 *
 * <p><b>Backup, fault.</b> radvd is disabled: unregistered from the monitor, {@code kill -9}, pid
 * file removed; then {@code <ra_confs>/<id>.*} is removed (Neutron bug #1440699).
 *
 * <p><b>Removal</b> (the router left this node, {@link #remove}): radvd is disabled and its files
 * removed exactly as on backup, and the router is dropped from what this listener keeps (the
 * daemon a new process manager would rebuild, the health check's failing routers).
 *
 * <p><b>Failures</b> (radvd or the namespace missing, a file that cannot be written, no process
 * manager) are thrown with the router id in the message; the engine logs and counts them and goes
 * on with the other listeners and the report. The health check is WARN while the last apply for
 * some router failed.
 *
 * <p><b>Hot swap.</b> The {@link ProcessManager} reference is mandatory, dynamic and greedy. When
 * the process bundle is replaced and a new manager is registered while the old one is still there,
 * DS binds the new one and unbinds the old one without touching this component. When the only
 * manager goes away, DS deactivates this component (a mandatory reference is unsatisfied), so the
 * engine stops calling it; when a manager is back, DS activates it again and the engine, seeing a
 * newly bound listener, applies every router's state to it. radvd daemons keep running
 * throughout: they belong to the node. An apply that races with the unbind finds no manager and
 * throws {@link IllegalStateException}.
 */
@Component(name = "org.l3ha.radvd", configurationPid = AgentSettings.PID, immediate = true,
        service = {TransitionListener.class, StatsProvider.class, HealthCheck.class},
        property = {TransitionListener.ORDER + ":Integer=300", StatsProvider.NAME + "=radvd",
            HealthCheck.NAME + "=radvd"})
public final class RadvdListener implements TransitionListener, StatsProvider, HealthCheck, DaemonFactory {

    static final String RADVD_BINARY = "radvd";
    private static final Logger LOG = LoggerFactory.getLogger(RadvdListener.class);

    private final AtomicReference<ProcessManager> processManager = new AtomicReference<>();
    /** This listener as the {@link DaemonFactory} of its service, registered by hand (see {@link DaemonFactories}). */
    private final AtomicReference<ServiceRegistration<DaemonFactory>> factoryRegistration = new AtomicReference<>();
    private final DaemonAccount.Databases accounts;
    private volatile RadvdSettings settings;
    private volatile RadvdUser user;
    /** Each router's radvd and files, and what was enabled per router. */
    private final RadvdControl control;
    private final FailingRouters failures = new FailingRouters("radvd");
    private final AtomicBoolean deactivated = new AtomicBoolean();

    private final Counters counters = new Counters();
    private final LongAdder appliedPrimary = counters.counter("applied_primary");
    private final LongAdder appliedStandby = counters.counter("applied_standby");
    private final LongAdder removals = counters.counter("removals");
    private final LongAdder failed = counters.counter("failures");

    /**
     * @param config the options of PID {@code org.l3ha.agent}
     * @throws ConfigException if they are invalid (logged); DS tries again when they change
     */
    @Activate
    public RadvdListener(BundleContext context, AgentConfig config) {
        this(config, RADVD_BINARY, DaemonAccount.Databases.SYSTEM);
        factoryRegistration.set(DaemonFactories.register(context, this, RadvdDaemon.RADVD));
    }

    /**
     * @param config the options of PID {@code org.l3ha.agent}
     * @param radvdBinary the radvd program to run ({@code radvd}; tests name a missing one)
     * @param accounts where user names and this process's identity come from
     */
    RadvdListener(AgentConfig config, String radvdBinary, DaemonAccount.Databases accounts) {
        RadvdSettings s = ConfigGate.atStart(LOG, "radvd listener", () -> RadvdSettings.of(AgentSettings.of(config)));
        this.accounts = accounts;
        this.control = new RadvdControl(radvdBinary, () -> user, counters);
        this.settings = s;
        this.user = RadvdUser.of(s, accounts);
        control.scanOtherFiles(s.raConfs());
        LOG.info("radvd listener active: {}, radvd runs as {}", s, user.label());
    }

    /** Applies new options; an invalid configuration is rejected and the previous one kept. */
    @Modified
    void modified(AgentConfig config) {
        Optional<RadvdSettings> parsed = ConfigGate.onModify(LOG, () -> RadvdSettings.of(AgentSettings.of(config)),
                () -> "the radvd listener's previous configuration");
        if (parsed.isEmpty()) {
            return;
        }
        RadvdSettings s = parsed.get();
        RadvdSettings old = settings;
        if (s.equals(old)) {
            return;
        }
        settings = s;
        user = RadvdUser.of(s, accounts);
        if (!s.raConfs().equals(old.raConfs())) {
            control.scanOtherFiles(s.raConfs());
        }
        if (!s.raConfs().equals(old.raConfs()) || !s.externalPids().equals(old.externalPids())) {
            LOG.warn("ra_confs or external_pids changed: radvd daemons started with the old paths ({}, {}) are"
                    + " not recognised under the new ones; stop them (backup) before moving these paths",
                    old.raConfs(), old.externalPids());
        }
        LOG.info("radvd listener reconfigured: {}, radvd runs as {}; used from the next transition on", s,
                user.label());
    }

    /** Nothing to release: radvd daemons keep running (they belong to the node). Idempotent, never throws. */
    @Deactivate
    void deactivate() {
        DaemonFactories.unregister(factoryRegistration.getAndSet(null));
        if (deactivated.compareAndSet(false, true)) {
            LOG.info("radvd listener stopped; running radvd daemons are left as they are");
        }
    }

    @Reference(cardinality = ReferenceCardinality.MANDATORY, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindProcessManager(ProcessManager pm) {
        processManager.set(pm);
        LOG.info("radvd listener uses process manager {}", pm);
    }

    void unbindProcessManager(ProcessManager pm) {
        if (processManager.compareAndSet(pm, null)) {
            LOG.info("radvd listener has no process manager");
        }
    }

    // ------------------------------------------------------------------ TransitionListener

    @Override
    public void apply(Router router, HaState state) throws Exception {
        String id = RouterIds.normalize(router.id());
        RadvdSettings s = settings;
        try {
            ProcessManager pm = processManager.get();
            if (pm == null) {
                throw new IllegalStateException("radvd for router " + id + ": no ProcessManager service is bound"
                        + " (is bundle org.l3ha.process active?); " + state.word() + " not applied");
            }
            switch (state) {
                case PRIMARY -> {
                    appliedPrimary.increment();
                    control.primary(pm, s, router, id);
                }
                case BACKUP, FAULT -> {
                    appliedStandby.increment();
                    control.disable(pm, s, id, state.word());
                }
                default -> {
                    LOG.debug("radvd for router {}: nothing to do for state {}", id, state.word());
                    return;
                }
            }
            if (failures.succeeded(id)) {
                LOG.info("radvd for router {} applied ({}) after an earlier failure", id, state.word());
            }
        } catch (Exception e) {
            failed.increment();
            failures.failed(id, state.word() + ": " + oneLine(e));
            LOG.debug("radvd for router {} failed ({}): {}", id, state.word(), e.toString());
            throw e;
        }
    }

    /**
     * The router left this node: radvd is stopped and its files removed as on backup (unregistered
     * from the monitor, {@code kill -9}, pid file removed, {@code <ra_confs>/<id>.radvd.conf} and
     * the router's other files there removed).
     *
     * @throws Exception if radvd could not be stopped or its files removed (the message names the
     *         router), or no process manager is bound
     */
    @Override
    public void remove(String routerId) throws Exception {
        String id = RouterIds.normalize(routerId);
        // nothing of the router is kept: no daemon to rebuild for a new process manager, no health entry
        failures.succeeded(id);
        control.dropPendingReload(id);
        ProcessManager pm = processManager.get();
        if (pm == null) {
            control.forget(id);
            failed.increment();
            throw new IllegalStateException("radvd for router " + id + ": no ProcessManager service is bound (is bundle"
                    + " org.l3ha.process active?); not stopped on the router's removal");
        }
        try {
            control.disable(pm, settings, id, "router removed");
        } catch (Exception e) {
            failed.increment();
            throw e;
        }
        removals.increment();
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return m.replaceAll("\\s*\\R\\s*", " | ");
    }

    // ------------------------------------------------------------------ DaemonFactory

    /** @return the radvd this component enabled for the router and has not disabled since */
    @Override
    public Optional<DaemonSpec> daemon(String routerId) {
        return control.daemon(routerId);
    }

    // ------------------------------------------------------------------ stats and health

    /**
     * @return applied_primary, applied_standby (backup or fault), enables (radvd made sure to run),
     *         reload_requests (enables with a changed configuration), config_writes, disables,
     *         removals (routers that left the node, radvd stopped and files removed),
     *         no_ipv6 (primary without an IPv6 subnet), keepalived_down (primary while keepalived's
     *         pid file names no live keepalived), failures, routers_failing (now)
     */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> c = counters.snapshot();
        c.put("routers_failing", (long) failures.count());
        return c;
    }

    /** @return WARN naming the routers whose last apply failed (up to three) or with no process manager; else OK */
    @Override
    public HealthResult check() {
        if (processManager.get() == null) {
            return HealthResult.warn("no process manager bound: radvd can be neither started nor stopped");
        }
        RadvdUser u = user;
        if (u.problem() != null) {
            return HealthResult.warn(u.problem());
        }
        return failures.warning().map(HealthResult::warn)
                .orElseGet(() -> HealthResult.ok("last apply succeeded for every router (" + counters.get("enables")
                        + " enables, " + counters.get("disables") + " disables since activation)"));
    }
}
