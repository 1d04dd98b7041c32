package org.l3ha.api;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Read-only view of a router document as neutron-server sends it to L3 agents.
 */
@ProviderType
public interface Router {

    /** @return the router id, a lower-case UUID */
    String id();

    /** @return {@code ha}: whether the router is an HA router */
    boolean ha();

    /** @return {@code distributed}: whether the router is a DVR router */
    boolean distributed();

    /** @return {@code enable_ndp_proxy}, false when absent */
    boolean enableNdpProxy();

    /** @return {@code gw_port}: the external gateway port, if the router has one */
    Optional<Port> gatewayPort();

    /** @return {@code _interfaces}: the internal ports, in document order */
    List<Port> interfaces();

    /** @return {@code _ha_interface}: the port on the HA network, if present */
    Optional<Port> haInterface();
}
