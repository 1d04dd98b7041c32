package org.l3ha.registry.neutron.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

import org.l3ha.common.RouterIds;

/**
 * One notification neutron-server cast to L3 agents, decoded: which routers to fetch again or to
 * drop. Messages name JSON paths and types, never values. Stateless.
 *
 * @param method the method if it is one the registry acts on, else null (counted and ignored)
 * @param ids the router ids it names (lower case), in order, without duplicates
 * @param problems one line per id that is not a UUID (skipped), e.g. {@code routers[2]: not a UUID}
 * @param malformed why the arguments could not be read at all, or null
 */
record L3Notification(Method method, List<String> ids, List<String> problems, String malformed) {

    /** The notifications the registry acts on. */
    enum Method {
        /** {@code routers_updated(routers=[ids])}: fetch them again; one not returned is gone. */
        ROUTERS_UPDATED("routers_updated", false),
        /** {@code router_deleted(router_id=id)}: gone. */
        ROUTER_DELETED("router_deleted", true),
        /** {@code router_removed_from_agent(payload={router_id: id})}: no longer scheduled here. */
        ROUTER_REMOVED_FROM_AGENT("router_removed_from_agent", true),
        /** {@code router_added_to_agent(payload=[ids])}: scheduled here, fetch them. */
        ROUTER_ADDED_TO_AGENT("router_added_to_agent", false);

        private final String wireName;
        private final boolean removes;

        Method(String wireName, boolean removes) {
            this.wireName = wireName;
            this.removes = removes;
        }

        /** @return the oslo.messaging method name, also the counter's suffix */
        String wireName() {
            return wireName;
        }

        /** @return whether the routers it names are dropped (else fetched) */
        boolean removes() {
            return removes;
        }

        static Method of(String name) {
            for (Method m : values()) {
                if (m.wireName.equals(name)) {
                    return m;
                }
            }
            return null;
        }
    }

    L3Notification {
        ids = List.copyOf(ids);
        problems = List.copyOf(problems);
    }

    /**
     * @param method the method name as delivered
     * @param args the arguments object as delivered (may be null)
     */
    static L3Notification decode(String method, JsonNode args) {
        Method m = Method.of(method);
        if (m == null) {
            return new L3Notification(null, List.of(), List.of(), null);
        }
        if (args == null || !args.isObject()) {
            return malformed(m, "args: expected an object, got " + kind(args));
        }
        switch (m) {
            case ROUTERS_UPDATED:
                return list(m, args.get("routers"), "routers");
            case ROUTER_ADDED_TO_AGENT:
                return list(m, args.get("payload"), "payload");
            case ROUTER_DELETED:
                return single(m, args.get("router_id"), "router_id");
            case ROUTER_REMOVED_FROM_AGENT:
                JsonNode payload = args.get("payload");
                if (payload == null || !payload.isObject()) {
                    return malformed(m, "payload: expected an object, got " + kind(payload));
                }
                return single(m, payload.get("router_id"), "payload.router_id");
            default:
                throw new IllegalStateException(m.name());
        }
    }

    private static L3Notification list(Method m, JsonNode n, String path) {
        if (n == null || !n.isArray()) {
            return malformed(m, path + ": expected a list of router ids, got " + kind(n));
        }
        List<String> ids = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            String p = path + "[" + i + "]";
            if (!e.isTextual()) {
                problems.add(p + ": expected a router id, got " + kind(e));
            } else if (!RouterIds.isUuid(e.textValue())) {
                problems.add(p + ": not a UUID");
            } else {
                String id = RouterIds.normalize(e.textValue());
                if (!ids.contains(id)) {
                    ids.add(id);
                }
            }
        }
        return new L3Notification(m, ids, problems, null);
    }

    private static L3Notification single(Method m, JsonNode n, String path) {
        if (n == null || !n.isTextual()) {
            return malformed(m, path + ": expected a router id, got " + kind(n));
        }
        if (!RouterIds.isUuid(n.textValue())) {
            return malformed(m, path + ": not a UUID");
        }
        return new L3Notification(m, List.of(RouterIds.normalize(n.textValue())), List.of(), null);
    }

    private static L3Notification malformed(Method m, String why) {
        return new L3Notification(m, List.of(), List.of(), why);
    }

    /** @return the JSON type of {@code n}, for a message */
    static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing";
        }
        switch (n.getNodeType()) {
            case STRING:
                return "a string";
            case NUMBER:
                return "a number";
            case BOOLEAN:
                return "a boolean";
            case ARRAY:
                return "a list";
            case OBJECT:
                return "an object";
            case NULL:
                return "null";
            default:
                return n.getNodeType().name().toLowerCase(Locale.ROOT);
        }
    }
}
