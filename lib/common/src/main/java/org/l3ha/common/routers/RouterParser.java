package org.l3ha.common.routers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.l3ha.api.FixedIp;
import org.l3ha.api.Port;
import org.l3ha.api.Router;
import org.l3ha.api.Subnet;
import org.l3ha.common.LogText;
import org.l3ha.common.RouterIds;

/**
 * Turns one router document (neutron-server's router dict as sent to L3 agents) into an immutable
 * {@link Router}. One job, over ~350 lines because the dict is large: each field it reads (router,
 * ports, fixed IPs, subnets, the HA interface) has its type and presence rules spelled out here,
 * in one place, rather than spread over the records. Both registries read the same shape: {@code registry-file} one document per file
 * ({@link #read(byte[])}), {@code registry-neutron} the elements of a {@code sync_routers} reply
 * ({@link #readRouterDict(JsonNode)}). Unknown fields are ignored (neutron-server adds many:
 * {@code gw_port_host}, {@code _ha_state}, {@code extra_subnets}, {@code binding:host_id},
 * {@code revision_number}, ...), and JSON null is read as absent wherever a field is optional
 * ({@code gw_port_host}, {@code ipv6_ra_mode} of an IPv4 subnet, {@code external_gateway_info} and
 * no {@code gw_port} for a router without gateway). A field of the wrong type, a missing or
 * non-UUID id, or an address that is not an IP literal makes the whole document bad. Stateless
 * and thread-safe.
 *
 * <p><b>A router dict from neutron-server</b> is also rejected when a port lacks what the
 * data-plane listeners need and what neutron-server always sends: {@code fixed_ips} on every port,
 * and {@code subnets} on every port that has fixed IPs (neutron-server fills {@code subnets} only
 * for ports with fixed IPs, so a port without any may lack it). A file of {@code routers_dir} keeps
 * the older, lenient reading (both absent mean empty).
 *
 * <p><b>An IPv6 subnet radvd cannot advertise</b> (its cidr IPv4-mapped, IPv4-compatible, the
 * unspecified address, or written in a form radvd does not read: see {@link Ipv6Prefixes}) does not
 * make the document bad: the router is loaded <em>without that subnet</em>, and the subnet is
 * named in {@link Parsed#skipped()}. Its state changes, state file, reports to neutron-server,
 * IPv4 and metadata proxy keep working, and radvd still runs for its other IPv6 subnets (radvd
 * refuses its whole configuration over one such prefix, so keeping the subnet would stop radvd
 * for every port of the router, and refusing the document would stop managing the router at
 * all). Likewise a DNS server of an IPv6 subnet that radvd could not advertise is left out of
 * that subnet's {@code dns_nameservers}. Everything else wrong in the same subnet still makes the
 * document bad.
 *
 * <p><b>Messages never quote what a document contains</b>: a file that is not JSON is described by
 * the kind of error and its line and column; a bad field by its JSON path and what was expected
 * (the JSON type found, never the value). Only values that passed the IP-literal syntax check
 * (an IPv6 cidr or DNS server that is skipped) are shown, escaped and cut short. A file in
 * {@code routers_dir} is never a link any more, but it may be another file's hard link, and a
 * message must not become a way to read a file one could not read otherwise. Once the router id
 * has been read, {@link BadDocumentException#routerId()} names it.
 */
public final class RouterParser {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    /* Only hex digits, colons and dots, starting with a hex digit or a colon: InetAddress then
     * parses it as an IPv6 literal and never does a name lookup. */
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:][0-9a-fA-F:.]*");

    /** Longest value shown in a message (only values that passed the IP-literal check are shown). */
    private static final int MAX_SHOWN = 50;

    /**
     * A document that could be used.
     *
     * @param router the router, without the subnets and DNS servers that were skipped
     * @param skipped one line per skipped subnet or DNS server: its JSON path, value and why
     */
    public record Parsed(Router router, List<String> skipped) {
        public Parsed {
            skipped = List.copyOf(skipped);
        }
    }

    private RouterParser() {
    }

    /**
     * @param json the document's bytes (UTF-8), a file of {@code routers_dir}
     * @return the router, id in lower case (without skipped subnets, see the class comment)
     * @throws BadDocumentException naming the offending field and why
     */
    public static Router parse(byte[] json) throws BadDocumentException {
        return read(json).router();
    }

    /**
     * @param json the document's bytes (UTF-8), a file of {@code routers_dir}
     * @return the router, id in lower case, and what was skipped (see the class comment)
     * @throws BadDocumentException naming the offending field and why, never quoting the file
     */
    public static Parsed read(byte[] json) throws BadDocumentException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new BadDocumentException("not JSON: " + describe(e));
        } catch (IOException e) {
            throw new BadDocumentException("not JSON: unreadable (" + e.getClass().getSimpleName() + ")");
        }
        if (root == null || root.isMissingNode()) {
            throw new BadDocumentException("empty file");
        }
        return document(root, false);
    }

    /**
     * Reads one router dict of a {@code sync_routers} reply, with the checks of {@link #read(byte[])}
     * and those for a dict from neutron-server (class comment).
     *
     * @param dict one element of the reply's list
     * @return the router, id in lower case, and what was skipped (see the class comment)
     * @throws BadDocumentException naming the offending field (a JSON path inside the dict) and why,
     *         and the router id when it could be read
     */
    public static Parsed readRouterDict(JsonNode dict) throws BadDocumentException {
        if (dict == null || dict.isMissingNode()) {
            throw new BadDocumentException("expected a JSON object, got nothing");
        }
        return document(dict, true);
    }

    private static Parsed document(JsonNode root, boolean fromServer) throws BadDocumentException {
        if (!root.isObject()) {
            throw new BadDocumentException("expected a JSON object, got " + kind(root));
        }
        String id = uuid(root, "id", "id");
        try {
            return router(root, id, fromServer);
        } catch (BadDocumentException e) {
            throw new BadDocumentException(e.getMessage(), id);
        }
    }

    private static Parsed router(JsonNode root, String id, boolean fromServer) throws BadDocumentException {
        boolean ha = bool(root, "ha", "ha");
        boolean distributed = bool(root, "distributed", "distributed");
        boolean ndpProxy = bool(root, "enable_ndp_proxy", "enable_ndp_proxy");
        List<String> skipped = new ArrayList<>();
        Optional<Port> gw = optionalPort(root, "gw_port", skipped, fromServer);
        List<Port> interfaces = new ArrayList<>();
        JsonNode ifs = array(root, "_interfaces", "_interfaces");
        if (ifs != null) {
            for (int i = 0; i < ifs.size(); i++) {
                interfaces.add(port(ifs.get(i), "_interfaces[" + i + "]", skipped, fromServer));
            }
        }
        Optional<Port> haIf = optionalPort(root, "_ha_interface", skipped, fromServer);
        return new Parsed(new RouterRecord(id, ha, distributed, ndpProxy, gw, interfaces, haIf), skipped);
    }

    private static Optional<Port> optionalPort(JsonNode parent, String field, List<String> skipped,
            boolean fromServer) throws BadDocumentException {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        return Optional.of(port(n, field, skipped, fromServer));
    }

    private static Port port(JsonNode n, String path, List<String> skipped, boolean fromServer)
            throws BadDocumentException {
        if (!n.isObject()) {
            throw wrongType(path, "an object", n);
        }
        String id = uuid(n, "id", path + ".id");
        String mac = string(n, "mac_address", path + ".mac_address").orElse("");
        int mtu = integer(n, "mtu", path + ".mtu", 0, 65535);
        List<FixedIp> fixedIps = new ArrayList<>();
        JsonNode ips = array(n, "fixed_ips", path + ".fixed_ips");
        if (ips == null && fromServer) {
            throw new BadDocumentException(path + ".fixed_ips: missing");
        }
        if (ips != null) {
            for (int i = 0; i < ips.size(); i++) {
                fixedIps.add(fixedIp(ips.get(i), path + ".fixed_ips[" + i + "]"));
            }
        }
        List<Subnet> subnets = new ArrayList<>();
        JsonNode sns = array(n, "subnets", path + ".subnets");
        if (sns == null && fromServer && !fixedIps.isEmpty()) {
            throw new BadDocumentException(path + ".subnets: missing (the port has fixed IPs)");
        }
        if (sns != null) {
            for (int i = 0; i < sns.size(); i++) {
                subnet(sns.get(i), path + ".subnets[" + i + "]", skipped).ifPresent(subnets::add);
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

    /** @return the subnet, or empty if it was skipped (then {@code skipped} says why) */
    private static Optional<Subnet> subnet(JsonNode n, String path, List<String> skipped) throws BadDocumentException {
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
                throw new BadDocumentException(path + ".ip_version: must be 4 or 6");
            }
            if (version != derived) {
                throw new BadDocumentException(path + ".ip_version: " + version + " does not match cidr (an IPv"
                        + derived + " prefix)");
            }
        }
        Optional<String> gateway = string(n, "gateway_ip", path + ".gateway_ip");
        if (gateway.isPresent()) {
            ipVersionOf(gateway.get(), path + ".gateway_ip");
        }
        Optional<String> raMode = string(n, "ipv6_ra_mode", path + ".ipv6_ra_mode");
        Optional<String> addressMode = string(n, "ipv6_address_mode", path + ".ipv6_address_mode");
        List<String> dns = new ArrayList<>();
        List<String> dnsSkipped = new ArrayList<>();
        JsonNode servers = array(n, "dns_nameservers", path + ".dns_nameservers");
        if (servers != null) {
            for (int i = 0; i < servers.size(); i++) {
                JsonNode s = servers.get(i);
                String p = path + ".dns_nameservers[" + i + "]";
                if (!s.isTextual()) {
                    throw wrongType(p, "a string", s);
                }
                String server = checkedText(s.textValue(), p);
                int serverVersion = ipVersionOf(server, p);
                String problem = version == 6 && serverVersion == 6 ? Ipv6Prefixes.addressProblem(server) : null;
                if (problem != null) {
                    dnsSkipped.add(p + " " + shown(server) + ": " + problem + "; DNS server skipped");
                } else {
                    dns.add(server);
                }
            }
        }
        if (version == 6) {
            String problem = Ipv6Prefixes.prefixProblem(cidr.substring(0, cidr.lastIndexOf('/')));
            if (problem != null) {
                skipped.add(path + ".cidr " + shown(cidr) + ": " + problem + "; subnet skipped");
                return Optional.empty();
            }
        }
        skipped.addAll(dnsSkipped);
        return Optional.of(new SubnetRecord(id, cidr, version, gateway, raMode, addressMode, dns));
    }

    /* ---- typed field reads: absent or null means "default"; anything else must have the right type ---- */

    private static String uuid(JsonNode parent, String field, String path) throws BadDocumentException {
        String s = string(parent, field, path).orElseThrow(() -> new BadDocumentException(path + ": missing"));
        if (!RouterIds.isUuid(s)) {
            throw new BadDocumentException(path + ": not a UUID");
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
            throw new BadDocumentException(path + ": must be between " + min + " and " + max);
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
                throw new BadDocumentException(path + ": contains a control character (at character " + (i + 1) + ")");
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
        throw new BadDocumentException(path + ": not an IP address");
    }

    private static int cidrVersion(String cidr, String path) throws BadDocumentException {
        int slash = cidr.lastIndexOf('/');
        if (slash < 0) {
            throw new BadDocumentException(path + ": not a CIDR (address/prefix length)");
        }
        int version = ipVersionOf(cidr.substring(0, slash), path);
        String prefix = cidr.substring(slash + 1);
        int max = version == 4 ? 32 : 128;
        if (!prefix.matches("[0-9]{1,3}") || Integer.parseInt(prefix) > max) {
            throw new BadDocumentException(path + ": prefix length must be 0.." + max);
        }
        return version;
    }

    /* ---- messages: never a value from the file, except an address that passed the IP-literal check ---- */

    private static BadDocumentException wrongType(String path, String expected, JsonNode got) {
        return new BadDocumentException(path + ": expected " + expected + ", got " + kind(got));
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
                return n.getNodeType().name().toLowerCase(Locale.ROOT);
        }
    }

    /** An address that passed the IP-literal check, for a message: escaped, short. */
    private static String shown(String address) {
        return LogText.quote(address, MAX_SHOWN);
    }

    /* Jackson's messages quote the document ("Unrecognized token 'rabbit'", "Duplicate field 'x'"):
     * only the kind of error is taken from them, matched against fixed prefixes, never copied. */
    private static final String[][] JSON_ERRORS = {
        {"Unexpected end-of-input", "unexpected end of input"},
        {"Unrecognized token", "unrecognized token"},
        {"Unrecognized character escape", "invalid escape sequence in a string"},
        {"Unexpected close marker", "unbalanced brackets"},
        {"Duplicate field", "duplicate field name"},
        {"Illegal unquoted character", "unescaped control character in a string"},
        {"Illegal character", "illegal character"},
        {"Invalid UTF-8", "invalid UTF-8"},
        {"Invalid numeric value", "invalid number"},
        {"Non-standard token", "non-standard token (NaN or Infinity)"},
        {"Numeric value", "number out of range"},
        {"Trailing token", "more than one JSON value"},
        {"Unexpected character", "unexpected character"},
    };

    /** @return the kind of error and where, e.g. {@code unrecognized token (line 1, column 1)} */
    static String describe(JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        String what = null;
        if (e instanceof JsonEOFException) {
            what = "unexpected end of input";
        } else if (e instanceof StreamConstraintsException) {
            what = "exceeds a size or nesting limit";
        } else if (msg != null) {
            for (String[] known : JSON_ERRORS) {
                if (msg.startsWith(known[0])) {
                    what = known[1];
                    break;
                }
            }
        }
        if (what == null) {
            what = "malformed (" + e.getClass().getSimpleName() + ")";
        }
        JsonLocation loc = e.getLocation();
        if (loc == null) {
            return what;
        }
        if (loc.getLineNr() > 0) {
            return what + " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
        }
        return loc.getByteOffset() >= 0 ? what + " (byte " + loc.getByteOffset() + ")" : what;
    }
}
