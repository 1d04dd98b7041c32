package org.l3ha.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Makes a part of the node follow an applied HA transition (IPv6 sysctls, metadata proxy,
 * radvd, extensions). Registered as a whiteboard service; the engine calls every bound listener
 * for each applied transition, in ascending {@link #ORDER}.
 */
@ConsumerType
public interface TransitionListener {

    /**
     * Service property (integer): the position of this listener in the apply sequence, lowest
     * first. l3ha's own listeners use ipv6 = 100, metadata proxy = 200, radvd = 300.
     * Listeners without it run last, in service-id order.
     */
    String ORDER = "l3ha.order";

    /**
     * Applies {@code state} for {@code router}. Must be idempotent: the engine re-applies the
     * persisted state after a restart.
     *
     * @param router the router as the registry knows it
     * @param state the state being applied, never {@link HaState#UNKNOWN}
     * @throws Exception only for a real failure; it is logged with the router id and counted, and
     *         neither stops the other listeners nor the report
     */
    void apply(Router router, HaState state) throws Exception;
}
