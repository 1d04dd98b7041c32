package org.l3ha.common.routers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.l3ha.api.Port;
import org.l3ha.api.Router;
import org.l3ha.api.Subnet;

/** {@link RouterParser#readRouterDict}: one element of a sync_routers reply, as neutron-server sends it. */
class RouterDictTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String ID = "5c8f2a61-3d4e-4b7a-9c10-2e3f4a5b6c7d";

    /** A router dict in the shape neutron-server sends (see the captured samples in registry-neutron's tests) (extra fields, nulls, extra_subnets). */
    static ObjectNode dict() throws Exception {
        try (InputStream in = RouterDictTest.class.getResourceAsStream("neutron-router-dict.json")) {
            return (ObjectNode) JSON.readTree(in);
        }
    }

    static BadDocumentException rejected(JsonNode dict) {
        return assertThrows(BadDocumentException.class, () -> RouterParser.readRouterDict(dict));
    }

    @Test
    void aDictAsNeutronServerSendsItIsReadAndItsExtraFieldsIgnored() throws Exception {
        RouterParser.Parsed p = RouterParser.readRouterDict(dict());
        assertEquals(List.of(), p.skipped());
        Router r = p.router();
        assertEquals(ID, r.id());
        assertTrue(r.ha());
        assertFalse(r.distributed());
        assertFalse(r.enableNdpProxy(), "absent");
        Port gw = r.gatewayPort().orElseThrow();
        assertEquals("0d1c2b3a-4958-4677-8695-a4b3c2d1e0f9", gw.id());
        assertEquals(1500, gw.mtu());
        Subnet gwSubnet = gw.subnets().get(0);
        assertEquals(Optional.empty(), gwSubnet.ipv6RaMode(), "ipv6_ra_mode null on an IPv4 subnet");
        assertEquals(Optional.empty(), gwSubnet.ipv6AddressMode(), "neutron-server does not send it");
        assertEquals(4, gwSubnet.ipVersion(), "from the cidr: neutron-server sends no ip_version");
        assertEquals(2, r.interfaces().size(), "an IPv4 and an IPv6 subnet of one network: two ports");
        Port v6 = r.interfaces().get(1);
        assertEquals(1, v6.subnets().size(), "extra_subnets are not the port's subnets");
        assertEquals(Optional.of("slaac"), v6.subnets().get(0).ipv6RaMode());
        assertEquals(6, v6.subnets().get(0).ipVersion());
        Port ha = r.haInterface().orElseThrow();
        assertEquals("169.254.195.76", ha.fixedIps().get(0).ipAddress());
        assertEquals(18, ha.fixedIps().get(0).prefixLength());
        assertEquals(Optional.empty(), ha.subnets().get(0).gatewayIp(), "gateway_ip null");
    }

    @Test
    void theSameDictReadFromAFileGivesTheSameRouter() throws Exception {
        ObjectNode d = dict();
        assertEquals(RouterParser.readRouterDict(d).router(),
                RouterParser.parse(JSON.writeValueAsString(d).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aRouterWithoutGatewayHasNullGatewayInfoAndNoGwPort() throws Exception {
        ObjectNode d = dict();
        d.putNull("external_gateway_info");
        d.putNull("gw_port_id");
        d.remove("gw_port");
        assertEquals(Optional.empty(), RouterParser.readRouterDict(d).router().gatewayPort());
        d.putNull("gw_port");
        assertEquals(Optional.empty(), RouterParser.readRouterDict(d).router().gatewayPort());
    }

    @Test
    void aPortWithoutFixedIpsMayLackSubnets() throws Exception {
        // neutron-server fills subnets only for ports with fixed IPs (a subnet deleted under a router port)
        ObjectNode d = dict();
        ObjectNode port = (ObjectNode) d.get("_interfaces").get(0);
        port.putArray("fixed_ips");
        port.remove("subnets");
        Port p = RouterParser.readRouterDict(d).router().interfaces().get(0);
        assertEquals(List.of(), p.fixedIps());
        assertEquals(List.of(), p.subnets());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "_interfaces/0 | fixed_ips | _interfaces[0].fixed_ips: missing",
        "_interfaces/1 | subnets   | _interfaces[1].subnets: missing (the port has fixed IPs)",
        "gw_port       | fixed_ips | gw_port.fixed_ips: missing",
        "gw_port       | subnets   | gw_port.subnets: missing (the port has fixed IPs)",
        "_ha_interface | fixed_ips | _ha_interface.fixed_ips: missing",
        "_ha_interface | subnets   | _ha_interface.subnets: missing (the port has fixed IPs)",
        "_ha_interface | id        | _ha_interface.id: missing",
        "gw_port       | id        | gw_port.id: missing",
    })
    void whatAListenerNeedsMissingRejectsTheDictNamingRouterAndField(String portPath, String field, String expected)
            throws Exception {
        ObjectNode d = dict();
        ((ObjectNode) d.at("/" + portPath)).remove(field);
        BadDocumentException e = rejected(d);
        assertEquals(expected, e.getMessage());
        assertEquals(Optional.of(ID), e.routerId());
    }

    @Test
    void aSubnetWithoutCidrOrAFixedIpWithoutAddressIsRejected() throws Exception {
        ObjectNode d = dict();
        ((ObjectNode) d.at("/_interfaces/1/subnets/0")).remove("cidr");
        BadDocumentException e = rejected(d);
        assertEquals("_interfaces[1].subnets[0].cidr: missing", e.getMessage());
        assertEquals(Optional.of(ID), e.routerId());

        ObjectNode d2 = dict();
        ((ObjectNode) d2.at("/gw_port/fixed_ips/0")).putNull("ip_address");
        assertEquals("gw_port.fixed_ips[0].ip_address: missing", rejected(d2).getMessage());
    }

    @Test
    void withoutAUsableIdTheRouterIsNotNamed() throws Exception {
        ObjectNode d = dict();
        d.remove("id");
        BadDocumentException e = rejected(d);
        assertEquals("id: missing", e.getMessage());
        assertEquals(Optional.empty(), e.routerId());
        d.put("id", "router-1");
        assertEquals("id: not a UUID", rejected(d).getMessage());
        assertEquals(Optional.empty(), rejected(d).routerId());
    }

    @Test
    void anElementThatIsNoObjectIsRejected() throws Exception {
        ArrayNode reply = (ArrayNode) JSON.readTree("[null, 42, []]");
        assertEquals("expected a JSON object, got null", rejected(reply.get(0)).getMessage());
        assertEquals("expected a JSON object, got a number", rejected(reply.get(1)).getMessage());
        assertEquals("expected a JSON object, got an array", rejected(reply.get(2)).getMessage());
        assertEquals("expected a JSON object, got nothing", rejected(reply.path(7)).getMessage());
    }

    @Test
    void anUpperCaseIdIsStoredInLowerCase() throws Exception {
        ObjectNode d = dict();
        d.put("id", ID.toUpperCase(java.util.Locale.ROOT));
        assertEquals(ID, RouterParser.readRouterDict(d).router().id());
        ((ObjectNode) d.get("gw_port")).put("mtu", "1500");
        BadDocumentException e = rejected(d);
        assertEquals("gw_port.mtu: expected an integer, got a string", e.getMessage());
        assertEquals(Optional.of(ID), e.routerId(), "the id as stored");
    }

    @Test
    void aFileKeepsItsLenientReadingOfPorts() throws Exception {
        String doc = "{\"id\": \"" + ID + "\", \"gw_port\": {\"id\": \"0d1c2b3a-4958-4677-8695-a4b3c2d1e0f9\"}}";
        Port gw = RouterParser.parse(doc.getBytes(StandardCharsets.UTF_8)).gatewayPort().orElseThrow();
        assertEquals(List.of(), gw.fixedIps());
        BadDocumentException e = rejected(JSON.readTree(doc));
        assertEquals("gw_port.fixed_ips: missing", e.getMessage());
    }

    @Test
    void aFileDocumentNamesItsRouterOnceTheIdIsRead() {
        BadDocumentException e = assertThrows(BadDocumentException.class, () -> RouterParser.parse(
                ("{\"id\": \"" + ID + "\", \"ha\": 1}").getBytes(StandardCharsets.UTF_8)));
        assertEquals("ha: expected true or false, got a number", e.getMessage());
        assertEquals(Optional.of(ID), e.routerId());
    }
}
