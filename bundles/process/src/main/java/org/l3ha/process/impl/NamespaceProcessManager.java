package org.l3ha.process.impl;

import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.OptionalLong;

import org.l3ha.api.DaemonFactory;
import org.l3ha.api.DaemonSpec;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.ProcessManager;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.AgentConfig;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigGate;
import org.l3ha.common.ConfigException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
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
 * The {@link ProcessManager} (Neutron's ProcessManager and ProcessMonitor): starts daemons such as
 * radvd and haproxy in router namespaces ({@code [root_helper] ip netns exec <ns> env K=V <cmd>}),
 * recognises them by pid file and command line, reloads them with SIGHUP, stops them (stop signal,
 * SIGKILL after the stop timeout), and monitors the registered ones every
 * {@code check_child_processes_interval} seconds: one that is not active is respawned, or, with
 * {@code check_child_processes_action=exit}, the OSGi framework is stopped. Also the
 * {@link StatsProvider} and {@link HealthCheck} named {@code process}. This class is the DS
 * entry (configuration, factory bindings, the exit action's framework stop); {@link DaemonManager}
 * and the parts behind it do the work.
 *
 * <p><b>What stops a daemon, and what does not.</b> Daemons belong to the node, not to this
 * bundle: only {@link #disable} stops one (a transition to backup, a router removal, an operator
 * command). Deactivating this component (bundle stop, update, uninstall, a configuration change,
 * framework shutdown) stops only the monitor thread; every daemon keeps running with its pid, so
 * routers keep their RA and metadata while l3ha is upgraded. The registered daemons are recorded
 * by service and router id in {@code <state_path>/l3ha-process-monitor.daemons} on every enable
 * and disable; the next activation reads that file and asks the bundle that runs each service
 * (its {@link DaemonFactory}) to rebuild the daemon, then adopts it: an active one keeps running
 * and is monitored again ("adopted radvd for R, pid N"), one that died meanwhile is respawned by
 * the monitor at its first check. The file never says how to run anything: another account may
 * write {@code state_path}. To remove daemons for good, disable them (or stop them with the pid
 * files) before uninstalling l3ha.
 *
 * <p><b>check_child_processes_action=exit.</b> Neutron's agent exits with status 1. Here the
 * monitor logs the dead daemon and stops the system bundle from a thread of its own
 * ({@code l3ha-process-exit}); the OSGi framework shuts down cleanly and Karaf's launcher then
 * exits the JVM, so a service manager (systemd {@code Restart=}) can start the agent again. The
 * daemons keep running and are adopted by the next start.
 */
@Component(name = "org.l3ha.process", configurationPid = AgentSettings.PID, immediate = true,
        service = {ProcessManager.class, StatsProvider.class, HealthCheck.class},
        property = {StatsProvider.NAME + "=process", HealthCheck.NAME + "=process"})
public final class NamespaceProcessManager implements ProcessManager, StatsProvider, HealthCheck {

    static final String EXIT_THREAD = "l3ha-process-exit";
    private static final Logger LOG = LoggerFactory.getLogger(NamespaceProcessManager.class);

    private final DaemonManager manager;

    /**
     * @param context this bundle's context: {@code check_child_processes_action=exit} stops the
     *        system bundle through it
     * @param config the options of PID {@code org.l3ha.agent}
     * @throws ConfigException if they are invalid (logged); DS retries when they change
     */
    @Activate
    public NamespaceProcessManager(BundleContext context, AgentConfig config) {
        this(config, frameworkStopper(context), Clock.systemUTC());
    }

    /**
     * @param config the options of PID {@code org.l3ha.agent}
     * @param exitHook what {@code check_child_processes_action=exit} runs (on the monitor thread; must not block)
     * @param clock wall clock for the health verdict
     */
    NamespaceProcessManager(AgentConfig config, Runnable exitHook, Clock clock) {
        AgentSettings settings = ConfigGate.atStart(LOG, "Process manager", () -> AgentSettings.of(config));
        manager = new DaemonManager(ProcessSettings.of(settings), ProcFs.SYSTEM, clock, exitHook);
        manager.start();
    }

    /** Applies new options; an invalid configuration is rejected and the previous one kept. */
    @Modified
    void modified(AgentConfig config) {
        ConfigGate.onModify(LOG, () -> AgentSettings.of(config), () -> "the process manager's previous configuration")
                .ifPresent(settings -> manager.reconfigure(ProcessSettings.of(settings)));
    }

    /**
     * A bundle that runs daemons of the service in its {@link DaemonFactory#SERVICE} property: it
     * rebuilds the recorded daemons of that service.
     */
    @Reference(service = DaemonFactory.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindFactory(DaemonFactory factory, Map<String, Object> props) {
        Object service = props.get(DaemonFactory.SERVICE);
        if (service instanceof String name && !name.isBlank()) {
            manager.addFactory(name, factory);
        } else {
            LOG.warn("Daemon factory {} has no {} property: ignored", factory, DaemonFactory.SERVICE);
        }
    }

    void unbindFactory(DaemonFactory factory, Map<String, Object> props) {
        if (props.get(DaemonFactory.SERVICE) instanceof String name) {
            manager.removeFactory(name, factory);
        }
    }

    /** Stops the monitor thread; daemons keep running (see the class comment). Idempotent, never throws. */
    @Deactivate
    void deactivate() {
        try {
            manager.close();
        } catch (RuntimeException e) {
            LOG.error("Error while stopping the process monitor", e);
        }
    }

    private static Runnable frameworkStopper(BundleContext context) {
        return () -> {
            Thread t = new Thread(() -> {
                try {
                    context.getBundle(0).stop();
                } catch (BundleException | RuntimeException e) {
                    LOG.error("Cannot stop the OSGi framework", e);
                }
            }, EXIT_THREAD);
            t.setDaemon(true);
            t.start();
        };
    }

    // ------------------------------------------------------------------ services

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the spec is malformed (blank service or uuid, relative
     *         pid file, empty command, bad environment name, signal or timeout)
     */
    @Override
    public void enable(DaemonSpec daemon, boolean reload) throws IOException {
        manager.enable(daemon, reload);
    }

    /** {@inheritDoc} Never kills anything but the pid in the pid file, and only while it is the daemon. */
    @Override
    public void disable(DaemonSpec daemon) throws IOException {
        manager.disable(daemon);
    }

    @Override
    public boolean isActive(DaemonSpec daemon) {
        return manager.isActive(daemon);
    }

    @Override
    public OptionalLong pid(DaemonSpec daemon) {
        return manager.pid(daemon);
    }

    /**
     * @return enabled, disabled, reloads, spawned (starts by enable or monitor), respawns,
     *         spawn_failures, killed (SIGKILL after the stop timeout), adopted, monitored (now)
     */
    @Override
    public Map<String, Long> counters() {
        return manager.counters();
    }

    /**
     * @return CRITICAL while a monitored daemon is down and could not be respawned (or the exit
     *         action fired); WARN for a while after a respawn (at least 10 minutes and two check
     *         intervals) or while the daemon journal cannot be written; OK otherwise
     */
    @Override
    public HealthResult check() {
        return manager.health();
    }

    /** For tests: one monitor pass now. */
    void checkNow() {
        manager.checkAll();
    }
}
