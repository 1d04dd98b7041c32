package org.l3ha.registry.neutron.impl;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * neutron-server's L3 plugin RPC (topic {@code q-l3-plugin}), as Neutron's L3 agent calls it. The
 * registry calls it from one thread at a time; a call blocks until the reply, a failure, or
 * {@code rpc_response_timeout}.
 */
interface L3PluginRpc {

    /**
     * {@code get_router_ids(host)}.
     *
     * @param host this agent's host name, as it reports itself to neutron-server
     * @return the ids of the routers scheduled to {@code host}; {@code []} for a host that is not a
     *         registered L3 agent (neutron-server raises nothing there)
     * @throws NeutronRpcException if the call failed
     */
    List<String> getRouterIds(String host) throws NeutronRpcException;

    /**
     * {@code sync_routers(host, router_ids)}.
     *
     * @param host this agent's host name
     * @param routerIds the routers wanted; an empty list asks for every router of {@code host}
     * @return the reply as oslo.messaging delivered it: a JSON array of router dicts, one per
     *         requested router that is still scheduled to {@code host} (and administratively up)
     * @throws NeutronRpcException if the call failed; an unregistered host gets kind
     *         {@link NeutronRpcException.Kind#REMOTE} with remote class {@code AgentNotFoundByTypeHost}
     */
    JsonNode syncRouters(String host, List<String> routerIds) throws NeutronRpcException;
}
