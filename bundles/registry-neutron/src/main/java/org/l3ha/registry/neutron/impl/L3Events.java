package org.l3ha.registry.neutron.impl;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What arrives from the notification feed: a queue of the registry's own, bound to the routing
 * keys neutron-server casts L3 agent notifications to (topic {@code l3_agent}: {@code l3_agent.<host>}
 * and the fanout exchange). The feed calls these methods from its own thread; none of them blocks
 * on neutron-server.
 */
interface L3Events {

    /**
     * The feed's queue is bound and consuming, after the first connection or a reconnection:
     * notifications may have been missed, so the registry syncs every router again.
     */
    void connected();

    /**
     * The feed lost its broker connection. The registry keeps its routers and says so in its health
     * until {@link #connected()}.
     *
     * @param cause one line, for the log and health
     */
    void disconnected(String cause);

    /**
     * One notification. Known methods: {@code routers_updated(routers=[ids])},
     * {@code router_deleted(router_id=id)}, {@code router_removed_from_agent(payload={router_id: id})},
     * {@code router_added_to_agent(payload=[ids])}; others are counted and ignored.
     *
     * @param method the oslo.messaging method name
     * @param args its {@code args} object as oslo.messaging delivered it
     */
    void notification(String method, JsonNode args);
}
