package org.l3ha.api;

import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service told by {@link RouterRegistry} implementations when routers change.
 */
@ConsumerType
public interface RouterRegistryListener {

    /**
     * Called after the registry has changed; {@link RouterRegistry#find(String)} already answers
     * with the new content. Must not block.
     *
     * <p>An id that {@link RouterRegistry#find(String)} no longer finds means that the router has
     * left this node (deleted, or unscheduled from this host): the engine then removes it (its
     * daemons are stopped, it is reported no more, its state file is removed). Only this call
     * says so: a registry that is unbound, or a newly bound one that lacks a router, removes
     * nothing.
     *
     * @param routerIds ids of the routers added, changed or removed
     */
    void routersChanged(Set<String> routerIds);
}
