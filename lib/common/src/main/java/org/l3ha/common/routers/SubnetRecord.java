package org.l3ha.common.routers;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.l3ha.api.Subnet;

/** Immutable {@link Subnet}. */
public record SubnetRecord(String id, String cidr, int ipVersion, Optional<String> gatewayIp,
        Optional<String> ipv6RaMode, Optional<String> ipv6AddressMode, List<String> dnsNameservers)
        implements Subnet {

    public SubnetRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(cidr, "cidr");
        Objects.requireNonNull(gatewayIp, "gatewayIp");
        Objects.requireNonNull(ipv6RaMode, "ipv6RaMode");
        Objects.requireNonNull(ipv6AddressMode, "ipv6AddressMode");
        dnsNameservers = List.copyOf(dnsNameservers);
    }
}
