package org.l3ha.registry.file.impl;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.l3ha.api.FixedIp;
import org.l3ha.api.Port;
import org.l3ha.api.Router;
import org.l3ha.api.Subnet;
import org.l3ha.common.RouterIds;

/**
 * Turns one router document (neutron-server's router dict as sent to L3 agents) into an immutable
 * {@link Router}. Unknown fields are ignored; a field of the wrong type, a missing or non-UUID id,
 * or an address that is not an IP literal makes the whole document bad. Stateless and thread-safe.
 */
final class RouterParser {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    /* Only hex digits, colons and dots, starting with a hex digit or a colon: InetAddress then
     * parses it as an IPv6 literal and never does a name lookup. */
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:][0-9a-fA-F:.]*");

    private RouterParser() {
    }

    /**
     * @param json the document's bytes (UTF-8)
     * @return the router, id in lower case
     * @throws BadDocumentException naming the offending field and why
     */
    static Router parse(byte[] json) throws BadDocumentException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new BadDocumentException("not JSON: " + describe(e));
        } catch (IOException e) {
            throw new BadDocumentException("not JSON: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new BadDocumentException("empty file");
        }
        if (!root.isObject()) {
            throw new BadDocumentException("expected a JSON object, got " + kind(root));
        }
        String id = uuid(root, "id", "id");
        boolean ha = bool(root, "ha", "ha");
        boolean distributed = bool(root, "distributed", "distributed");
        boolean ndpProxy = bool(root, "enable_ndp_proxy", "enable_ndp_proxy");
        Optional<Port> gw = optionalPort(root, "gw_port");
        List<Port> interfaces = new ArrayList<>();
        JsonNode ifs = array(root, "_interfaces", "_interfaces");
        if (ifs != null) {
            for (int i = 0; i < ifs.size(); i++) {
                interfaces.add(port(ifs.get(i), "_interfaces[" + i + "]"));
            }
        }
        Optional<Port> haIf = optionalPort(root, "_ha_interface");
        return new RouterRecord(id, ha, distributed, ndpProxy, gw, interfaces, haIf);
    }

    private static Optional<Port> optionalPort(JsonNode parent, String field) throws BadDocumentException {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        return Optional.of(port(n, field));
    }

    private static Port port(JsonNode n, String path) throws BadDocumentException {
        if (!n.isObject()) {
            throw wrongType(path, "an object", n);
        }
        String id = uuid(n, "id", path + ".id");
        String mac = string(n, "mac_address", path + ".mac_address").orElse("");
        int mtu = integer(n, "mtu", path + ".mtu", 0, 65535);
        List<FixedIp> fixedIps = new ArrayList<>();
        JsonNode ips = array(n, "fixed_ips", path + ".fixed_ips");
        if (ips != null) {
            for (int i = 0; i < ips.size(); i++) {
                fixedIps.add(fixedIp(ips.get(i), path + ".fixed_ips[" + i + "]"));
            }
        }
        List<Subnet> subnets = new ArrayList<>();
        JsonNode sns = array(n, "subnets", path + ".subnets");
        if (sns != null) {
            for (int i = 0; i < sns.size(); i++) {
                subnets.add(subnet(sns.get(i), path + ".subnets[" + i + "]"));
            }
        }
        return new PortRecord(id, mac, mtu, fixedIps, subnets);
    }

    private static FixedIp fixedIp(JsonNode n, String path) throws BadDocumentException {
        if (!n.isObject()) {
            throw wrongType(path, "an object", n);
        }
        String subnetId = string(n, "subnet_id", path + ".subnet_id").orElse("");
        String ip = string(n, "ip_address", path + ".ip_address")
                .orElseThrow(() -> new BadDocumentException(path + ".ip_address: missing"));
        ipVersionOf(ip, path + ".ip_address");
        int prefixLength = integer(n, "prefixlen", path + ".prefixlen", 0, 128);
        return new FixedIpRecord(subnetId, ip, prefixLength);
    }

    private static Subnet subnet(JsonNode n, String path) throws BadDocumentException {
        if (!n.isObject()) {
            throw wrongType(path, "an object", n);
        }
        String id = string(n, "id", path + ".id").orElse("");
        String cidr = string(n, "cidr", path + ".cidr")
                .orElseThrow(() -> new BadDocumentException(path + ".cidr: missing"));
        int derived = cidrVersion(cidr, path + ".cidr");
        int version = derived;
        JsonNode v = n.get("ip_version");
        if (v != null && !v.isNull()) {
            version = integer(n, "ip_version", path + ".ip_version", 0, Integer.MAX_VALUE);
            if (version != 4 && version != 6) {
                throw new BadDocumentException(path + ".ip_version: must be 4 or 6, got " + version);
            }
            if (version != derived) {
                throw new BadDocumentException(path + ".ip_version: " + version + " does not match cidr " + cidr);
            }
        }
        Optional<String> gateway = string(n, "gateway_ip", path + ".gateway_ip");
        if (gateway.isPresent()) {
            ipVersionOf(gateway.get(), path + ".gateway_ip");
        }
        Optional<String> raMode = string(n, "ipv6_ra_mode", path + ".ipv6_ra_mode");
        Optional<String> addressMode = string(n, "ipv6_address_mode", path + ".ipv6_address_mode");
        List<String> dns = new ArrayList<>();
        JsonNode servers = array(n, "dns_nameservers", path + ".dns_nameservers");
        if (servers != null) {
            for (int i = 0; i < servers.size(); i++) {
                JsonNode s = servers.get(i);
                String p = path + ".dns_nameservers[" + i + "]";
                if (!s.isTextual()) {
                    throw wrongType(p, "a string", s);
                }
                String server = checkedText(s.textValue(), p);
                ipVersionOf(server, p);
                dns.add(server);
            }
        }
        return new SubnetRecord(id, cidr, version, gateway, raMode, addressMode, dns);
    }

    /* ---- typed field reads: absent or null means "default"; anything else must have the right type ---- */

    private static String uuid(JsonNode parent, String field, String path) throws BadDocumentException {
        String s = string(parent, field, path).orElseThrow(() -> new BadDocumentException(path + ": missing"));
        if (!RouterIds.isUuid(s)) {
            throw new BadDocumentException(path + ": not a UUID: " + quote(s));
        }
        return RouterIds.normalize(s);
    }

    private static boolean bool(JsonNode parent, String field, String path) throws BadDocumentException {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw wrongType(path, "true or false", n);
        }
        return n.booleanValue();
    }

    private static int integer(JsonNode parent, String field, String path, int min, int max)
            throws BadDocumentException {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return 0;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw wrongType(path, "an integer", n);
        }
        int v = n.intValue();
        if (v < min || v > max) {
            throw new BadDocumentException(path + ": must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }

    private static Optional<String> string(JsonNode parent, String field, String path) throws BadDocumentException {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw wrongType(path, "a string", n);
        }
        return Optional.of(checkedText(n.textValue(), path));
    }

    private static JsonNode array(JsonNode parent, String field, String path) throws BadDocumentException {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            throw wrongType(path, "an array", n);
        }
        return n;
    }

    /* Values end up in configuration files and command lines: no control characters. */
    private static String checkedText(String s, String path) throws BadDocumentException {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                throw new BadDocumentException(path + ": contains a control character: " + quote(s));
            }
        }
        return s;
    }

    /* ---- addresses ---- */

    /** @return 4 or 6 for an IP literal */
    private static int ipVersionOf(String s, String path) throws BadDocumentException {
        if (IPV4.matcher(s).matches()) {
            return 4;
        }
        if (s.indexOf(':') >= 0 && IPV6_CHARS.matcher(s).matches()) {
            try {
                InetAddress.getByName(s);
                return 6;
            } catch (UnknownHostException e) {
                // fall through
            }
        }
        throw new BadDocumentException(path + ": not an IP address: " + quote(s));
    }

    private static int cidrVersion(String cidr, String path) throws BadDocumentException {
        int slash = cidr.lastIndexOf('/');
        if (slash < 0) {
            throw new BadDocumentException(path + ": not a CIDR (address/prefix): " + quote(cidr));
        }
        int version = ipVersionOf(cidr.substring(0, slash), path);
        String prefix = cidr.substring(slash + 1);
        int max = version == 4 ? 32 : 128;
        if (!prefix.matches("[0-9]{1,3}") || Integer.parseInt(prefix) > max) {
            throw new BadDocumentException(path + ": prefix length must be 0.." + max + ": " + quote(cidr));
        }
        return version;
    }

    /* ---- messages ---- */

    private static BadDocumentException wrongType(String path, String expected, JsonNode got) {
        return new BadDocumentException(path + ": expected " + expected + ", got " + kind(got)
                + (got.isValueNode() ? " " + quote(got.asText()) : ""));
    }

    private static String kind(JsonNode n) {
        switch (n.getNodeType()) {
            case STRING:
                return "a string";
            case NUMBER:
                return "a number";
            case BOOLEAN:
                return "a boolean";
            case ARRAY:
                return "an array";
            case OBJECT:
                return "an object";
            case NULL:
                return "null";
            default:
                return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static String describe(JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        int nl = msg == null ? -1 : msg.indexOf('\n');
        if (nl >= 0) {
            msg = msg.substring(0, nl);
        }
        JsonLocation loc = e.getLocation();
        return loc == null ? msg : msg + " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }

    /** Quotes a value for a log line: at most 60 characters, control characters escaped. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        int n = Math.min(s.length(), 60);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append(s.length() > n ? "...\"" : "\"").toString();
    }
}
