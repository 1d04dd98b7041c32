package org.l3ha.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Makes a part of the node follow an applied HA transition (IPv6 sysctls, metadata proxy,
 * radvd, extensions). Registered as a whiteboard service; the engine calls every bound listener
 * for each applied transition, in ascending {@link #ORDER}, and when a router leaves this node
 * ({@link #remove}), in descending {@link #ORDER}.
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

    /**
     * The router has left this node (deleted, or unscheduled from this host): stops what this
     * listener runs for it and deletes the files it wrote for it, as Neutron's agent does when it
     * removes a router. Called once per removal, after the router's last {@link #apply} and never
     * concurrently with one for the same router; no {@link #apply} follows unless the router is
     * added to this node again, when it is applied like a new router. A listener bound after a
     * removal (a hot swap) may be called for a router removed shortly before it was bound.
     *
     * <p>Must be idempotent and must not need the router document: the registry no longer has it.
     * The default does nothing, for listeners that keep nothing per router outside the router's
     * namespace.
     *
     * @param routerId the router id, a lower-case UUID
     * @throws Exception only for a real failure; it is logged with the router id and counted, and
     *         does not stop the other listeners or the rest of the removal
     */
    default void remove(String routerId) throws Exception {
    }
}
