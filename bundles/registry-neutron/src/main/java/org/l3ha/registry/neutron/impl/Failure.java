package org.l3ha.registry.neutron.impl;

import java.util.Objects;

/**
 * The last failed call to neutron-server, for the health message and for logging a failure once.
 *
 * @param kind why
 * @param method the RPC method ({@code get_router_ids}, {@code sync_routers})
 * @param remoteClass the class neutron-server raised (escaped), or null
 * @param message the failure's message (escaped, cut short)
 * @param agentNotFound whether neutron-server said this host is not a registered L3 agent
 * @param atMillis when
 */
record Failure(NeutronRpcException.Kind kind, String method, String remoteClass, String message,
        boolean agentNotFound, long atMillis) {

    /** @return whether {@code o} is the same failure again (the time aside) */
    boolean same(Failure o) {
        return o != null && kind == o.kind && method.equals(o.method) && Objects.equals(remoteClass, o.remoteClass)
                && message.equals(o.message);
    }

    /** @return one line saying what failed, e.g. {@code neutron-server unreachable (get_router_ids): ...} */
    String describe() {
        switch (kind) {
            case CONNECTION:
                return "neutron-server unreachable (" + method + "): " + message;
            case TIMEOUT:
                return "neutron-server did not answer " + method + " in time: " + message;
            case REMOTE:
                return "neutron-server raised " + (remoteClass == null ? "an exception" : remoteClass) + " in " + method
                        + ": " + message;
            default:
                return method + " with neutron-server failed: " + message;
        }
    }
}
