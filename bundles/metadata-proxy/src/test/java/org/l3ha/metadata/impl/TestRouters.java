package org.l3ha.metadata.impl;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.l3ha.api.FixedIp;
import org.l3ha.api.Port;
import org.l3ha.api.Router;
import org.l3ha.api.Subnet;

/** Plain router documents for tests. */
final class TestRouters {

    record TestRouter(String id, boolean ha, boolean distributed, boolean enableNdpProxy, Optional<Port> gatewayPort,
            List<Port> interfaces, Optional<Port> haInterface) implements Router {
    }

    record TestPort(String id, String macAddress, int mtu, List<FixedIp> fixedIps, List<Subnet> subnets)
            implements Port {
    }

    record TestSubnet(String id, String cidr, int ipVersion, Optional<String> gatewayIp, Optional<String> ipv6RaMode,
            Optional<String> ipv6AddressMode, List<String> dnsNameservers) implements Subnet {
    }

    private TestRouters() {
    }

    static String uuid() {
        return UUID.randomUUID().toString();
    }

    static Subnet v4(String cidr, String gateway) {
        return new TestSubnet(uuid(), cidr, 4, Optional.ofNullable(gateway), Optional.empty(), Optional.empty(),
                List.of());
    }

    static Subnet v6(String cidr, String gateway) {
        return new TestSubnet(uuid(), cidr, 6, Optional.ofNullable(gateway), Optional.empty(), Optional.empty(),
                List.of());
    }

    static Port port(String id, Subnet... subnets) {
        return new TestPort(id, "fa:16:3e:00:00:01", 1500, List.of(), List.of(subnets));
    }

    static Router router(String id, boolean distributed, Port gateway) {
        return new TestRouter(id, true, distributed, false, Optional.ofNullable(gateway), List.of(), Optional.empty());
    }
}
