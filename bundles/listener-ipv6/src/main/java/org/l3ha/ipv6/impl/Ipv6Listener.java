package org.l3ha.ipv6.impl;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

import org.l3ha.api.HaState;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.Router;
import org.l3ha.api.StatsProvider;
import org.l3ha.api.TransitionListener;
import org.l3ha.common.AgentConfig;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigGate;
import org.l3ha.common.Counters;
import org.l3ha.common.FailingRouters;
import org.l3ha.common.HostIpv6;
import org.l3ha.common.ConfigException;
import org.l3ha.common.ConfigReader;
import org.l3ha.common.RouterIds;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transition listener for IPv6 (Neutron's {@code _configure_ipv6_params}, docs/behaviour.md §4.2):
 * if IPv6 is enabled on the host, sets IPv6 forwarding and RA acceptance in the router's namespace
 * with {@code [root_helper] ip netns exec <ns> sysctl -w <key>=<value>} (the sysctls and their
 * order: {@link SysctlPlan}). A sysctl that fails is logged as a warning and the others are still
 * set, as Neutron does; then the apply fails with one exception naming the router, the keys and
 * the errors, so the engine counts it. Also the {@link StatsProvider} and {@link HealthCheck}
 * named {@code ipv6}. Holds no threads and no per-router state except the routers whose last apply
 * failed (for health). A removed router needs nothing undone ({@link #remove}).
 */
@Component(name = "org.l3ha.ipv6", configurationPid = AgentSettings.PID, immediate = true,
        service = {TransitionListener.class, StatsProvider.class, HealthCheck.class},
        property = {TransitionListener.ORDER + ":Integer=100", StatsProvider.NAME + "=ipv6", HealthCheck.NAME + "=ipv6"})
public final class Ipv6Listener implements TransitionListener, StatsProvider, HealthCheck {

    /**
     * What this listener uses of the configuration.
     *
     * @param ipv6Gateway {@code ipv6_gateway}, empty if unset
     * @param rootHelper {@code root_helper}, split on whitespace
     */
    record Settings(String ipv6Gateway, List<String> rootHelper) {
        static Settings of(AgentConfig config) {
            AgentSettings agent = AgentSettings.of(config);
            String gw = agent.ipv6Gateway();
            if (!gw.isEmpty() && !isIpv6Address(gw)) {
                throw ConfigReader.rejected(AgentSettings.PID, AgentSettings.IPV6_GATEWAY, gw, "is not an IPv6 address");
            }
            return new Settings(gw, agent.rootHelperCommand());
        }
    }

    /** Where {@code ip netns} keeps its namespaces. */
    static final Path NETNS_DIR = Path.of("/run/netns");
    private static final Logger LOG = LoggerFactory.getLogger(Ipv6Listener.class);

    private final CommandRunner runner;
    private final HostIpv6 host;
    private final Path netnsDir;
    private volatile Settings settings;
    /** Last seen host IPv6 status, to log a change once; null before the first apply. */
    private volatile Boolean hostIpv6;
    private final FailingRouters failing = new FailingRouters("IPv6");

    private final Counters counters = new Counters("applied", "skipped_ipv6_disabled", "sysctls", "sysctl_failures", "failures");
    private final LongAdder applied = counters.counter("applied");
    private final LongAdder skipped = counters.counter("skipped_ipv6_disabled");
    private final LongAdder sysctls = counters.counter("sysctls");
    private final LongAdder sysctlFailures = counters.counter("sysctl_failures");
    private final LongAdder failures = counters.counter("failures");

    /**
     * @param config the options of PID {@code org.l3ha.agent}
     * @throws ConfigException if they are invalid (logged); DS retries when they change
     */
    @Activate
    public Ipv6Listener(AgentConfig config) {
        this(config, CommandRunner.SYSTEM, HostIpv6.SYSTEM, NETNS_DIR);
    }

    /**
     * @param config the options of PID {@code org.l3ha.agent}
     * @param runner runs the sysctl commands
     * @param host tells whether IPv6 is enabled on the host
     * @param netnsDir where named namespaces are ({@code /run/netns})
     */
    Ipv6Listener(AgentConfig config, CommandRunner runner, HostIpv6 host, Path netnsDir) {
        this.runner = runner;
        this.host = host;
        this.netnsDir = netnsDir;
        settings = ConfigGate.atStart(LOG, "IPv6 listener", () -> Settings.of(config));
        LOG.info("IPv6 listener active: ipv6_gateway {}, root helper {}", label(settings.ipv6Gateway()),
                settings.rootHelper().isEmpty() ? "none" : settings.rootHelper());
    }

    /** Applies new options; an invalid configuration is rejected and the previous one kept. */
    @Modified
    void modified(AgentConfig config) {
        Optional<Settings> parsed = ConfigGate.onModify(LOG, () -> Settings.of(config), () -> "the IPv6 listener's previous configuration");
        if (parsed.isEmpty()) {
            return;
        }
        Settings next = parsed.get();
        Settings old = settings;
        settings = next;
        if (!next.equals(old)) {
            LOG.info("IPv6 listener reconfigured: ipv6_gateway {}, root helper {}", label(next.ipv6Gateway()),
                    next.rootHelper().isEmpty() ? "none" : next.rootHelper());
        }
    }

    /** Nothing to release (no threads, no open files); logs the event. Never throws. */
    @Deactivate
    void deactivate() {
        LOG.info("IPv6 listener stopped; the sysctls it set stay as they are");
    }

    /**
     * Sets the IPv6 sysctls for {@code state} in the router's namespace; nothing if the host has
     * IPv6 disabled.
     *
     * @throws IOException if the namespace does not exist, or any sysctl failed (the others were
     *         still set); the message names the router, the keys and the errors
     */
    @Override
    public void apply(Router router, HaState state) throws IOException {
        if (state == HaState.UNKNOWN) {
            return; // never given by the engine; nothing defined to do
        }
        String id = RouterIds.normalize(router.id());
        if (!hostIpv6Enabled()) {
            skipped.increment();
            LOG.debug("Router {}: host IPv6 disabled, no IPv6 sysctls for {}", id, state.word());
            return;
        }
        Settings s = settings;
        try {
            List<SysctlPlan.Sysctl> plan = SysctlPlan.of(router, state, s.ipv6Gateway());
            if (!plan.isEmpty()) {
                run(id, state, SysctlPlan.namespace(router), plan, s);
            }
        } catch (IOException | RuntimeException e) {
            failures.increment();
            failing.failed(id, e.getMessage() == null ? e.toString() : e.getMessage());
            throw e;
        }
        applied.increment();
        failing.succeeded(id);
    }

    /**
     * A router that left the node needs nothing undone here: the sysctls live in its namespace
     * ({@code qrouter-<id>}), which goes away with the router (whoever deletes the router deletes
     * the namespace, as Neutron's agent does), and this listener writes no file. Only the router's
     * entry in the health check is dropped, so a removed router is not named there.
     */
    @Override
    public void remove(String routerId) {
        if (RouterIds.isUuid(routerId)) {
            failing.succeeded(RouterIds.normalize(routerId));
        }
    }

    private void run(String id, HaState state, String ns, List<SysctlPlan.Sysctl> plan, Settings s)
            throws IOException {
        if (!Files.exists(netnsDir.resolve(ns))) {
            throw new IOException("IPv6 sysctls for router " + id + " (" + state.word() + ") not set: namespace " + ns
                    + " does not exist");
        }
        List<String> errors = new ArrayList<>();
        for (SysctlPlan.Sysctl sysctl : plan) {
            List<String> cmd = new ArrayList<>(s.rootHelper());
            cmd.addAll(List.of("ip", "netns", "exec", ns, "sysctl", "-w", sysctl.arg()));
            sysctls.increment();
            String error;
            try {
                CommandRunner.Result r = runner.run(cmd);
                error = r.status() == 0 ? null : "exit status " + r.status() + (r.output().isEmpty() ? "" : ": " + r.output());
            } catch (IOException e) {
                error = e.getMessage();
            }
            if (error != null) {
                sysctlFailures.increment();
                errors.add(sysctl.arg() + " (" + error + ")");
                LOG.warn("Router {}: sysctl -w {} in {} failed: {}", id, sysctl.arg(), ns, error);
            }
        }
        if (!errors.isEmpty()) {
            throw new IOException("IPv6 sysctls for router " + id + " (" + state.word() + ") in " + ns + ": "
                    + errors.size() + " of " + plan.size() + " failed: " + String.join("; ", errors));
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("Router {}: IPv6 for {} in {}: {}", id, state.word(), ns,
                    plan.stream().map(SysctlPlan.Sysctl::arg).toList());
        }
    }

    private boolean hostIpv6Enabled() {
        boolean now = host.enabled();
        Boolean before = hostIpv6;
        if (before == null || before != now) {
            hostIpv6 = now;
            if (!now) {
                LOG.info("IPv6 is disabled on this host (/proc/net/if_inet6 absent or"
                        + " net.ipv6.conf.all.disable_ipv6 not 0): the IPv6 sysctls are skipped for every router");
            } else if (before != null) {
                LOG.info("IPv6 is enabled on this host again: the IPv6 sysctls are set on transitions");
            }
        }
        return now;
    }

    /** @return applied, skipped_ipv6_disabled, sysctls, sysctl_failures, failures, routers_failing */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> c = counters.snapshot();
        c.put("routers_failing", (long) failing.count());
        return c;
    }

    /** @return WARN while some router's last apply failed (naming up to three), OK otherwise */
    @Override
    public HealthResult check() {
        Optional<String> warning = failing.warning();
        if (warning.isPresent()) {
            return HealthResult.warn(warning.get());
        }
        Boolean v6 = hostIpv6;
        return HealthResult.ok(Boolean.FALSE.equals(v6) ? "host IPv6 disabled: nothing to set"
                : applied.sum() + " transitions applied");
    }

    private static String label(String gw) {
        return gw.isEmpty() ? "unset" : gw;
    }

    /** An IPv6 literal (an optional %scope is ignored); never a name lookup. */
    static boolean isIpv6Address(String s) {
        int pct = s.indexOf('%');
        String addr = pct >= 0 ? s.substring(0, pct) : s;
        if (addr.indexOf(':') < 0 || !addr.matches("[0-9A-Fa-f:.]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(addr) instanceof Inet6Address;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
