package org.l3ha.registry.neutron.impl;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.common.LogText;
import org.l3ha.common.RouterIds;

/**
 * {@link L3PluginRpc} as the registry calls it for one host: every call counted, every failure a
 * {@link CallFailed} naming the RPC method (an unchecked exception of the client included), and
 * answers checked: get_router_ids' ids must be UUIDs, sync_routers' reply a list.
 */
final class ServerCalls {
    /* the registry's logger: these lines are the registry's */
    private static final Logger LOG = LoggerFactory.getLogger(NeutronRouters.class);

    static final String GET_ROUTER_IDS = "get_router_ids";
    static final String SYNC_ROUTERS = "sync_routers";

    /** A failed call and which RPC method it was. */
    static final class CallFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final String method;
        final NeutronRpcException failure;

        CallFailed(String method, NeutronRpcException failure) {
            super(failure.getMessage(), failure);
            this.method = method;
            this.failure = failure;
        }
    }

    private final String host;
    private final L3PluginRpc rpc;
    private final RegistryStats stats;
    private final AtomicInteger badIdsLogged = new AtomicInteger();

    ServerCalls(String host, L3PluginRpc rpc, RegistryStats stats) {
        this.host = host;
        this.rpc = rpc;
        this.stats = stats;
    }

    /**
     * @return the ids of the routers scheduled to the host: lower case, in order, once each; entries
     *         that are no UUID are left out (logged when their number changes)
     */
    List<String> routerIds() throws CallFailed {
        stats.getRouterIdsCalls.incrementAndGet();
        List<String> raw;
        try {
            raw = rpc.getRouterIds(host);
            if (raw == null) {
                throw new NeutronRpcException(NeutronRpcException.Kind.OTHER, "no answer");
            }
        } catch (NeutronRpcException e) {
            throw new CallFailed(GET_ROUTER_IDS, e);
        } catch (RuntimeException e) {
            throw new CallFailed(GET_ROUTER_IDS, new NeutronRpcException(NeutronRpcException.Kind.OTHER, e.toString(), e));
        }
        Set<String> ids = new LinkedHashSet<>();
        int bad = 0;
        for (String s : raw) {
            if (RouterIds.isUuid(s)) {
                ids.add(RouterIds.normalize(s));
            } else {
                bad++;
            }
        }
        if (badIdsLogged.getAndSet(bad) != bad && bad > 0) {
            LOG.warn("get_router_ids for host {} returned {} entries that are not router ids (UUIDs); ignored",
                    LogText.quote(host, Texts.MAX_SHOWN), bad);
        }
        return new ArrayList<>(ids);
    }

    /** @return sync_routers' reply: a JSON array of router dicts */
    JsonNode syncRouters(List<String> ids) throws CallFailed {
        stats.syncRoutersCalls.incrementAndGet();
        try {
            JsonNode reply = rpc.syncRouters(host, ids);
            if (reply == null || !reply.isArray()) {
                throw new NeutronRpcException(NeutronRpcException.Kind.OTHER,
                        "the reply is not a list of router dicts but " + L3Notification.kind(reply));
            }
            return reply;
        } catch (NeutronRpcException e) {
            throw new CallFailed(SYNC_ROUTERS, e);
        } catch (RuntimeException e) {
            throw new CallFailed(SYNC_ROUTERS, new NeutronRpcException(NeutronRpcException.Kind.OTHER, e.toString(), e));
        }
    }

    /**
     * Asks sync_routers for nothing: it raises AgentNotFoundByTypeHost for a host that is no registered
     * agent (get_router_ids answers {@code []} also for such a host), and returns nothing for a
     * registered host without routers.
     */
    void confirmRegistered() throws CallFailed {
        JsonNode reply = syncRouters(List.of());
        if (reply.size() > 0) {
            LOG.debug("sync_routers(host, []) returned {} routers after get_router_ids returned none; "
                    + "their notifications will bring them", reply.size());
        }
    }
}
