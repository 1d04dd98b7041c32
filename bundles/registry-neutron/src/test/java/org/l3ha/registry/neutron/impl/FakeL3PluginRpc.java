package org.l3ha.registry.neutron.impl;

import org.l3ha.common.testing.ManualScheduler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * neutron-server's L3 plugin RPC as a test double: the routers scheduled to one host, every call
 * recorded, and failures on demand (by kind, for every call or the next few, or a timeout for
 * sync_routers asking for more than a number of routers). Thread-safe.
 */
final class FakeL3PluginRpc implements L3PluginRpc {

    /** One call: its method, host and the ids it asked for (empty for get_router_ids). */
    record Call(String method, String host, List<String> ids, double at) {
    }

    private final String host;
    private final ManualScheduler clock;
    private final Map<String, ObjectNode> routers = new LinkedHashMap<>();
    private final List<Call> calls = new ArrayList<>();
    private boolean registered = true;
    private NeutronRpcException failAll;
    private int timeoutAbove = Integer.MAX_VALUE;
    private Consumer<Call> duringCall;
    private UnaryOperator<ArrayNode> replyFilter;

    /** @param clock for the time of each call, or null */
    FakeL3PluginRpc(String host, ManualScheduler clock) {
        this.host = host;
        this.clock = clock;
    }

    /* ---- neutron-server's state ---- */

    synchronized FakeL3PluginRpc put(ObjectNode dict) {
        routers.put(dict.get("id").asText(), dict);
        return this;
    }

    synchronized FakeL3PluginRpc putRouters(int from, int to) {
        for (int i = from; i <= to; i++) {
            put(Dicts.router(Dicts.id(i)));
        }
        return this;
    }

    synchronized FakeL3PluginRpc remove(String id) {
        routers.remove(id);
        return this;
    }

    /** @param registered false: this host is no registered L3 agent (get_router_ids [], sync_routers raises) */
    synchronized FakeL3PluginRpc registered(boolean registered) {
        this.registered = registered;
        return this;
    }

    /** @param failure every call fails with it until null is set */
    synchronized FakeL3PluginRpc failAll(NeutronRpcException failure) {
        this.failAll = failure;
        return this;
    }

    /** @param n a sync_routers asking for more than n routers times out */
    synchronized FakeL3PluginRpc timeoutAbove(int n) {
        this.timeoutAbove = n;
        return this;
    }

    /** @param hook runs inside every call after its answer is made (events "while the call is in flight") */
    synchronized FakeL3PluginRpc duringCall(Consumer<Call> hook) {
        this.duringCall = hook;
        return this;
    }

    /** @param filter rewrites every sync_routers reply before it is returned */
    synchronized FakeL3PluginRpc replyFilter(UnaryOperator<ArrayNode> filter) {
        this.replyFilter = filter;
        return this;
    }

    /* ---- what was asked ---- */

    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    synchronized List<Call> calls(String method) {
        return calls.stream().filter(c -> c.method().equals(method)).toList();
    }

    synchronized void clearCalls() {
        calls.clear();
    }

    /* ---- the RPC ---- */

    @Override
    public List<String> getRouterIds(String host) throws NeutronRpcException {
        Call c;
        List<String> answer;
        Consumer<Call> hook;
        synchronized (this) {
            c = record("get_router_ids", host, List.of());
            if (failAll != null) {
                throw failAll;
            }
            answer = registered && this.host.equals(host) ? new ArrayList<>(routers.keySet()) : List.of();
            hook = duringCall;
        }
        if (hook != null) {
            hook.accept(c);
        }
        return answer;
    }

    @Override
    public JsonNode syncRouters(String host, List<String> routerIds) throws NeutronRpcException {
        Call c;
        ArrayNode answer;
        Consumer<Call> hook;
        synchronized (this) {
            c = record("sync_routers", host, List.copyOf(routerIds));
            if (failAll != null) {
                throw failAll;
            }
            if (routerIds.size() > timeoutAbove) {
                throw new NeutronRpcException(NeutronRpcException.Kind.TIMEOUT,
                        "Timed out waiting for a reply to message ID 5a1e0c");
            }
            if (!registered || !this.host.equals(host)) {
                throw NeutronRpcException.remote("AgentNotFoundByTypeHost",
                        "Agent with agent_type=L3 agent and host=" + host + " could not be found");
            }
            answer = Dicts.JSON.createArrayNode();
            for (String id : routerIds.isEmpty() ? routers.keySet() : routerIds) {
                ObjectNode r = routers.get(id);
                if (r != null) {
                    answer.add(r.deepCopy());
                }
            }
            if (replyFilter != null) {
                answer = replyFilter.apply(answer);
            }
            hook = duringCall;
        }
        if (hook != null) {
            hook.accept(c);
        }
        return answer;
    }

    private Call record(String method, String host, List<String> ids) {
        Call c = new Call(method, host, ids, clock == null ? 0 : clock.seconds());
        calls.add(c);
        return c;
    }
}
