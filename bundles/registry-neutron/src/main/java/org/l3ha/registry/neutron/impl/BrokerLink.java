package org.l3ha.registry.neutron.impl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.HealthResult;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigException;
import org.l3ha.oslo.BrokerSetup;
import org.l3ha.oslo.BrokerTls;
import org.l3ha.oslo.NotificationFeed;
import org.l3ha.oslo.OsloClient;
import org.l3ha.oslo.OsloCodec;
import org.l3ha.oslo.OsloSettings;

/**
 * The registry's way to neutron-server through the broker: the settings of the oslo reporter's PID
 * {@code org.l3ha.reporter.oslo} (handed over by the {@code ManagedService} {@link NeutronRegistry}
 * registers), the {@link OsloClient} the RPC calls go through ({@link #client()}, always in call
 * mode) and the {@link NotificationFeed} that hands neutron-server's notifications to
 * {@link NeutronRouters} (a queue of its own, never the agent's). A change of the broker settings
 * replaces the client and the feed; the routers known stay in effect and a full sync follows the new
 * feed's connection. Also what the broker adds to the registry's counters and health.
 *
 * <p><b>Threads.</b> {@link #updated} runs on Config Admin's thread and {@link #close} on DS's;
 * both change the client and the feed under this object's lock. The client and the problem are
 * volatile: the calls (scheduler's thread), the counters and the health read them without the lock;
 * the counters read the feed without it too, for {@code feed_connected} only.
 */
final class BrokerLink {
    /* the registry component's logger: these lines are the component's */
    private static final Logger LOG = LoggerFactory.getLogger(NeutronRegistry.class);

    private final String host;
    private final OsloCodec codec = new OsloCodec();
    private final Object lock = new Object();
    /* written under lock */
    private volatile OsloClient client;
    private volatile OsloSettings broker;
    private volatile String brokerProblem = "waiting for the configuration of PID " + OsloSettings.PID;
    private NeutronRouters routers;
    private NotificationFeed feed;
    private BrokerTls tls;
    private boolean closed;

    BrokerLink(String host) {
        this.host = host;
    }

    /** @return the client the calls go through now, or null while there is no broker to ask */
    OsloClient client() {
        return client;
    }

    /** The registry the feed delivers to; started when the first feed is. Set before {@link #updated}. */
    void deliverTo(NeutronRouters target) {
        synchronized (lock) {
            routers = target;
        }
    }

    /** The oslo reporter's PID, from Config Admin; null when it has none. Never throws. */
    void updated(Dictionary<String, ?> dictionary) {
        Map<String, Object> merged = new HashMap<>();
        merged.put(AgentSettings.HOST, host);
        if (dictionary != null) {
            for (String key : Collections.list(dictionary.keys())) {
                if (OsloSettings.KEYS.contains(key)) {
                    merged.put(key, dictionary.get(key));
                }
            }
        }
        List<String> warnings = new ArrayList<>();
        BrokerSetup loaded;
        try {
            loaded = BrokerSetup.load(merged, warnings);
        } catch (ConfigException e) {
            synchronized (lock) {
                brokerProblem = "broker settings rejected, keeping the previous ones: " + e.getMessage();
            }
            LOG.error("neutron registry: {}; keeping the previous broker settings", e.getMessage());
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (loaded.sameAs(broker, tls)) {
                brokerProblem = null;
                return;
            }
            apply(loaded.settings(), loaded.tls());
        }
    }

    /** Called with the lock held: replaces the client and the feed; the routers stay. */
    private void apply(OsloSettings next, BrokerTls nextTls) {
        NotificationFeed oldFeed = feed;
        OsloClient oldClient = client;
        feed = null;
        broker = next;
        tls = nextTls;
        if (!next.active()) {
            client = null;
            brokerProblem = "transport_url of PID " + OsloSettings.PID + " is not set: no routers from neutron-server";
            LOG.warn("neutron registry: {}", brokerProblem);
        } else {
            brokerProblem = null;
            OsloSettings calls = next.withRpcMode(OsloSettings.RpcMode.CALL);
            client = new OsloClient(NeutronRegistry.NAME, NeutronRegistry.THREAD_PREFIX, calls, nextTls, codec,
                    new OsloClient.Listener() { });
            feed = new NotificationFeed(NeutronRegistry.NAME, NeutronRegistry.THREAD_PREFIX, calls, nextTls, codec,
                    "l3ha_registry." + host, List.of(NeutronRegistry.L3_AGENT_TOPIC + "." + host),
                    List.of(NeutronRegistry.L3_AGENT_TOPIC + "_fanout"), events(routers.events()));
            LOG.info("neutron registry: routers of host {} from neutron-server through {} (exchange {}, topic {})",
                    host, next.transportUrl(), next.controlExchange(), next.topic());
        }
        close(oldFeed);
        close(oldClient);
        if (feed != null) {
            routers.start();
            feed.start();
        }
    }

    /** The feed's deliveries, handed to the registry's logic. */
    static NotificationFeed.Sink events(L3Events routers) {
        return new NotificationFeed.Sink() {
            @Override
            public void connected() {
                routers.connected();
            }

            @Override
            public void disconnected(String cause) {
                routers.disconnected(cause);
            }

            @Override
            public void message(String method, JsonNode args) {
                routers.notification(method, args);
            }
        };
    }

    /**
     * Ends the link for good: no settings are applied any more; {@code beforeClosing} runs after the
     * feed and client are taken out of use and before they are closed.
     */
    void close(Runnable beforeClosing) {
        NotificationFeed f;
        OsloClient c;
        synchronized (lock) {
            closed = true;
            f = feed;
            c = client;
            feed = null;
            client = null;
        }
        beforeClosing.run();
        close(f);
        close(c);
    }

    /** Adds {@code broker_configured} (1 while transport_url is set) and {@code feed_connected}. */
    void counters(Map<String, Long> out) {
        out.put("broker_configured", client != null ? 1L : 0L);
        NotificationFeed f = feed;
        out.put("feed_connected", f != null && f.connected() ? 1L : 0L);
    }

    /** @return the registry's verdict with the broker's problem, if any; CRITICAL without a broker */
    HealthResult check(Supplier<HealthResult> registry) {
        String problem = brokerProblem;
        HealthResult r = registry.get();
        if (problem == null) {
            return r;
        }
        if (client == null) {
            return HealthResult.critical(problem);
        }
        return r.status() == HealthResult.Status.OK ? HealthResult.warn(problem)
                : new HealthResult(r.status(), problem + "; " + r.message());
    }

    private static void close(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("neutron registry: error while closing {}: {}", c.getClass().getSimpleName(), e.toString());
        }
    }
}
