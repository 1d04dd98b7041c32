package org.l3ha.radvd.impl;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.l3ha.api.Port;
import org.l3ha.api.Subnet;
import org.l3ha.common.Devices;

/**
 * Renders a router's {@code radvd.conf} from its internal ports, as Neutron's L3 agent renders it
 * (docs/behaviour.md §5.1), byte for byte, so that an operator diffing the file written by Neutron and the
 * one written by l3ha sees no difference.
 *
 * <p>One block per internal port that has at least one IPv6 subnet; ports without one are
 * skipped. The blocks are concatenated; each ends with {@code };} and no newline, so the next one
 * starts on the same line ({@code };interface qr-…}), which radvd accepts. Inside a block, in
 * order: {@code AdvSendAdvert on;}, the two intervals, {@code AdvLinkMTU} (port mtu ≥ 1280),
 * {@code AdvOtherConfigFlag on;} (some subnet is {@code dhcpv6-stateless}),
 * {@code AdvManagedFlag on;} (some subnet is {@code dhcpv6-stateful}), {@code RDNSS} with the DNS
 * servers of the {@code slaac} subnets only, first three, then a {@code prefix} block per
 * {@code slaac}/{@code dhcpv6-stateless} subnet ({@code AdvAutonomous on}), one per
 * {@code dhcpv6-stateful} subnet ({@code AdvAutonomous off}), and the route to the IPv6 metadata
 * address {@code fe80::a9fe:a9fe/128}. A subnet without RA mode contributes nothing but still
 * makes its port get a block.
 *
 * <p>Whitespace is Neutron's template rendered by Jinja2 with its defaults: each optional item
 * sits between lines holding only three spaces, the sections are separated by empty lines.
 *
 * <p>Values are checked before they go into the file (port id, CIDR, DNS server), so that a
 * router document cannot inject radvd directives. A prefix radvd would refuse (and with it the
 * whole file, so radvd would not start for any port of the router) is refused here with a message
 * naming the port and the subnet: an IPv4-mapped ({@code ::ffff:0:0/96}) or IPv4-compatible /
 * loopback ({@code ::/96}) address, the unspecified address (radvd reads {@code prefix ::/N} as
 * "the interface's own prefixes"), or a text form radvd 2.19's scanner does not read (an embedded
 * dotted IPv4 part, or {@code ::} followed by groups at the start). The file registry already
 * leaves such subnets out of the routers it loads; this is the last line of defence.
 */
final class RadvdConfFile {

    /** Smallest MTU IPv6 allows; a smaller (or absent, 0) port mtu is not advertised. */
    static final int IPV6_MIN_MTU = 1280;
    /** radvd takes at most three RDNSS servers per option (Neutron's limit too). */
    static final int MAX_RDNSS_ENTRIES = 3;
    static final String SLAAC = "slaac";
    static final String DHCPV6_STATELESS = "dhcpv6-stateless";
    static final String DHCPV6_STATEFUL = "dhcpv6-stateful";
    /** Route to the IPv6 metadata address, in every block. */
    static final String METADATA_ROUTE = "fe80::a9fe:a9fe/128";

    private static final String INDENT = "   ";
    private static final Pattern PORT_ID = Pattern.compile("[0-9A-Za-z][0-9A-Za-z-]*");
    private static final Pattern V6_ADDRESS = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern V6_CIDR = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*/[0-9]{1,3}");
    /* radvd's scanner.l: addr1 | addr2 | addr3 | "::" (no dotted IPv4 part, no "::" before groups at the start) */
    private static final String H = "[0-9A-Fa-f]{1,4}";
    private static final Pattern RADVD_ADDRESS = Pattern.compile(
            H + ":(?:" + H + ":)*(?::" + H + ")+|" + H + "(?::" + H + ")*::|(?:" + H + ":){7}" + H + "|::");

    private RadvdConfFile() {
    }

    /** @return whether some port has an IPv6 subnet (then radvd runs for the router) */
    static boolean hasIpv6(List<? extends Port> ports) {
        for (Port p : ports) {
            for (Subnet s : p.subnets()) {
                if (s.ipVersion() == 6) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * @param ports the router's internal ports, in document order
     * @param minInterval {@code min_rtr_adv_interval}
     * @param maxInterval {@code max_rtr_adv_interval}
     * @return the configuration; empty if no port has an IPv6 subnet
     * @throws IllegalArgumentException if a port id, CIDR or DNS server that would go into the
     *         file is not what it should be (the message names the port and the value)
     */
    static String render(List<? extends Port> ports, int minInterval, int maxInterval) {
        StringBuilder b = new StringBuilder(640 * Math.max(1, ports.size()));
        for (Port p : ports) {
            List<Subnet> v6 = new ArrayList<>(2);
            for (Subnet s : p.subnets()) {
                if (s.ipVersion() == 6) {
                    v6.add(s);
                }
            }
            if (!v6.isEmpty()) {
                block(b, p, v6, minInterval, maxInterval);
            }
        }
        return b.toString();
    }

    private static void block(StringBuilder b, Port port, List<Subnet> v6, int min, int max) {
        String portId = port.id();
        if (portId == null || !PORT_ID.matcher(portId).matches()) {
            throw new IllegalArgumentException("internal port id '" + printable(portId) + "' is not a port id");
        }
        boolean stateless = false;
        boolean stateful = false;
        List<String> autoPrefixes = new ArrayList<>(v6.size());
        List<String> statefulPrefixes = new ArrayList<>(1);
        List<String> dns = new ArrayList<>(MAX_RDNSS_ENTRIES);
        for (Subnet s : v6) {
            String mode = s.ipv6RaMode().orElse(null);
            if (mode == null) {
                continue;
            }
            switch (mode) {
                case SLAAC -> {
                    autoPrefixes.add(cidr(port, s));
                    for (String d : s.dnsNameservers()) {
                        if (dns.size() < MAX_RDNSS_ENTRIES) {
                            dns.add(address(port, d));
                        }
                    }
                }
                case DHCPV6_STATELESS -> {
                    stateless = true;
                    autoPrefixes.add(cidr(port, s));
                }
                case DHCPV6_STATEFUL -> {
                    stateful = true;
                    statefulPrefixes.add(cidr(port, s));
                }
                default -> {
                    // an RA mode Neutron does not know: like Neutron, no flag and no prefix
                }
            }
        }

        b.append("interface ").append(Devices.internal(portId)).append("\n{\n");
        b.append(INDENT).append("AdvSendAdvert on;\n");
        b.append(INDENT).append("MinRtrAdvInterval ").append(min).append(";\n");
        b.append(INDENT).append("MaxRtrAdvInterval ").append(max).append(";\n");
        b.append('\n');
        optional(b, port.mtu() >= IPV6_MIN_MTU ? "AdvLinkMTU " + port.mtu() + ";" : null);
        b.append('\n');
        optional(b, stateless ? "AdvOtherConfigFlag on;" : null);
        b.append('\n');
        optional(b, stateful ? "AdvManagedFlag on;" : null);
        b.append('\n');
        optional(b, dns.isEmpty() ? null : rdnss(dns));
        b.append('\n');
        prefixes(b, autoPrefixes, "on");
        b.append('\n');
        prefixes(b, statefulPrefixes, "off");
        b.append('\n');
        b.append(INDENT).append("route ").append(METADATA_ROUTE).append(" {\n");
        b.append(INDENT).append("};\n");
        b.append("};");
    }

    /** An optional line as the template leaves it: framed by lines of three spaces, or just one such line. */
    private static void optional(StringBuilder b, String line) {
        b.append(INDENT);
        if (line != null) {
            b.append('\n').append(INDENT).append(line).append('\n').append(INDENT);
        }
        b.append('\n');
    }

    /** {@code RDNSS}, then " address " per server, then " {};": two spaces between items. */
    private static String rdnss(List<String> servers) {
        StringBuilder sb = new StringBuilder("RDNSS ");
        for (String s : servers) {
            sb.append(' ').append(s).append(' ');
        }
        return sb.append(" {};").toString();
    }

    private static void prefixes(StringBuilder b, List<String> prefixes, String autonomous) {
        b.append(INDENT);
        for (String p : prefixes) {
            b.append('\n');
            b.append(INDENT).append("prefix ").append(p).append('\n');
            b.append(INDENT).append("{\n");
            b.append("        AdvOnLink on;\n");
            b.append("        AdvAutonomous ").append(autonomous).append(";\n");
            b.append(INDENT).append("};\n");
            b.append(INDENT);
        }
        b.append('\n');
    }

    private static String cidr(Port port, Subnet s) {
        String c = s.cidr();
        if (c == null || !V6_CIDR.matcher(c).matches()) {
            throw new IllegalArgumentException("port " + port.id() + ": subnet cidr '" + printable(c)
                    + "' is not an IPv6 prefix");
        }
        String address = c.substring(0, c.lastIndexOf('/'));
        String problem = prefixProblem(address);
        if (problem != null || Integer.parseInt(c.substring(c.lastIndexOf('/') + 1)) > 128) {
            String subnet = s.id() == null || s.id().isEmpty() ? "without id" : printable(s.id());
            throw new IllegalArgumentException("port " + port.id() + ", subnet " + subnet + ": cidr '" + printable(c)
                    + "' is " + (problem == null ? "not an IPv6 prefix (length over 128)" : problem)
                    + ": radvd cannot advertise it");
        }
        return c;
    }

    /** @return why radvd cannot advertise {@code address} as a prefix, or null if it can */
    private static String prefixProblem(String address) {
        if (address.isEmpty() || address.charAt(0) == '.') {
            return "not an IPv6 address";
        }
        byte[] b;
        try {
            // only hex digits, colons and dots, a colon in it, starting with a hex digit or a colon:
            // the JDK parses it as an IPv6 literal and never looks a name up
            InetAddress a = InetAddress.getByName(address);
            b = a.getAddress();
            if (a instanceof Inet4Address) {
                return "an IPv4-mapped address (inside ::ffff:0:0/96)";   // the JDK unmaps ::ffff:a.b.c.d
            }
        } catch (UnknownHostException e) {
            return "not an IPv6 address";
        }
        boolean zero96 = true;
        for (int i = 0; i < 12; i++) {
            zero96 &= b[i] == 0;
        }
        if (zero96 && b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] == 0) {
            return "the unspecified address (radvd would advertise the interface's own prefixes)";
        }
        if (zero96) {
            return "an IPv4-compatible or loopback address (inside ::/96)";
        }
        if (!RADVD_ADDRESS.matcher(address).matches()) {
            return "written in a form radvd cannot read (an embedded IPv4 part, or '::' before the first group)";
        }
        return null;
    }

    private static String address(Port port, String a) {
        if (a == null || !V6_ADDRESS.matcher(a).matches()) {
            throw new IllegalArgumentException("port " + port.id() + ": DNS server '" + printable(a)
                    + "' of a slaac subnet is not an IPv6 address");
        }
        return a;
    }

    private static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 60));
        for (int i = 0; i < s.length() && i < 60; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return s.length() > 60 ? sb.append("...").toString() : sb.toString();
    }
}
