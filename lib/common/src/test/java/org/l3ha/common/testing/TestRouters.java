package org.l3ha.common.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.l3ha.api.FixedIp;
import org.l3ha.api.Port;
import org.l3ha.api.Router;
import org.l3ha.api.Subnet;

/** Router documents for tests, as the registry would hand them over. */
public final class TestRouters {

    public record TestRouter(String id, boolean ha, boolean distributed, boolean enableNdpProxy,
            Optional<Port> gatewayPort, List<Port> interfaces, Optional<Port> haInterface) implements Router {
    }

    public record TestPort(String id, String macAddress, int mtu, List<FixedIp> fixedIps, List<Subnet> subnets)
            implements Port {

        /** @return this port with one more subnet */
        public TestPort with(Subnet s) {
            List<Subnet> more = new ArrayList<>(subnets);
            more.add(s);
            return new TestPort(id, macAddress, mtu, fixedIps, more);
        }
    }

    public record TestSubnet(String id, String cidr, int ipVersion, Optional<String> gatewayIp,
            Optional<String> ipv6RaMode, Optional<String> ipv6AddressMode, List<String> dnsNameservers)
            implements Subnet {
    }

    private TestRouters() {
    }

    public static String uuid() {
        return UUID.randomUUID().toString();
    }

    /** An IPv4 subnet with a gateway (null: none). */
    public static TestSubnet v4(String cidr, String gateway) {
        return new TestSubnet(uuid(), cidr, 4, Optional.ofNullable(gateway), Optional.empty(), Optional.empty(), List.of());
    }

    public static TestSubnet v4(String cidr) {
        return v4(cidr, null);
    }

    /** An IPv6 subnet with a gateway (null: none) and no RA mode. */
    public static TestSubnet v6(String cidr, String gateway) {
        return new TestSubnet(uuid(), cidr, 6, Optional.ofNullable(gateway), Optional.empty(), Optional.empty(), List.of());
    }

    /** An IPv6 subnet with the given RA (and address) mode (null: none) and DNS servers. */
    public static TestSubnet ra(String cidr, String raMode, String... dns) {
        return new TestSubnet(uuid(), cidr, 6, Optional.empty(), Optional.ofNullable(raMode), Optional.ofNullable(raMode),
                List.of(dns));
    }

    public static TestPort port(String id, Subnet... subnets) {
        return port(id, 1500, subnets);
    }

    public static TestPort port(String id, int mtu, Subnet... subnets) {
        return new TestPort(id, "fa:16:3e:00:00:01", mtu, List.of(), List.of(subnets));
    }

    /** An HA router with a gateway port (null: none) and no internal port. */
    public static TestRouter router(String id, boolean distributed, Port gateway) {
        return new TestRouter(id, true, distributed, false, Optional.ofNullable(gateway), List.of(), Optional.empty());
    }

    /** An HA router with these internal ports and no gateway. */
    public static TestRouter router(String id, Port... interfaces) {
        return new TestRouter(id, true, false, false, Optional.empty(), List.of(interfaces), Optional.empty());
    }
}
