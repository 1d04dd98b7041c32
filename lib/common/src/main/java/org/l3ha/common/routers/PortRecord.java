package org.l3ha.common.routers;

import java.util.List;
import java.util.Objects;

import org.l3ha.api.FixedIp;
import org.l3ha.api.Port;
import org.l3ha.api.Subnet;

/** Immutable {@link Port}. */
public record PortRecord(String id, String macAddress, int mtu, List<FixedIp> fixedIps, List<Subnet> subnets)
        implements Port {

    public PortRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(macAddress, "macAddress");
        fixedIps = List.copyOf(fixedIps);
        subnets = List.copyOf(subnets);
    }
}
