package org.l3ha.radvd.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.l3ha.api.FixedIp;
import org.l3ha.api.Port;
import org.l3ha.api.Router;
import org.l3ha.api.Subnet;

/** Router documents for tests, as the registry would hand them over. */
final class TestRouters {

    private TestRouters() {
    }

    record TestSubnet(String id, String cidr, int ipVersion, Optional<String> gatewayIp, Optional<String> ipv6RaMode,
            Optional<String> ipv6AddressMode, List<String> dnsNameservers) implements Subnet {
    }

    record TestPort(String id, String macAddress, int mtu, List<FixedIp> fixedIps, List<Subnet> subnets)
            implements Port {

        TestPort with(Subnet s) {
            List<Subnet> more = new ArrayList<>(subnets);
            more.add(s);
            return new TestPort(id, macAddress, mtu, fixedIps, more);
        }
    }

    record TestRouter(String id, boolean ha, boolean distributed, boolean enableNdpProxy, Optional<Port> gatewayPort,
            List<Port> interfaces, Optional<Port> haInterface) implements Router {
    }

    /** An IPv6 subnet with the given RA mode (null: none) and DNS servers. */
    static TestSubnet v6(String cidr, String raMode, String... dns) {
        return new TestSubnet(UUID.randomUUID().toString(), cidr, 6, Optional.empty(), Optional.ofNullable(raMode),
                Optional.ofNullable(raMode), List.of(dns));
    }

    static TestSubnet v4(String cidr) {
        return new TestSubnet(UUID.randomUUID().toString(), cidr, 4, Optional.empty(), Optional.empty(),
                Optional.empty(), List.of());
    }

    static TestPort port(String id, int mtu, Subnet... subnets) {
        return new TestPort(id, "fa:16:3e:00:00:01", mtu, List.of(), List.of(subnets));
    }

    static TestRouter router(String id, Port... interfaces) {
        return new TestRouter(id, true, false, false, Optional.empty(), List.of(interfaces), Optional.empty());
    }
}
