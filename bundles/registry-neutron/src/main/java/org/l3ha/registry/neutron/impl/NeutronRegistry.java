package org.l3ha.registry.neutron.impl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ManagedService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.Router;
import org.l3ha.api.RouterRegistry;
import org.l3ha.api.RouterRegistryListener;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigGate;
import org.l3ha.common.ConfigReader;
import org.l3ha.oslo.OsloSettings;

/**
 * The {@link RouterRegistry} fed by neutron-server, as Neutron's L3 agent is fed: RPC calls on the
 * L3 plugin's topic ({@link NeutronRouters} decides which, when) and copies of the notifications
 * neutron-server sends this host's L3 agent ({@link BrokerLink}: a queue of its own, never the
 * agent's). This class keeps only the DS lifecycle, the configuration and the services.
 *
 * <p>Configuration: {@code host} from PID {@code org.l3ha.agent}; the pacing from this PID
 * ({@value #PID}); the broker (transport_url, exchange, topic, timeouts, TLS) from the oslo
 * reporter's PID {@code org.l3ha.reporter.oslo}, so both talk to the same neutron-server. That PID
 * holds the broker password and arrives through a {@link ManagedService} this component registers,
 * never as a component property; {@code rpc_mode} there is the reporter's: the registry always
 * calls. A change of the broker settings replaces the client and the feed ({@link BrokerLink});
 * the routers known stay in effect and a full sync follows the new feed's connection.
 *
 * <p>The services ({@link RouterRegistry}, {@link StatsProvider} {@code l3ha.stats.name=registry},
 * {@link HealthCheck} {@code l3ha.health.name=registry}) are registered by hand while the component
 * is active, the registry from the start: until the first sync it knows no router, and the engine
 * holds what it hears for routers it does not know and applies it once the registry adds them
 * ({@link NeutronRouters#find} of an unknown id also fetches it at once).
 */
@Component(name = NeutronRegistry.PID, configurationPid = {AgentSettings.PID, NeutronRegistry.PID}, immediate = true,
        service = {})
// no @Designate: bnd rejects it on a component with two configuration PIDs; the OCD's pid attribute
// makes bnd write the designation of this PID instead
public final class NeutronRegistry {
    public static final String PID = "org.l3ha.registry.neutron";
    static final String PERIODIC_INTERVAL = "periodic_interval";
    static final String SYNC_ROUTERS_CHUNK_SIZE = "sync_routers_chunk_size";
    static final Set<String> KEYS = Set.of(PERIODIC_INTERVAL, SYNC_ROUTERS_CHUNK_SIZE);
    static final String THREAD_PREFIX = "l3ha-registry-neutron-";
    static final String NAME = "neutron registry";
    /** The routing key and fanout exchange neutron-server's L3 agent notifier uses (topic l3_agent). */
    static final String L3_AGENT_TOPIC = "l3_agent";

    private static final Logger LOG = LoggerFactory.getLogger(NeutronRegistry.class);

    /** The options of PID {@value NeutronRegistry#PID}. */
    @ObjectClassDefinition(pid = PID, name = "l3ha neutron router registry",
            description = "Routers from neutron-server over the L3 agent's RPC; the broker comes from PID"
                    + " org.l3ha.reporter.oslo, host from PID org.l3ha.agent")
    public @interface Config {
        @AttributeDefinition(name = PERIODIC_INTERVAL, min = "1", max = "86400",
                description = "Seconds between get_router_ids checks for routers added or removed behind the"
                        + " notifications' back (Neutron's periodic_interval)")
        int periodic__interval() default 40;

        @AttributeDefinition(name = SYNC_ROUTERS_CHUNK_SIZE, min = "32", max = "10000",
                description = "Most routers one sync_routers call asks for; halved (down to 32) when a call times"
                        + " out, as Neutron's agent does")
        int sync__routers__chunk__size() default 256;
    }

    private final BundleContext context;
    private final String host;
    private final NeutronRouters routers;
    private final ExecutorScheduler scheduler;
    private final BrokerLink broker;
    private final List<RouterRegistryListener> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    /* guarded by lock */
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private boolean deactivated;

    /**
     * @param props the merged configuration of PIDs {@code org.l3ha.agent} and {@value #PID}
     * @throws ConfigException if it is invalid (logged); DS activates again when it changes
     */
    @Activate
    public NeutronRegistry(BundleContext context, Map<String, Object> props) {
        this.context = context;
        host = ConfigGate.atStart(LOG, "neutron registry", () -> AgentSettings.parse(props).host());
        NeutronSettings pacing = ConfigGate.atStart(LOG, "neutron registry", () -> pacing(props));
        scheduler = new ExecutorScheduler(THREAD_PREFIX + "sync");
        broker = new BrokerLink(host);
        routers = new NeutronRouters(host, pacing, new OsloL3PluginRpc(broker::client), scheduler, this::fire);
        broker.deliverTo(routers);
        synchronized (lock) {
            registrations.add(context.registerService(StatsProvider.class, this::counters,
                    properties(StatsProvider.NAME, "registry")));
            registrations.add(context.registerService(HealthCheck.class, this::check,
                    properties(HealthCheck.NAME, "registry")));
            registrations.add(context.registerService(RouterRegistry.class, new Registry(),
                    properties(Constants.SERVICE_DESCRIPTION, "l3ha neutron router registry")));
            registrations.add(context.registerService(ManagedService.class, broker::updated,
                    properties(Constants.SERVICE_PID, OsloSettings.PID)));
        }
        LOG.info("neutron registry for host {} started; waiting for the broker settings of PID {}", host,
                OsloSettings.PID);
    }

    /** The pacing keys of {@value #PID}; {@code org.l3ha.agent}'s keys are known too (DS merges them). */
    static NeutronSettings pacing(Map<String, ?> props) {
        ConfigReader r = new ConfigReader(PID, props);
        long interval = r.integer(PERIODIC_INTERVAL, 40, 1, 86_400);
        int chunk = r.integer(SYNC_ROUTERS_CHUNK_SIZE, 256, NeutronSettings.DEFAULT.minChunkSize(), 10_000);
        r.done();
        return NeutronSettings.DEFAULT.withPeriodicInterval(Duration.ofSeconds(interval))
                .withChunks(chunk, NeutronSettings.DEFAULT.minChunkSize());
    }

    @Reference(name = "listener", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addListener(RouterRegistryListener listener) {
        listeners.add(listener);
    }

    void removeListener(RouterRegistryListener listener) {
        listeners.remove(listener);
    }

    private void fire(Set<String> ids) {
        for (RouterRegistryListener l : listeners) {
            try {
                l.routersChanged(ids);
            } catch (RuntimeException e) {
                LOG.warn("neutron registry: a registry listener failed on {} router(s): {}", ids.size(), e.toString(), e);
            }
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lock) {
            if (deactivated) {
                return;
            }
            deactivated = true;
            for (int i = registrations.size() - 1; i >= 0; i--) {
                unregister(registrations.get(i));
            }
            registrations.clear();
        }
        broker.close(routers::stop);
        scheduler.close();
        LOG.info("neutron registry stopped");
    }

    /** @return the registry's counters, and {@code broker_configured} (1 while transport_url is set) */
    Map<String, Long> counters() {
        Map<String, Long> out = new TreeMap<>(routers.counters());
        broker.counters(out);
        return out;
    }

    /** @return the registry's verdict; CRITICAL while there is no broker to ask */
    HealthResult check() {
        return broker.check(routers::check);
    }

    /** The registry service: the routers {@link NeutronRouters} holds. */
    private final class Registry implements RouterRegistry {
        @Override
        public Optional<Router> find(String routerId) {
            return routers.find(routerId);
        }

        @Override
        public Collection<Router> all() {
            return routers.all();
        }
    }

    private static Dictionary<String, Object> properties(String key, String value) {
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(key, value);
        if (!Constants.SERVICE_DESCRIPTION.equals(key)) {
            p.put(Constants.SERVICE_DESCRIPTION, "l3ha neutron router registry");
        }
        return p;
    }

    private static void unregister(ServiceRegistration<?> registration) {
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already unregistered (the bundle is stopping)
        }
    }
}
