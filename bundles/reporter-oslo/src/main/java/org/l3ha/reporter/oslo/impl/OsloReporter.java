package org.l3ha.reporter.oslo.impl;

import java.time.Clock;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.TreeMap;

import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.StateReporter;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports HA router states to neutron-server the way Neutron's L3 agent does: the RPC
 * {@code update_ha_routers_states(context, host, states)} on the L3 plugin's topic, through
 * oslo.messaging's RabbitMQ wire format ({@code NEUTRON.md} §6, {@code DESIGN.md} §8).
 *
 * <p>The component is always active but registers its {@link StateReporter} (property
 * {@code l3ha.reporter=oslo}) only while {@code transport_url} is set and valid, so the assembly can
 * ship {@code etc/org.l3ha.reporter.oslo.cfg} with the key empty. Its {@link StatsProvider}
 * ({@code l3ha.stats.name=oslo}) and {@link HealthCheck} ({@code l3ha.health.name=reporter.oslo})
 * are registered while the component is active.
 *
 * <p>A batch that cannot be delivered throws; the notifier keeps the newest state per router and
 * retries with backoff, so this reporter holds no backlog of its own.
 */
@Component(name = OsloReporter.PID, configurationPid = {AgentSettings.PID, OsloReporter.PID}, immediate = true,
        service = {})
// bnd rejects @Designate on a component with two configuration PIDs; @ObjectClassDefinition(pid = ...)
// below designates this component's own PID instead (as the journal reporter does).
public final class OsloReporter {
    static final String PID = OsloSettings.PID;
    static final String NAME = "oslo";
    static final String HEALTH_NAME = "reporter.oslo";

    /** The options of PID {@value OsloReporter#PID}, under oslo.messaging's names and defaults. */
    @ObjectClassDefinition(pid = PID, name = "l3ha oslo.messaging reporter",
            description = "Reports HA router states to neutron-server (update_ha_routers_states over RabbitMQ)."
                    + " Inactive while transport_url is empty. host comes from PID org.l3ha.agent.")
    public @interface Config {
        @AttributeDefinition(name = "transport_url", type = AttributeType.PASSWORD, required = false,
                description = "rabbit://user:pass@host:port/vhost; several user:pass@host:port separated by commas"
                        + " for a cluster; user and password percent-encoded; port 5672 and vhost / by default."
                        + " Empty = reporter inactive.")
        String transport__url() default "";

        @AttributeDefinition(name = "control_exchange",
                description = "Exchange neutron-server consumes from (oslo.messaging control_exchange)")
        String control__exchange() default OsloSettings.DEFAULT_CONTROL_EXCHANGE;

        @AttributeDefinition(name = "topic", description = "RPC topic of the L3 plugin (routing key)")
        String topic() default OsloSettings.DEFAULT_TOPIC;

        @AttributeDefinition(name = "rpc_mode", options = {
            @Option(label = "call: wait for neutron-server's reply (delivery confirmed)", value = "call"),
            @Option(label = "cast: broker confirms and mandatory routing only (what Neutron's agent does)",
                    value = "cast")},
                description = "call (default) or cast")
        String rpc__mode() default OsloSettings.DEFAULT_RPC_MODE;

        @AttributeDefinition(name = "rpc_response_timeout", min = "0.001", max = "3600",
                description = "Seconds a call waits for the reply (and a cast for the broker's confirm); also bounds"
                        + " connecting (at most 10 s per host) and every broker operation")
        double rpc__response__timeout() default OsloSettings.DEFAULT_RPC_RESPONSE_TIMEOUT;

        @AttributeDefinition(name = "rabbit_retry_interval", min = "0.001", max = "3600",
                description = "Seconds before the first reconnection attempt after the connection broke")
        double rabbit__retry__interval() default OsloSettings.DEFAULT_RABBIT_RETRY_INTERVAL;

        @AttributeDefinition(name = "rabbit_retry_backoff", min = "0", max = "3600",
                description = "Seconds added to the reconnection delay after each failed attempt")
        double rabbit__retry__backoff() default OsloSettings.DEFAULT_RABBIT_RETRY_BACKOFF;

        @AttributeDefinition(name = "rabbit_interval_max", min = "0.001", max = "3600",
                description = "Longest delay between reconnection attempts, seconds")
        double rabbit__interval__max() default OsloSettings.DEFAULT_RABBIT_INTERVAL_MAX;

        @AttributeDefinition(name = "amqp_durable_queues",
                description = "Declare the exchange durable (must match neutron-server's amqp_durable_queues)")
        boolean amqp__durable__queues() default false;

        @AttributeDefinition(name = "amqp_auto_delete",
                description = "Declare the exchange auto-delete (must match neutron-server's amqp_auto_delete)")
        boolean amqp__auto__delete() default false;
    }

    private static final Logger LOG = LoggerFactory.getLogger(OsloReporter.class);

    private final BundleContext context;
    private final String rpcVersion;
    private final ReporterStats stats;
    private final OsloCodec codec = new OsloCodec();
    private final Object lock = new Object();
    /* written under lock, read anywhere */
    private volatile OsloSettings settings;
    private volatile OsloClient client;
    /* guarded by lock */
    private ServiceRegistration<StateReporter> reporterRegistration;
    private ServiceRegistration<StatsProvider> statsRegistration;
    private ServiceRegistration<HealthCheck> healthRegistration;
    private boolean deactivated;
    /* touched by the reporting thread only */
    private volatile RpcException.Kind failingKind;

    /**
     * @param context this bundle's context, to register the services by hand
     * @param props the merged configuration of PIDs {@code org.l3ha.agent} and {@value #PID}
     * @throws ConfigException if it is invalid (logged at ERROR); DS retries when it changes
     */
    @Activate
    public OsloReporter(BundleContext context, Map<String, Object> props) {
        this(context, props, Clock.systemUTC(), OsloClient.RPC_VERSION);
    }

    /**
     * @param rpcVersion the RPC version the messages claim (tests send others)
     */
    OsloReporter(BundleContext context, Map<String, Object> props, Clock clock, String rpcVersion) {
        this.context = context;
        this.rpcVersion = rpcVersion;
        this.stats = new ReporterStats(clock);
        OsloSettings first;
        try {
            first = OsloSettings.parse(props);
        } catch (ConfigException e) {
            LOG.error("oslo reporter not started: {}", e.getMessage());
            throw e;
        }
        synchronized (lock) {
            statsRegistration = context.registerService(StatsProvider.class, this::counters,
                    properties(StatsProvider.NAME, NAME));
            healthRegistration = context.registerService(HealthCheck.class, this::check,
                    properties(HealthCheck.NAME, HEALTH_NAME));
            apply(first);
        }
    }

    /** Takes a new configuration; an invalid one is rejected with one ERROR line, the last good one kept. */
    @Modified
    void modified(Map<String, Object> props) {
        OsloSettings next;
        try {
            next = OsloSettings.parse(props);
        } catch (ConfigException e) {
            LOG.error("{}; keeping the previous configuration", e.getMessage());
            return;
        }
        synchronized (lock) {
            if (deactivated || next.equals(settings)) {
                return;
            }
            apply(next);
        }
    }

    /** Called with the lock held. */
    private void apply(OsloSettings next) {
        settings = next;
        OsloClient old = client;
        if (!next.active()) {
            client = null;
            closeQuietly(old);
            unregister(reporterRegistration);
            reporterRegistration = null;
            LOG.info("oslo reporter inactive: transport_url is not set");
            return;
        }
        client = new OsloClient(next, rpcVersion, codec, stats);
        closeQuietly(old);
        LOG.info("oslo reporter active: {} update_ha_routers_states to {} (exchange {}, topic {}, version {}) as host {},"
                + " rpc_response_timeout {} s", next.rpcMode().word(), next.transportUrl(), next.controlExchange(),
                next.topic(), rpcVersion, next.host(), next.rpcResponseTimeout().toMillis() / 1000.0);
        if (reporterRegistration == null) {
            // the notifier binds (and may start reporting) inside this call
            reporterRegistration = context.registerService(StateReporter.class, this::report,
                    properties(StateReporter.NAME, NAME));
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lock) {
            if (deactivated) {
                return;
            }
            deactivated = true;
            // close first: a report in flight fails at once instead of holding up the notifier's unbind
            OsloClient c = client;
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
     * @throws RpcException if it was not delivered (timeout, unroutable, remote error, connection)
     * @throws InterruptedException if interrupted while waiting
     */
    void report(Map<String, String> states) throws RpcException, InterruptedException {
        OsloClient c = client;
        if (c == null) {
            throw new RpcException(RpcException.Kind.CONNECTION, "oslo reporter inactive: transport_url is not set");
        }
        OsloSettings s = c.settings();
        try {
            c.updateHaRoutersStates(s.host(), states);
        } catch (RpcException e) {
            if (failingKind != e.kind()) {
                failingKind = e.kind();
                LOG.warn("oslo reporter: {} router states not delivered: {}", states.size(), e.getMessage());
            } else {
                LOG.debug("oslo reporter: {} router states not delivered again: {}", states.size(), e.getMessage());
            }
            throw e;
        }
        if (failingKind != null) {
            failingKind = null;
            LOG.info("oslo reporter delivers again");
        }
        LOG.info("oslo reporter: delivered {} router states to neutron-server ({})", states.size(), s.rpcMode().word());
    }

    /** @return the counters of {@link ReporterStats#counters}, plus {@code active} (1 while transport_url is set) */
    Map<String, Long> counters() {
        OsloClient c = client;
        Map<String, Long> out = new TreeMap<>(stats.counters(c != null && c.connected()));
        out.put("active", c != null ? 1L : 0L);
        return out;
    }

    HealthResult check() {
        OsloSettings s = settings;
        return stats.health(s == null || !s.active() ? null
                : s.transportUrl() + " exchange " + s.controlExchange() + " topic " + s.topic());
    }

    /** @return the client in use, null while inactive (tests) */
    OsloClient client() {
        return client;
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

    private static void closeQuietly(OsloClient c) {
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
