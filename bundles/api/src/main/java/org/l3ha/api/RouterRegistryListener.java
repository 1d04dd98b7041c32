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
     * @param routerIds ids of the routers added, changed or removed
     */
    void routersChanged(Set<String> routerIds);
}
