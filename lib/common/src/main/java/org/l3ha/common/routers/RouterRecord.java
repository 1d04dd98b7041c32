package org.l3ha.common.routers;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.l3ha.api.Port;
import org.l3ha.api.Router;

/** Immutable {@link Router}; value equality, so an unchanged document is not reported as changed. */
public record RouterRecord(String id, boolean ha, boolean distributed, boolean enableNdpProxy,
        Optional<Port> gatewayPort, List<Port> interfaces, Optional<Port> haInterface) implements Router {

    public RouterRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(gatewayPort, "gatewayPort");
        interfaces = List.copyOf(interfaces);
        Objects.requireNonNull(haInterface, "haInterface");
    }
}
