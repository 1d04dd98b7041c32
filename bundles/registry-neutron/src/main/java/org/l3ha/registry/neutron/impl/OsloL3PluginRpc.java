package org.l3ha.registry.neutron.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.l3ha.oslo.OsloClient;
import org.l3ha.oslo.RpcException;

/**
 * {@link L3PluginRpc} over the shared oslo.messaging client: the calls Neutron's L3 agent makes on
 * topic {@code q-l3-plugin}, with the RPC API versions it claims ({@code get_router_ids} 1.9,
 * {@code sync_routers} 1.0). Always calls, whatever the reporter's {@code rpc_mode}: these are
 * questions.
 */
final class OsloL3PluginRpc implements L3PluginRpc {
    static final String GET_ROUTER_IDS_VERSION = "1.9";
    static final String SYNC_ROUTERS_VERSION = "1.0";

    private final Supplier<OsloClient> client;

    /** @param client the client in use; null while {@code transport_url} is not set */
    OsloL3PluginRpc(Supplier<OsloClient> client) {
        this.client = client;
    }

    @Override
    public List<String> getRouterIds(String host) throws NeutronRpcException {
        ObjectNode args = JsonNodeFactory.instance.objectNode();
        args.put("host", host);
        JsonNode reply = call("get_router_ids", GET_ROUTER_IDS_VERSION, args);
        if (!reply.isArray()) {
            throw new NeutronRpcException(NeutronRpcException.Kind.OTHER, "get_router_ids answered "
                    + L3Notification.kind(reply) + ", not a list");
        }
        List<String> ids = new ArrayList<>(reply.size());
        for (JsonNode id : reply) {
            if (!id.isTextual()) {
                throw new NeutronRpcException(NeutronRpcException.Kind.OTHER,
                        "get_router_ids answered a list holding " + L3Notification.kind(id) + ", not only router ids");
            }
            ids.add(id.asText());
        }
        return ids;
    }

    @Override
    public JsonNode syncRouters(String host, List<String> routerIds) throws NeutronRpcException {
        ObjectNode args = JsonNodeFactory.instance.objectNode();
        args.put("host", host);
        ArrayNode ids = args.putArray("router_ids");
        routerIds.forEach(ids::add);
        return call("sync_routers", SYNC_ROUTERS_VERSION, args);
    }

    private JsonNode call(String method, String version, ObjectNode args) throws NeutronRpcException {
        OsloClient c = client.get();
        if (c == null) {
            throw new NeutronRpcException(NeutronRpcException.Kind.CONNECTION,
                    "no broker: transport_url of PID org.l3ha.reporter.oslo is not set");
        }
        try {
            return c.call(method, version, args);
        } catch (RpcException e) {
            if (e.kind() == RpcException.Kind.REMOTE && e.remoteClass().isPresent()) {
                return rethrowRemote(e);
            }
            throw new NeutronRpcException(kind(e.kind()), e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NeutronRpcException(NeutronRpcException.Kind.OTHER, method + " interrupted", e);
        }
    }

    private static JsonNode rethrowRemote(RpcException e) throws NeutronRpcException {
        throw NeutronRpcException.remote(e.remoteClass().get(), e.getMessage());
    }

    static NeutronRpcException.Kind kind(RpcException.Kind k) {
        switch (k) {
            case TIMEOUT:
                return NeutronRpcException.Kind.TIMEOUT;
            case REMOTE:
                return NeutronRpcException.Kind.REMOTE;
            case CONNECTION:
            case TLS:
            case UNROUTABLE:
            case NACKED:
                return NeutronRpcException.Kind.CONNECTION;
            default:
                return NeutronRpcException.Kind.OTHER;
        }
    }
}
