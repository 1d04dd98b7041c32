package org.l3ha.registry.file.impl;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.l3ha.api.FixedIp;
import org.l3ha.api.Port;
import org.l3ha.api.Router;
import org.l3ha.api.Subnet;

class RouterParserTest {

    static final String ID = "0b2c6e3a-1111-2222-3333-444455556666";

    /** The document of the brief, with real UUIDs for the placeholders and an upper-case router id. */
    static final String FULL = """
            {
              "id": "0B2C6E3A-1111-2222-3333-444455556666", "name": "router1", "ha": true, "distributed": false,
              "enable_ndp_proxy": false, "some_future_field": {"x": [1, 2]},
              "gw_port": {"id": "7d1f0000-aaaa-bbbb-cccc-000000000001", "mac_address": "fa:16:3e:11:22:33", "mtu": 1500,
                "fixed_ips": [{"subnet_id": "aaaaaaaa-0000-0000-0000-000000000001", "ip_address": "203.0.113.10", "prefixlen": 24}],
                "subnets": [{"id": "aaaaaaaa-0000-0000-0000-000000000001", "cidr": "203.0.113.0/24", "gateway_ip": "203.0.113.1",
                             "ip_version": 4, "ipv6_ra_mode": null, "ipv6_address_mode": null, "dns_nameservers": []}]},
              "_interfaces": [{"id": "7d1f0000-aaaa-bbbb-cccc-000000000002", "mac_address": "fa:16:3e:44:55:66", "mtu": 1450,
                "fixed_ips": [{"subnet_id": "aaaaaaaa-0000-0000-0000-000000000002", "ip_address": "2001:db8:1::1", "prefixlen": 64}],
                "subnets": [{"id": "aaaaaaaa-0000-0000-0000-000000000002", "cidr": "2001:db8:1::/64", "gateway_ip": "2001:db8:1::1",
                             "ip_version": 6, "ipv6_ra_mode": "slaac", "ipv6_address_mode": "slaac",
                             "dns_nameservers": ["2001:db8::53"]}]}],
              "_ha_interface": {"id": "7d1f0000-aaaa-bbbb-cccc-000000000003", "mac_address": "fa:16:3e:77:88:99", "mtu": 1450,
                "fixed_ips": [{"ip_address": "169.254.192.1", "prefixlen": 18, "subnet_id": "aaaaaaaa-0000-0000-0000-000000000003"}],
                "subnets": []}
            }
            """;

    static Router parse(String json) throws BadDocumentException {
        return RouterParser.parse(json.getBytes(UTF_8));
    }

    static String reason(String json) {
        return assertThrows(BadDocumentException.class, () -> parse(json)).getMessage();
    }

    @Test
    void fullDocumentFillsEveryAccessor() throws Exception {
        Router r = parse(FULL);
        assertEquals(ID, r.id(), "upper-case id is stored lower-case");
        assertTrue(r.ha());
        assertFalse(r.distributed());
        assertFalse(r.enableNdpProxy());

        Port gw = r.gatewayPort().orElseThrow();
        assertEquals("7d1f0000-aaaa-bbbb-cccc-000000000001", gw.id());
        assertEquals("fa:16:3e:11:22:33", gw.macAddress());
        assertEquals(1500, gw.mtu());
        FixedIp gwIp = gw.fixedIps().get(0);
        assertEquals("aaaaaaaa-0000-0000-0000-000000000001", gwIp.subnetId());
        assertEquals("203.0.113.10", gwIp.ipAddress());
        assertEquals(24, gwIp.prefixLength());
        Subnet gwSubnet = gw.subnets().get(0);
        assertEquals("aaaaaaaa-0000-0000-0000-000000000001", gwSubnet.id());
        assertEquals("203.0.113.0/24", gwSubnet.cidr());
        assertEquals(4, gwSubnet.ipVersion());
        assertEquals(Optional.of("203.0.113.1"), gwSubnet.gatewayIp());
        assertEquals(Optional.empty(), gwSubnet.ipv6RaMode(), "JSON null is an empty Optional");
        assertEquals(Optional.empty(), gwSubnet.ipv6AddressMode());
        assertEquals(List.of(), gwSubnet.dnsNameservers());

        assertEquals(1, r.interfaces().size());
        Port qr = r.interfaces().get(0);
        assertEquals("7d1f0000-aaaa-bbbb-cccc-000000000002", qr.id());
        assertEquals(1450, qr.mtu());
        assertEquals("2001:db8:1::1", qr.fixedIps().get(0).ipAddress());
        assertEquals(64, qr.fixedIps().get(0).prefixLength());
        Subnet v6 = qr.subnets().get(0);
        assertEquals("2001:db8:1::/64", v6.cidr());
        assertEquals(6, v6.ipVersion());
        assertEquals(Optional.of("2001:db8:1::1"), v6.gatewayIp());
        assertEquals(Optional.of("slaac"), v6.ipv6RaMode());
        assertEquals(Optional.of("slaac"), v6.ipv6AddressMode());
        assertEquals(List.of("2001:db8::53"), v6.dnsNameservers());

        Port ha = r.haInterface().orElseThrow();
        assertEquals("7d1f0000-aaaa-bbbb-cccc-000000000003", ha.id());
        assertEquals("169.254.192.1", ha.fixedIps().get(0).ipAddress());
        assertEquals(18, ha.fixedIps().get(0).prefixLength());
        assertEquals("aaaaaaaa-0000-0000-0000-000000000003", ha.fixedIps().get(0).subnetId());
        assertEquals(List.of(), ha.subnets());
    }

    @Test
    void listsAreUnmodifiable() throws Exception {
        Router r = parse(FULL);
        assertThrows(UnsupportedOperationException.class, () -> r.interfaces().clear());
        Port gw = r.gatewayPort().orElseThrow();
        assertThrows(UnsupportedOperationException.class, () -> gw.fixedIps().clear());
        assertThrows(UnsupportedOperationException.class, () -> gw.subnets().clear());
        assertThrows(UnsupportedOperationException.class,
                () -> r.interfaces().get(0).subnets().get(0).dnsNameservers().add("10.0.0.1"));
    }

    @Test
    void sameContentIsEqual() throws Exception {
        assertEquals(parse(FULL), parse(FULL));
        assertFalse(parse(FULL).equals(parse(FULL.replace("\"mtu\": 1500", "\"mtu\": 1400"))));
    }

    @Test
    void minimalDocumentTakesDefaults() throws Exception {
        Router r = parse("{\"id\": \"" + ID + "\"}");
        assertEquals(ID, r.id());
        assertFalse(r.ha());
        assertFalse(r.distributed());
        assertFalse(r.enableNdpProxy());
        assertEquals(Optional.empty(), r.gatewayPort());
        assertEquals(List.of(), r.interfaces());
        assertEquals(Optional.empty(), r.haInterface());
    }

    @Test
    void nullsMeanDefaults() throws Exception {
        Router r = parse("{\"id\": \"" + ID + "\", \"ha\": null, \"gw_port\": null, \"_interfaces\": null,"
                + " \"_ha_interface\": null}");
        assertFalse(r.ha());
        assertEquals(Optional.empty(), r.gatewayPort());
        assertEquals(List.of(), r.interfaces());
        assertEquals(Optional.empty(), r.haInterface());
    }

    @Test
    void minimalPortAndSubnetTakeDefaults() throws Exception {
        Router r = parse("{\"id\": \"" + ID + "\", \"_interfaces\": [{\"id\": \"7d1f0000-aaaa-bbbb-cccc-000000000002\","
                + " \"mac_address\": null, \"subnets\": [{\"cidr\": \"2001:db8::/64\"}, {\"cidr\": \"10.1.0.0/16\","
                + " \"dns_nameservers\": null}]}]}");
        Port p = r.interfaces().get(0);
        assertEquals("", p.macAddress());
        assertEquals(0, p.mtu(), "mtu absent is 0");
        assertEquals(List.of(), p.fixedIps());
        Subnet v6 = p.subnets().get(0);
        assertEquals(6, v6.ipVersion(), "ip_version derived from the CIDR");
        assertEquals("", v6.id());
        assertEquals(Optional.empty(), v6.gatewayIp());
        assertEquals(Optional.empty(), v6.ipv6RaMode());
        assertEquals(List.of(), v6.dnsNameservers(), "dns_nameservers absent is empty");
        assertEquals(4, p.subnets().get(1).ipVersion(), "ip_version derived from the CIDR");
        assertEquals(List.of(), p.subnets().get(1).dnsNameservers());
    }

    @Test
    void fixedIpDefaults() throws Exception {
        Router r = parse("{\"id\": \"" + ID + "\", \"gw_port\": {\"id\": \"7d1f0000-aaaa-bbbb-cccc-000000000001\","
                + " \"fixed_ips\": [{\"ip_address\": \"198.51.100.7\"}]}}");
        FixedIp ip = r.gatewayPort().orElseThrow().fixedIps().get(0);
        assertEquals("", ip.subnetId());
        assertEquals("198.51.100.7", ip.ipAddress());
        assertEquals(0, ip.prefixLength());
    }

    @Test
    void portIdIsNormalised() throws Exception {
        Router r = parse("{\"id\": \"" + ID + "\", \"gw_port\": {\"id\": \"7D1F0000-AAAA-BBBB-CCCC-000000000001\"}}");
        assertEquals("7d1f0000-aaaa-bbbb-cccc-000000000001", r.gatewayPort().orElseThrow().id());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"name\": \"r\"}                                              | id: missing",
        "{\"id\": null}                                                 | id: missing",
        "{\"id\": \"router-1\"}                                         | id: not a UUID",
        "{\"id\": \"0b2c6e3a11112222333344445555666677\"}               | id: not a UUID",
        "{\"id\": 42}                                                   | id: expected a string, got a number",
        "{\"id\": \"ID\", \"ha\": \"yes\"}                              | ha: expected true or false, got a string \"yes\"",
        "{\"id\": \"ID\", \"distributed\": 1}                           | distributed: expected true or false, got a number",
        "{\"id\": \"ID\", \"enable_ndp_proxy\": \"false\"}              | enable_ndp_proxy: expected true or false",
        "{\"id\": \"ID\", \"_interfaces\": {}}                          | _interfaces: expected an array, got an object",
        "{\"id\": \"ID\", \"_interfaces\": [42]}                        | _interfaces[0]: expected an object, got a number",
        "{\"id\": \"ID\", \"gw_port\": []}                              | gw_port: expected an object, got an array",
        "{\"id\": \"ID\", \"gw_port\": {}}                              | gw_port.id: missing",
        "{\"id\": \"ID\", \"_ha_interface\": {\"id\": \"ha-port\"}}     | _ha_interface.id: not a UUID",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"mtu\": \"1500\"}} | gw_port.mtu: expected an integer, got a string",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"mtu\": 1500.5}}   | gw_port.mtu: expected an integer, got a number",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"mtu\": -1}}       | gw_port.mtu: must be between 0 and 65535",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"fixed_ips\": {}}} | gw_port.fixed_ips: expected an array",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"fixed_ips\": [{}]}} | gw_port.fixed_ips[0].ip_address: missing",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"fixed_ips\": [{\"ip_address\": \"host.example\"}]}} | gw_port.fixed_ips[0].ip_address: not an IP address",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"fixed_ips\": [{\"ip_address\": \"10.0.0.256\"}]}} | not an IP address",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"fixed_ips\": [{\"ip_address\": \"2001:db8:::1\"}]}} | not an IP address",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{}]}}  | gw_port.subnets[0].cidr: missing",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{\"cidr\": \"10.0.0.0\"}]}} | cidr: not a CIDR",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{\"cidr\": \"10.0.0.0/33\"}]}} | prefix length must be 0..32",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{\"cidr\": \"10.0.0.0/8\", \"ip_version\": 6}]}} | ip_version: 6 does not match cidr",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{\"cidr\": \"10.0.0.0/8\", \"ip_version\": 5}]}} | ip_version: must be 4 or 6",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{\"cidr\": \"10.0.0.0/8\", \"ip_version\": \"4\"}]}} | ip_version: expected an integer",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{\"cidr\": \"2001:db8::/64\", \"dns_nameservers\": \"2001:db8::53\"}]}} | dns_nameservers: expected an array",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{\"cidr\": \"2001:db8::/64\", \"dns_nameservers\": [53]}]}} | dns_nameservers[0]: expected a string",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{\"cidr\": \"2001:db8::/64\", \"ipv6_ra_mode\": true}]}} | ipv6_ra_mode: expected a string, got a boolean",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{\"cidr\": \"2001:db8::/64\", \"ipv6_ra_mode\": \"slaac\\n}\"}]}} | ipv6_ra_mode: contains a control character",
        "[]                                                             | expected a JSON object, got an array",
        "\"text\"                                                       | expected a JSON object, got a string",
    })
    void badDocumentsAreRejectedWithTheFieldNamed(String json, String expected) {
        String doc = json.replace("\"ID\"", "\"" + ID + "\"").replace("\"PID\"", "\"7d1f0000-aaaa-bbbb-cccc-000000000001\"");
        String reason = reason(doc);
        assertTrue(reason.contains(expected), () -> "reason '" + reason + "' should contain '" + expected + "'");
        assertFalse(reason.contains("\n"), "one line");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "{", "{\"id\": ", "{\"id\": \"" + ID + "\"} {}", "{'id': 1}",
        "{\"id\": \"" + ID + "\", \"id\": \"" + ID + "\"}"})
    void notJson(String json) {
        String reason = reason(json);
        assertTrue(reason.startsWith("not JSON") || reason.equals("empty file"), reason);
        assertFalse(reason.contains("\n"), "one line");
    }

    @Test
    void sampleRouterResourceParses() throws Exception {
        byte[] bytes;
        try (var in = RouterParserTest.class.getResourceAsStream("/sample-router.json")) {
            bytes = in.readAllBytes();
        }
        Router r = RouterParser.parse(bytes);
        assertEquals("7f3c1e2a-5b4d-4c6e-8f90-1a2b3c4d5e6f", r.id());
        assertTrue(r.ha());
        Subnet gw = r.gatewayPort().orElseThrow().subnets().get(0);
        assertEquals(4, gw.ipVersion());
        assertEquals(2, r.interfaces().size());
        Subnet v6 = r.interfaces().get(0).subnets().get(0);
        assertEquals(6, v6.ipVersion());
        assertEquals(Optional.of("slaac"), v6.ipv6RaMode());
        assertEquals(List.of("2001:db8::53", "2001:db8::54"), v6.dnsNameservers());
        assertEquals(4, r.interfaces().get(1).subnets().get(0).ipVersion());
        assertEquals("169.254.192.1", r.haInterface().orElseThrow().fixedIps().get(0).ipAddress());
        assertEquals(Optional.empty(), r.haInterface().orElseThrow().subnets().get(0).gatewayIp());
    }
}
