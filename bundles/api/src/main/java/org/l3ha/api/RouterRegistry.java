package org.l3ha.api;

import java.util.Collection;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The routers this node manages, as neutron-server describes them. Implementations tell
 * {@link RouterRegistryListener} services when routers are added, changed or removed.
 */
@ProviderType
public interface RouterRegistry {

    /**
     * @param routerId a router id
     * @return the router, if this node manages it
     */
    Optional<Router> find(String routerId);

    /**
     * @return a snapshot of every router this node manages
     */
    Collection<Router> all();
}
