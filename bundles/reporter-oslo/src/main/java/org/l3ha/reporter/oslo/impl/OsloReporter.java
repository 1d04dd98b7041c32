package org.l3ha.reporter.oslo.impl;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.StateReporter;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigException;
import org.l3ha.common.ConfigGate;
import org.l3ha.common.ConfigReader;
import org.l3ha.oslo.BrokerSetup;
import org.l3ha.oslo.BrokerTls;
import org.l3ha.oslo.OsloCodec;
import org.l3ha.oslo.OsloSettings;
import org.l3ha.oslo.RpcException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ManagedService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports HA router states to neutron-server the way Neutron's L3 agent does: the RPC
 * {@code update_ha_routers_states(context, host, states)} on the L3 plugin's topic, through
 * oslo.messaging's RabbitMQ wire format ({@code docs/behaviour.md} §6, {@code docs/design.md} §5), in
 * plaintext or over TLS ({@code ssl}).
 *
 * <p>Longer than the project's other entry classes: it is the one place where two configurations
 * (a DS one and a {@link ManagedService} one) meet, under one lock, and three registrations follow
 * them; the RPC itself is {@link StateRpc}'s, the counters and delivery health {@link ReporterStats}'s.
 *
 * <p>Configuration: PID {@code org.l3ha.agent} arrives through Declarative Services (it is not
 * secret); this component's own PID {@value #PID}, which holds the broker password in
 * {@code transport_url}, arrives through a {@link ManagedService} the component registers itself,
 * so the password is never a DS component property (shown by {@code scr:info}). Keys of PID
 * {@code org.l3ha.agent} written in PID {@value #PID} override it, as they did. Both are validated
 * together: an invalid one is rejected with one ERROR line naming key and value and the last good
 * one is kept (the health check says so); unknown keys are a WARN. The TLS files are read each
 * time a configuration arrives, once: a client is replaced only when the settings or the files'
 * contents changed.
 *
 * <p>The component is always active (unless PID {@code org.l3ha.agent} is invalid at activation)
 * but registers its {@link StateReporter} (property {@code l3ha.reporter=oslo}) only while
 * {@code transport_url} is set and valid. Its {@link StatsProvider} ({@code l3ha.stats.name=oslo})
 * and {@link HealthCheck} ({@code l3ha.health.name=reporter.oslo}) are registered while the
 * component is active.
 *
 * <p>Threading: configurations (DS's thread, Config Admin's update thread) are serialised by one
 * lock, under which the files are read and the registrations changed; {@link #report} runs on the
 * notifier's thread without that lock. A batch that cannot be delivered throws; the notifier keeps
 * the newest state per router and retries with backoff, so this reporter holds no backlog of its
 * own.
 */
@Component(name = OsloReporter.PID, configurationPid = AgentSettings.PID, immediate = true, service = {})
// the component's own PID is not a DS configuration PID (see above); OsloReporterConfig's
// @ObjectClassDefinition(pid = ...) designates it for the metatype service
public final class OsloReporter {
    static final String PID = OsloSettings.PID;
    static final String NAME = "oslo";
    static final String HEALTH_NAME = "reporter.oslo";
    private static final String COMPONENT = "oslo reporter";

    private static final Logger LOG = LoggerFactory.getLogger(OsloReporter.class);

    private final BundleContext context;
    private final String rpcVersion;
    private final ReporterStats stats;
    private final OsloCodec codec = new OsloCodec();
    private final Object lock = new Object();
    /* written under lock, read anywhere */
    private volatile OsloSettings settings;
    private volatile StateRpc client;
    /** The message of the last configuration rejected, null once one was accepted after it. */
    private volatile String rejected;
    /* guarded by lock */
    private Map<String, Object> agentProps;
    private Map<String, Object> ownProps = Map.of();
    private ServiceRegistration<StateReporter> reporterRegistration;
    private ServiceRegistration<StatsProvider> statsRegistration;
    private ServiceRegistration<HealthCheck> healthRegistration;
    private ServiceRegistration<ManagedService> configRegistration;
    private boolean deactivated;
    /* touched by the reporting thread only */
    private volatile RpcException.Kind failingKind;

    /**
     * @param context this bundle's context, to register the services by hand
     * @param props the configuration of PID {@code org.l3ha.agent} (and DS's component properties)
     * @throws ConfigException if it is invalid (logged at ERROR); DS retries when it changes
     */
    @Activate
    public OsloReporter(BundleContext context, Map<String, Object> props) {
        this(context, props, Clock.systemUTC(), StateRpc.RPC_VERSION);
    }

    /**
     * Activates without this PID's configuration: inactive until {@link #updated} delivers it.
     *
     * @param agentProps the configuration of PID {@code org.l3ha.agent}
     * @param rpcVersion the RPC version the messages claim (tests send others)
     */
    OsloReporter(BundleContext context, Map<String, Object> agentProps, Clock clock, String rpcVersion) {
        this.context = context;
        this.rpcVersion = rpcVersion;
        this.stats = new ReporterStats(clock);
        // unknown keys of org.l3ha.agent are the engine's to name (one WARN, not one per component);
        // this component names its own keys written there by mistake
        warnMisplaced(agentProps);
        Map<String, Object> agent = copy(agentProps);
        OsloSettings first = ConfigGate.atStart(LOG, "oslo reporter", () -> OsloSettings.parse(agent));
        synchronized (lock) {
            this.agentProps = agent;
            settings = first;
            statsRegistration = context.registerService(StatsProvider.class, this::counters,
                    properties(StatsProvider.NAME, NAME));
            healthRegistration = context.registerService(HealthCheck.class, this::check,
                    properties(HealthCheck.NAME, HEALTH_NAME));
            // Config Admin calls updated() on its own thread, later: with this PID's configuration, or null
            Dictionary<String, Object> p = properties(Constants.SERVICE_PID, PID);
            configRegistration = context.registerService(ManagedService.class, this::updated, p);
        }
        LOG.debug("oslo reporter started; waiting for the configuration of PID {}", PID);
    }

    /**
     * This PID's configuration, from Config Admin ({@link ManagedService}); null when it has none
     * (the reporter is then inactive). Never throws: a bad configuration is logged (one ERROR
     * line) and the last good one kept.
     */
    void updated(Dictionary<String, ?> dictionary) {
        Map<String, Object> own = new HashMap<>();
        if (dictionary != null) {
            for (String key : Collections.list(dictionary.keys())) {
                own.put(key, dictionary.get(key));
            }
        }
        warnUnknown(own, OsloSettings.known(), PID);
        synchronized (lock) {
            if (!deactivated) {
                reconfigure(agentProps, own);
            }
        }
    }

    /** A new configuration of PID {@code org.l3ha.agent}; an invalid one is rejected, the last good one kept. */
    @Modified
    void modified(Map<String, Object> props) {
        warnMisplaced(props);
        Map<String, Object> agent = copy(props);
        synchronized (lock) {
            if (!deactivated) {
                reconfigure(agent, ownProps);
            }
        }
    }

    /** Called with the lock held: validates both PIDs together, reads the TLS files, applies. */
    private void reconfigure(Map<String, Object> agent, Map<String, Object> own) {
        Map<String, Object> merged = new HashMap<>(agent);
        merged.putAll(own);
        List<String> warnings = new ArrayList<>();
        BrokerSetup loaded;
        try {
            loaded = BrokerSetup.load(merged, warnings);
        } catch (ConfigException e) {
            warnings.forEach(w -> LOG.warn("{}", w));
            rejected = e.getMessage();
            LOG.error("{}; keeping the previous configuration", e.getMessage());
            return;
        }
        warnings.forEach(w -> LOG.warn("{}", w));
        rejected = null;
        agentProps = agent;
        ownProps = own;
        StateRpc current = client;
        BrokerTls currentTls = current == null ? null : current.tls();
        if (loaded.sameAs(settings, currentTls)) {
            LOG.debug("oslo reporter: configuration unchanged");
            return;
        }
        apply(loaded.settings(), loaded.tls());
    }

    /** Called with the lock held. */
    private void apply(OsloSettings next, BrokerTls tls) {
        settings = next;
        StateRpc old = client;
        if (!next.active()) {
            client = null;
            closeQuietly(old);
            unregister(reporterRegistration);
            reporterRegistration = null;
            LOG.info("oslo reporter inactive: transport_url is not set");
            return;
        }
        client = new StateRpc(next, tls, rpcVersion, codec, stats);
        closeQuietly(old);
        LOG.info("oslo reporter active: {} update_ha_routers_states to {} {} (exchange {}, topic {}, version {}) as host {},"
                + " rpc_response_timeout {} s", next.rpcMode().word(), next.transportUrl(), transport(tls),
                next.controlExchange(), next.topic(), rpcVersion, next.host(),
                next.rpcResponseTimeout().toMillis() / 1000.0);
        if (reporterRegistration == null) {
            // the notifier binds (and may start reporting) inside this call
            reporterRegistration = context.registerService(StateReporter.class, this::report,
                    properties(StateReporter.NAME, NAME));
        }
    }

    private static String transport(BrokerTls tls) {
        return tls == null ? "in plaintext (ssl = false)" : "over " + tls.describe();
    }

    @Deactivate
    void deactivate() {
        synchronized (lock) {
            if (deactivated) {
                return;
            }
            deactivated = true;
            unregister(configRegistration);
            configRegistration = null;
            // close first: a report in flight fails at once instead of holding up the notifier's unbind
            StateRpc c = client;
            client = null;
            closeQuietly(c);
            unregister(reporterRegistration);
            unregister(statsRegistration);
            unregister(healthRegistration);
            reporterRegistration = null;
            statsRegistration = null;
            healthRegistration = null;
        }
        LOG.info("oslo reporter stopped");
    }

    /**
     * Delivers one batch to neutron-server.
     *
     * @throws RpcException if it was not delivered (timeout, unroutable, remote error, connection, TLS)
     * @throws InterruptedException if interrupted while waiting
     */
    void report(Map<String, String> states) throws RpcException, InterruptedException {
        StateRpc c = client;
        if (c == null) {
            throw new RpcException(RpcException.Kind.CONNECTION, "oslo reporter inactive: transport_url is not set");
        }
        OsloSettings s = c.settings();
        StateRpc.HostVerdict before = c.hostVerdict();
        StateRpc.HostVerdict verdict = c.checkHost(s.host());
        if (verdict != before) {
            switch (verdict) {
                case NOT_REGISTERED:
                    LOG.error("oslo reporter: {}", StateRpc.notRegisteredText(s.host()));
                    break;
                case REGISTERED:
                    LOG.info("oslo reporter: host '{}' is a registered L3 agent in neutron-server", s.host());
                    break;
                default:
                    LOG.warn("oslo reporter: cannot tell whether host '{}' is a registered L3 agent in neutron-server"
                            + " ({}); reporting, and asking again in {} s", s.host(), c.hostVerdictDetail(),
                            StateRpc.RECHECK_UNKNOWN_NANOS / 1_000_000_000L);
            }
        }
        if (verdict == StateRpc.HostVerdict.NOT_REGISTERED) {
            throw c.notRegistered(s.host());
        }
        try {
            c.updateHaRoutersStates(s.host(), states);
        } catch (RpcException e) {
            if (failingKind != e.kind() && e.kind() != RpcException.Kind.TLS) {
                failingKind = e.kind();
                LOG.warn("oslo reporter: {} router states not delivered: {}", states.size(), e.getMessage());
            } else {
                // a TLS failure was logged at ERROR by the client
                failingKind = e.kind();
                LOG.debug("oslo reporter: {} router states not delivered: {}", states.size(), e.getMessage());
            }
            throw e;
        }
        if (failingKind != null) {
            failingKind = null;
            LOG.info("oslo reporter delivers again");
        }
        LOG.info("oslo reporter: delivered {} router states to neutron-server ({})", states.size(), s.rpcMode().word());
    }

    /**
     * @return the counters of {@link ReporterStats#counters}, plus {@code active} (1 while
     *         transport_url is set), {@code tls} (1 while connecting over TLS) and
     *         {@code config_rejected} (1 while the last configuration was rejected), {@code host_not_registered}
     *         (1 while neutron-server says {@code host} is not a registered L3 agent: reports are held)
     */
    Map<String, Long> counters() {
        StateRpc c = client;
        Map<String, Long> out = new TreeMap<>(stats.counters(c != null && c.connected()));
        out.put("active", c != null ? 1L : 0L);
        out.put("tls", c != null && c.tls() != null ? 1L : 0L);
        out.put("config_rejected", rejected != null ? 1L : 0L);
        out.put("host_not_registered", c != null && c.hostVerdict() == StateRpc.HostVerdict.NOT_REGISTERED ? 1L : 0L);
        return out;
    }

    /**
     * @return the delivery health ({@link ReporterStats#health}) naming the broker and whether TLS
     *         is on; CRITICAL while the configuration is rejected and nothing is reported, WARN
     *         while it is rejected and the previous one is in use
     */
    HealthResult check() {
        OsloSettings s = settings;
        StateRpc c = client;
        String problem = rejected;
        if (c != null && c.hostVerdict() == StateRpc.HostVerdict.NOT_REGISTERED) {
            return HealthResult.critical(StateRpc.notRegisteredText(s.host()));
        }
        HealthResult delivery = stats.health(s == null || !s.active() || c == null ? null
                : s.transportUrl() + " " + transport(c.tls()) + ", exchange " + s.controlExchange() + " topic "
                        + s.topic());
        if (problem == null) {
            return delivery;
        }
        if (c == null) {
            return HealthResult.critical("configuration rejected, not reporting: " + problem);
        }
        String message = "configuration rejected, keeping the previous one: " + problem + "; " + delivery.message();
        return delivery.status() == HealthResult.Status.CRITICAL ? HealthResult.critical(message)
                : HealthResult.warn(message);
    }

    /** @return the client in use, null while inactive (tests) */
    StateRpc client() {
        return client;
    }

    /** Names this PID's keys found in PID {@code org.l3ha.agent}, where they are not used. */
    private static void warnMisplaced(Map<String, Object> agentProps) {
        java.util.List<String> misplaced = agentProps == null ? java.util.List.of() : agentProps.keySet().stream()
                .filter(k -> OsloSettings.known().contains(k) && !AgentSettings.KEYS.contains(k)).sorted()
                .map(org.l3ha.common.LogText::escape).toList();
        if (!misplaced.isEmpty()) {
            LOG.warn("{}: key(s) '{}' of PID {} found in PID {}: not used there (set them in etc/{}.cfg)", COMPONENT,
                    String.join("', '", misplaced), PID, AgentSettings.PID, PID);
        }
    }

    private static void warnUnknown(Map<String, Object> props, java.util.Collection<String> known, String pid) {
        String warning = ConfigReader.unknownKeysWarning(props, known, COMPONENT, pid);
        if (warning != null) {
            LOG.warn("{}", warning);
        }
    }

    /**
     * @return the keys of PID {@code org.l3ha.agent} in {@code props}: anything else DS passes
     *         (component properties, or this PID's keys written there by mistake, which
     *         {@link #warnUnknown} named) is not used
     */
    private static Map<String, Object> copy(Map<String, Object> props) {
        Map<String, Object> out = new HashMap<>();
        if (props != null) {
            props.forEach((k, v) -> {
                if (AgentSettings.KEYS.contains(k) && v != null) {
                    out.put(k, v);
                }
            });
        }
        return Collections.unmodifiableMap(out);
    }

    private static Dictionary<String, Object> properties(String key, String value) {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(key, value);
        p.put(Constants.SERVICE_DESCRIPTION, "l3ha oslo.messaging reporter");
        return p;
    }

    private static void unregister(ServiceRegistration<?> registration) {
        if (registration == null) {
            return;
        }
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already unregistered (the bundle is stopping)
        }
    }

    private static void closeQuietly(StateRpc c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (RuntimeException e) {
            LOG.warn("oslo reporter: error while closing the connection", e);
        }
    }
}
