package org.l3ha.common.routers;

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
        "{\"id\": \"ID\", \"ha\": \"yes\"}                              | ha: expected true or false, got a string",
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

    /* ---------------------------------------------------------------- nothing of the file in a message */

    @ParameterizedTest
    @ValueSource(strings = {
        "rabbit://guest:S3CRET@rabbit.example:5672/",
        "root:$y$j9T$S3CRET:19000:0:99999:7:::",
        "password = S3CRET",
        "{\"S3CRET\": 1, \"S3CRET\": 2}",
        "{\"a\": S3CRET}",
        "{\"id\": \"0b2c6e3a-1111-2222-3333-444455556666\"} S3CRET",
        "{\"id\": \"S3CRET\n\"}",
        "{\"a\": \"\\S3CRET\"}",
        "{\"a\": 0S3CRET}",
        "[\"S3CRET\"}",
        "{\"a\": NaN, \"S3CRET\": 1}",
        "\"S3CRET",
    })
    void notJsonIsDescribedByTheKindOfErrorAndWhereNeverByWhatIsThere(String content) {
        String reason = reason(content);
        assertTrue(reason.startsWith("not JSON: "), reason);
        assertTrue(reason.matches("not JSON: [a-zA-Z0-9 ()-]+ \\(line [0-9]+, column [0-9]+\\)"), reason);
        assertFalse(reason.contains("S3CRET") || reason.contains("rabbit") || reason.contains("$y$"), reason);
    }

    @Test
    void theKindOfJsonErrorIsNamed() {
        assertTrue(reason("rabbit://guest:x@h/").contains("unrecognized token (line 1, column 1)"), reason("rabbit://x"));
        assertTrue(reason("{\"id\": ").contains("unexpected end of input"), reason("{\"id\": "));
        assertTrue(reason("{\"a\": 1, \"a\": 2}").contains("duplicate field name"), reason("{\"a\": 1, \"a\": 2}"));
        assertTrue(reason("{} {}").contains("more than one JSON value"), reason("{} {}"));
        assertTrue(reason("{\n\"a\": x}").contains("(line 2, column"), reason("{\n\"a\": x}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"id\": \"S3CRET\"}                                              | id: not a UUID",
        "{\"id\": \"ID\", \"ha\": \"S3CRET\"}                              | ha: expected true or false, got a string",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"S3CRET\"}}                 | gw_port.id: not a UUID",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"mtu\": \"S3CRET\"}} | gw_port.mtu: expected an integer, got a string",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"mtu\": 424242}}    | gw_port.mtu: must be between 0 and 65535",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"fixed_ips\": [{\"ip_address\": \"S3CRET\"}]}} | gw_port.fixed_ips[0].ip_address: not an IP address",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{\"cidr\": \"S3CRET\"}]}} | gw_port.subnets[0].cidr: not a CIDR",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{\"cidr\": \"S3CRET/64\"}]}} | gw_port.subnets[0].cidr: not an IP address",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{\"cidr\": \"10.0.0.0/8\", \"ip_version\": 424242}]}} | ip_version: must be 4 or 6",
        "{\"id\": \"ID\", \"gw_port\": {\"id\": \"PID\", \"subnets\": [{\"cidr\": \"2001:db8::/64\", \"ipv6_ra_mode\": \"S3CRET\\u001b\"}]}} | ipv6_ra_mode: contains a control character (at character 7)",
    })
    void aBadFieldIsNamedByItsPathAndItsValueIsNeverShown(String json, String expected) {
        String doc = json.replace("\"ID\"", "\"" + ID + "\"").replace("\"PID\"", "\"7d1f0000-aaaa-bbbb-cccc-000000000001\"");
        String reason = reason(doc);
        assertTrue(reason.contains(expected), () -> "reason '" + reason + "' should contain '" + expected + "'");
        assertFalse(reason.contains("S3CRET") || reason.contains("424242"), reason);
    }

    /* ---------------------------------------------------------------- IPv6 prefixes radvd cannot advertise */

    static String withInternalSubnets(String... subnets) {
        return "{\"id\": \"" + ID + "\", \"_interfaces\": [{\"id\": \"7d1f0000-aaaa-bbbb-cccc-000000000002\","
                + " \"subnets\": [" + String.join(", ", subnets) + "]}]}";
    }

    static String subnet(String cidr, String... dns) {
        return "{\"id\": \"aaaaaaaa-0000-0000-0000-00000000000" + (cidr.length() % 10) + "\", \"cidr\": \"" + cidr
                + "\", \"ipv6_ra_mode\": \"slaac\", \"ipv6_address_mode\": \"slaac\", \"dns_nameservers\": ["
                + (dns.length == 0 ? "" : "\"" + String.join("\", \"", dns) + "\"") + "]}";
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "::ffff:10.0.0.0/104        | an IPv4-mapped address",
        "::ffff:a00:0/104           | an IPv4-mapped address",
        "::FFFF:0:0/96              | an IPv4-mapped address",
        "0:0:0:0:0:ffff:a00:0/104   | an IPv4-mapped address",
        "::ffff:10.0.0.0/64         | an IPv4-mapped address",
        "::10.0.0.0/104             | an IPv4-compatible or loopback address",
        "::a00:0/104                | an IPv4-compatible or loopback address",
        "::1/128                    | an IPv4-compatible or loopback address",
        "::/64                      | the unspecified address",
        "::/0                       | the unspecified address",
        "0::/96                     | the unspecified address",
        "::1:0:0/96                 | written in a form radvd cannot read",
        "::ffff:0:0:0/96            | written in a form radvd cannot read",
        "2001:db8::10.0.0.0/120     | written in a form radvd cannot read",
    })
    void anIpv6SubnetRadvdCannotAdvertiseIsSkippedAndTheRouterLoaded(String cidr, String why) throws Exception {
        RouterParser.Parsed p = RouterParser.read(withInternalSubnets(subnet("2001:db8:1::/64"), subnet(cidr),
                "{\"cidr\": \"10.0.0.0/24\"}").getBytes(UTF_8));
        List<Subnet> kept = p.router().interfaces().get(0).subnets();
        assertEquals(List.of("2001:db8:1::/64", "10.0.0.0/24"), kept.stream().map(Subnet::cidr).toList(),
                "the other subnets are kept");
        assertEquals(1, p.skipped().size(), () -> "skipped: " + p.skipped());
        String line = p.skipped().get(0);
        assertTrue(line.startsWith("_interfaces[0].subnets[1].cidr '" + cidr + "': " + why), line);
        assertTrue(line.endsWith("; subnet skipped"), line);
        assertEquals(p.router(), RouterParser.parse(withInternalSubnets(subnet("2001:db8:1::/64"), subnet(cidr),
                "{\"cidr\": \"10.0.0.0/24\"}").getBytes(UTF_8)), "parse() gives the same router");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2001:db8:1::/64", "2001:DB8:1::/64", "2001:0db8:0001:0000::/64", "fd00:1:2:3::/64",
        "fe80::/64", "2001:db8:1:2:3:4:5:0/112", "2001:db8::1:0:0/96", "100::/64", "64:ff9b::/96", "2001:db8::/128"})
    void ordinaryIpv6SubnetsAreKept(String cidr) throws Exception {
        RouterParser.Parsed p = RouterParser.read(withInternalSubnets(subnet(cidr)).getBytes(UTF_8));
        assertEquals(List.of(), p.skipped());
        assertEquals(cidr, p.router().interfaces().get(0).subnets().get(0).cidr());
    }

    @Test
    void aSubnetOnEveryPortIsCheckedNotOnlyInternalOnes() throws Exception {
        String doc = "{\"id\": \"" + ID + "\", \"gw_port\": {\"id\": \"7d1f0000-aaaa-bbbb-cccc-000000000001\","
                + " \"subnets\": [" + subnet("::ffff:198.51.100.0/120") + "]}, \"_ha_interface\": {\"id\": "
                + "\"7d1f0000-aaaa-bbbb-cccc-000000000003\", \"subnets\": [" + subnet("::/64") + "]}}";
        RouterParser.Parsed p = RouterParser.read(doc.getBytes(UTF_8));
        assertEquals(List.of(), p.router().gatewayPort().orElseThrow().subnets());
        assertEquals(List.of(), p.router().haInterface().orElseThrow().subnets());
        assertEquals(2, p.skipped().size(), () -> "skipped: " + p.skipped());
        assertTrue(p.skipped().get(0).startsWith("gw_port.subnets[0].cidr"), p.skipped().get(0));
        assertTrue(p.skipped().get(1).startsWith("_ha_interface.subnets[0].cidr"), p.skipped().get(1));
    }

    @Test
    void anIpv6DnsServerRadvdCannotAdvertiseIsLeftOutOfItsSubnet() throws Exception {
        RouterParser.Parsed p = RouterParser.read(withInternalSubnets(
                subnet("2001:db8:1::/64", "2001:db8::53", "::ffff:10.0.0.53", "::1", "2001:db8::54")).getBytes(UTF_8));
        Subnet s = p.router().interfaces().get(0).subnets().get(0);
        assertEquals(List.of("2001:db8::53", "2001:db8::54"), s.dnsNameservers());
        assertEquals(2, p.skipped().size(), () -> "skipped: " + p.skipped());
        assertTrue(p.skipped().get(0).startsWith("_interfaces[0].subnets[0].dns_nameservers[1] '::ffff:10.0.0.53': "
                + "an IPv4-mapped address"), p.skipped().get(0));
        assertTrue(p.skipped().get(0).endsWith("; DNS server skipped"), p.skipped().get(0));
        assertTrue(p.skipped().get(1).startsWith("_interfaces[0].subnets[0].dns_nameservers[2] '::1'"), p.skipped().get(1));

        // an IPv4 server on an IPv6 subnet is not this check's business (radvd's listener names it)
        RouterParser.Parsed v4 = RouterParser.read(withInternalSubnets(subnet("2001:db8:1::/64", "192.0.2.53"))
                .getBytes(UTF_8));
        assertEquals(List.of("192.0.2.53"), v4.router().interfaces().get(0).subnets().get(0).dnsNameservers());
        // a skipped subnet reports its cidr only, not its DNS servers as well
        RouterParser.Parsed both = RouterParser.read(withInternalSubnets(subnet("::ffff:0:0/96", "::ffff:10.0.0.53"))
                .getBytes(UTF_8));
        assertEquals(1, both.skipped().size(), () -> "skipped: " + both.skipped());
    }

    @Test
    void anythingElseWrongInTheSameSubnetStillMakesTheDocumentBad() {
        String r = reason(withInternalSubnets("{\"cidr\": \"::ffff:10.0.0.0/104\", \"ip_version\": 4}"));
        assertTrue(r.contains("_interfaces[0].subnets[0].ip_version: 4 does not match cidr"), r);
        String dns = reason(withInternalSubnets("{\"cidr\": \"::ffff:10.0.0.0/104\", \"dns_nameservers\": [53]}"));
        assertTrue(dns.contains("dns_nameservers[0]: expected a string"), dns);
    }

    @Test
    void sampleRouterResourceParses() throws Exception {
        byte[] bytes;
        try (var in = RouterParserTest.class.getResourceAsStream("sample-router.json")) {
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
