package org.l3ha.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Router ids as {@code ../shared/bench/LoadGen.java} makes them (name-based UUIDs of
 * {@code bench-router-<n>}) and router documents for them in neutron-server's shape.
 */
final class RouterDocs {
    private RouterDocs() {
    }

    /** @return router {@code n}'s id, exactly as LoadGen computes it */
    static String id(int n) {
        return UUID.nameUUIDFromBytes(("bench-router-" + n).getBytes(StandardCharsets.UTF_8)).toString();
    }

    static List<String> ids(int count) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(id(i));
        }
        return out;
    }

    private static String uuid(String kind, int n) {
        return UUID.nameUUIDFromBytes((kind + "-" + n).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * A typical IPv4 HA router as neutron-server sends it to an agent: gateway port with one
     * subnet, one internal port with one subnet, the HA port. (No IPv6 subnet, so radvd, were it
     * installed, would have nothing to do.)
     */
    static String document(int n) {
        String id = id(n);
        int a = (n >> 16) & 0xff, b = (n >> 8) & 0xff, c = n & 0xff;
        return "{\n"
                + "  \"id\": \"" + id + "\",\n"
                + "  \"name\": \"bench-router-" + n + "\",\n"
                + "  \"ha\": true,\n"
                + "  \"distributed\": false,\n"
                + "  \"enable_ndp_proxy\": false,\n"
                + "  \"status\": \"ACTIVE\",\n"
                + "  \"gw_port\": {\"id\": \"" + uuid("gw", n) + "\", \"mac_address\": \"fa:16:3e:00:" + hex(b) + ":" + hex(c)
                + "\", \"mtu\": 1500,\n"
                + "    \"fixed_ips\": [{\"subnet_id\": \"" + uuid("ext-subnet", 0) + "\", \"ip_address\": \"198.18." + b + "." + c
                + "\", \"prefixlen\": 16}],\n"
                + "    \"subnets\": [{\"id\": \"" + uuid("ext-subnet", 0) + "\", \"cidr\": \"198.18.0.0/16\", \"gateway_ip\": \"198.18.0.1\","
                + " \"ip_version\": 4, \"ipv6_ra_mode\": null, \"ipv6_address_mode\": null, \"dns_nameservers\": []}]},\n"
                + "  \"_interfaces\": [{\"id\": \"" + uuid("qr", n) + "\", \"mac_address\": \"fa:16:3e:01:" + hex(b) + ":" + hex(c)
                + "\", \"mtu\": 1450,\n"
                + "    \"fixed_ips\": [{\"subnet_id\": \"" + uuid("int-subnet", n) + "\", \"ip_address\": \"10." + a + "." + b
                + "." + (c == 255 ? 254 : c + 0) + "\", \"prefixlen\": 24}],\n"
                + "    \"subnets\": [{\"id\": \"" + uuid("int-subnet", n) + "\", \"cidr\": \"10." + a + "." + b + ".0/24\","
                + " \"gateway_ip\": \"10." + a + "." + b + ".1\", \"ip_version\": 4, \"ipv6_ra_mode\": null,"
                + " \"ipv6_address_mode\": null, \"dns_nameservers\": [\"10." + a + "." + b + ".2\"]}]}],\n"
                + "  \"_ha_interface\": {\"id\": \"" + uuid("ha", n) + "\", \"mac_address\": \"fa:16:3e:02:" + hex(b) + ":" + hex(c)
                + "\", \"mtu\": 1450,\n"
                + "    \"fixed_ips\": [{\"subnet_id\": \"" + uuid("ha-subnet", 0) + "\", \"ip_address\": \"169.254." + (192 + (b & 63))
                + "." + c + "\", \"prefixlen\": 18}],\n"
                + "    \"subnets\": [{\"id\": \"" + uuid("ha-subnet", 0) + "\", \"cidr\": \"169.254.192.0/18\", \"gateway_ip\": null,"
                + " \"ip_version\": 4, \"ipv6_ra_mode\": null, \"ipv6_address_mode\": null, \"dns_nameservers\": []}]}\n"
                + "}\n";
    }

    private static String hex(int v) {
        return String.format("%02x", v);
    }

    /** Writes {@code count} documents {@code <id>.json} into {@code dir}. */
    static void write(Path dir, int count) throws IOException {
        Files.createDirectories(dir);
        for (int i = 0; i < count; i++) {
            Files.writeString(dir.resolve(id(i) + ".json"), document(i), StandardCharsets.UTF_8);
        }
    }
}
