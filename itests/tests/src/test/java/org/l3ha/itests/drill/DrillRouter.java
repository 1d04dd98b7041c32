package org.l3ha.itests.drill;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One HA router of a drill: random router and port ids, Neutron's names for its namespace and
 * devices, its addresses, and the router document neutron-server would send (registry-file's
 * input): an IPv6 SLAAC internal port ({@code qr-}), an IPv4 external gateway port ({@code qg-})
 * and the HA port ({@code ha-}).
 *
 * @param index 1..250: the VRRP router id, the host part of the HA address and the IPv6 prefix number
 */
record DrillRouter(String id, String haPortId, String remoteHaPortId, String qrPortId, String qgPortId, int index) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static DrillRouter random(int index) {
        if (index < 1 || index > 250) {
            throw new IllegalArgumentException("index 1..250: " + index);
        }
        return new DrillRouter(uuid(), uuid(), uuid(), uuid(), uuid(), index);
    }

    private static String uuid() {
        return UUID.randomUUID().toString();
    }

    String namespace() {
        return "qrouter-" + id;
    }

    /** Neutron's device names: prefix + the port id, cut to 14 characters. */
    static String device(String prefix, String portId) {
        return prefix + portId.substring(0, 11);
    }

    String ha() {
        return device("ha-", haPortId);
    }

    /** The remote end of the HA veth: a port of the remote node's HA bridge. */
    String remoteHa() {
        return device("ha-", remoteHaPortId);
    }

    String qr() {
        return device("qr-", qrPortId);
    }

    String qg() {
        return device("qg-", qgPortId);
    }

    int vrid() {
        return index;
    }

    /** The local HA port's address in 169.254.192.0/18. */
    String localHaIp() {
        return "169.254.192." + index;
    }

    /** The internal IPv6 subnet (SLAAC) radvd advertises. */
    String prefix() {
        return String.format("2001:db8:%x::/64", index);
    }

    String gatewayIp6() {
        return String.format("2001:db8:%x::1", index);
    }

    String externalIp() {
        return "203.0.113.10";
    }

    /**
     * The addresses Neutron puts in {@code virtual_ipaddress_excluded}: the internal port's IPv6
     * address and the gateway port's IPv4 address.
     */
    List<String> excludedVips() {
        return List.of(gatewayIp6() + "/64 dev " + qr(), externalIp() + "/24 dev " + qg());
    }

    /** @return the router document as neutron-server sends it to agents (the fields l3ha reads, and a few more) */
    String document() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", id);
        r.put("name", "drill-router-" + index);
        r.put("admin_state_up", true);
        r.put("status", "ACTIVE");
        r.put("ha", true);
        r.put("ha_vr_id", vrid());
        r.put("distributed", false);
        r.put("enable_ndp_proxy", false);
        r.put("gw_port_id", qgPortId);
        r.put("gw_port", port(qgPortId, "network:router_gateway", externalIp(), 24,
                subnet(uuid(), "203.0.113.0/24", "203.0.113.1", 4, null, List.of())));
        List<Object> interfaces = new ArrayList<>();
        interfaces.add(port(qrPortId, "network:ha_router_replicated_interface", gatewayIp6(), 64,
                subnet(uuid(), prefix(), gatewayIp6(), 6, "slaac", List.of("2001:db8::53"))));
        r.put("_interfaces", interfaces);
        r.put("_ha_interface", port(haPortId, "network:router_ha_interface", localHaIp(), 18,
                subnet(uuid(), "169.254.192.0/18", null, 4, null, List.of())));
        r.put("_floatingips", List.of());
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, Object> port(String portId, String owner, String ip, int prefixLen, Map<String, Object> subnet) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", portId);
        p.put("device_owner", owner);
        p.put("mac_address", mac(portId));
        p.put("mtu", 1500);
        Map<String, Object> fixed = new LinkedHashMap<>();
        fixed.put("subnet_id", subnet.get("id"));
        fixed.put("ip_address", ip);
        fixed.put("prefixlen", prefixLen);
        p.put("fixed_ips", List.of(fixed));
        p.put("subnets", List.of(subnet));
        return p;
    }

    private static Map<String, Object> subnet(String subnetId, String cidr, String gateway, int version, String raMode,
            List<String> dns) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("id", subnetId);
        s.put("cidr", cidr);
        s.put("gateway_ip", gateway);
        s.put("ip_version", version);
        s.put("ipv6_ra_mode", raMode);
        s.put("ipv6_address_mode", raMode);
        s.put("dns_nameservers", dns);
        return s;
    }

    private static String mac(String portId) {
        String h = portId.replace("-", "");
        return "fa:16:3e:" + h.substring(0, 2) + ":" + h.substring(2, 4) + ":" + h.substring(4, 6);
    }
}
