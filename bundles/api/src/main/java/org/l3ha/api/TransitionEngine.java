package org.l3ha.api;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The engine's operator-facing side: what it knows of each router, the recent transitions, and
 * the resync entry point (the equivalent of Neutron's {@code check_ha_state_for_router}).
 */
@ProviderType
public interface TransitionEngine {

    /**
     * @param routerId a router id
     * @return the state last applied (or read from the state file) for that router, if any
     */
    Optional<HaState> appliedState(String routerId);

    /**
     * @param routerId a router id
     * @return the router's status, if the engine or the registry knows it
     */
    Optional<RouterStatus> status(String routerId);

    /**
     * @return the status of every router the engine or the registry knows, ordered by router id
     */
    List<RouterStatus> statuses();

    /**
     * @param routerId a router id
     * @param max at most this many
     * @return the router's most recent applied transitions, newest first; the engine keeps a
     *         bounded number of transitions for all routers together, so old ones roll off
     */
    List<Transition> history(String routerId, int max);

    /**
     * Queues the current state of one router for reporting, with no debounce and no data-plane
     * step; a router without a state reports {@link HaState#UNKNOWN}.
     *
     * @param routerId the router id
     * @return {@code true} if the router is known to the registry and its state was queued
     */
    boolean resync(String routerId);

    /**
     * Queues the current state of every router the registry knows, as {@link #resync(String)}.
     *
     * @return the number of routers queued
     */
    int resyncAll();
}
