package org.l3ha.registry.neutron.impl;

import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Router dicts in the shape neutron-server's sync_routers returns them (as in the captured samples beside SamplesTest). */
final class Dicts {
    static final ObjectMapper JSON = new ObjectMapper();

    private Dicts() {
    }

    /** @return the n-th router id of a test: a UUID whose last group is n */
    static String id(int n) {
        return String.format("00000000-0000-4000-8000-%012d", n);
    }

    /** An HA router with a gateway port, one internal IPv4 port and its HA port, as seen by a standby node. */
    static ObjectNode router(String id) {
        return router(id, 1450);
    }

    /** The same, with the internal port's MTU: another MTU is a changed router. */
    static ObjectNode router(String id, int mtu) {
        ObjectNode r = JSON.createObjectNode();
        r.put("id", id);
        r.put("name", "router-" + id.substring(24));
        r.put("admin_state_up", true);
        r.put("status", "ACTIVE");
        r.put("ha", true);
        r.put("ha_vr_id", 1);
        r.put("distributed", false);
        r.put("revision_number", 4);
        r.putNull("gw_port_host");
        r.put("_ha_state", "standby");
        r.putArray("routes");
        String gwPort = uuid(id, "gw");
        r.put("gw_port_id", gwPort);
        ObjectNode info = r.putObject("external_gateway_info");
        info.put("network_id", uuid(id, "ext-net"));
        info.put("enable_snat", true);
        r.set("gw_port", port(gwPort, "network:router_gateway", "198.51.100.7", 24, "198.51.100.0/24", "198.51.100.1", 1500));
        ArrayNode ifs = r.putArray("_interfaces");
        ifs.add(port(uuid(id, "qr"), "network:ha_router_replicated_interface", "10.0.0.1", 24, "10.0.0.0/24", "10.0.0.1", mtu));
        r.set("_ha_interface", port(uuid(id, "ha"), "network:router_ha_interface", "169.254.192.7", 18, "169.254.192.0/18", null, 1450));
        return r;
    }

    static ObjectNode port(String id, String owner, String ip, int prefixlen, String cidr, String gateway, int mtu) {
        ObjectNode p = JSON.createObjectNode();
        p.put("id", id);
        p.put("mac_address", "fa:16:3e:00:00:01");
        p.put("device_owner", owner);
        p.put("binding:host_id", "");
        p.put("status", "DOWN");
        p.put("mtu", mtu);
        String subnet = uuid(id, "subnet");
        ObjectNode ipNode = p.putArray("fixed_ips").addObject();
        ipNode.put("subnet_id", subnet);
        ipNode.put("ip_address", ip);
        ipNode.put("prefixlen", prefixlen);
        ObjectNode s = p.putArray("subnets").addObject();
        s.put("id", subnet);
        s.put("cidr", cidr);
        if (gateway == null) {
            s.putNull("gateway_ip");
        } else {
            s.put("gateway_ip", gateway);
        }
        s.putArray("dns_nameservers");
        s.putNull("ipv6_ra_mode");
        s.putNull("subnetpool_id");
        p.putArray("extra_subnets");
        return p;
    }

    /* derived from the router id: the same router id gives the same dict */
    private static String uuid(String routerId, String role) {
        return UUID.nameUUIDFromBytes((routerId + "/" + role).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }
}
