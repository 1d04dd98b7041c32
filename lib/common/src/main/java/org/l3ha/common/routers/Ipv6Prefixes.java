package org.l3ha.common.routers;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Which IPv6 prefixes and addresses radvd can advertise, checked when a document is read so that
 * one bad subnet cannot keep radvd from starting for the whole router (radvd refuses its whole
 * configuration file over one prefix it cannot read).
 *
 * <p>Refused, in this order:
 * <ul>
 * <li>an IPv4-mapped address ({@code ::ffff:0:0/96}, RFC 4291 §2.5.5.2): not an IPv6 prefix;</li>
 * <li>the unspecified address ({@code ::/0}, {@code ::/64}, ...): radvd reads {@code prefix ::/N}
 * as "advertise the interface's own prefixes", not this subnet;</li>
 * <li>an IPv4-compatible address, loopback included (the first 96 bits zero, {@code ::/96},
 * deprecated by RFC 4291 §2.5.5.1);</li>
 * <li>a text form radvd 2.19's configuration scanner does not read (an embedded dotted IPv4 part,
 * or {@code ::} followed by groups at the start, such as {@code ::1:0:0}): radvd stops with
 * "syntax error" (checked with {@code radvd -c -C}).</li>
 * </ul>
 * Stateless and thread-safe.
 */
final class Ipv6Prefixes {

    /* radvd's scanner.l: addr1 | addr2 | addr3 | "::" (case-insensitive, no dotted part) */
    private static final String H = "[0-9A-Fa-f]{1,4}";
    private static final Pattern RADVD_ADDRESS = Pattern.compile(
            H + ":(?:" + H + ":)*(?::" + H + ")+"
            + "|" + H + "(?::" + H + ")*::"
            + "|(?:" + H + ":){7}" + H
            + "|::");
    /* Only hex digits, colons and dots, starting with a hex digit or a colon, a colon somewhere:
     * InetAddress parses it as an IPv6 literal and never looks a name up. */
    private static final Pattern IPV6_CHARS = Pattern.compile("(?=.*:)[0-9a-fA-F:][0-9a-fA-F:.]*");

    private Ipv6Prefixes() {
    }

    /**
     * @param address the address part of an IPv6 CIDR, already known to be an IPv6 literal
     * @return why radvd cannot advertise it as a prefix, or null if it can
     */
    static String prefixProblem(String address) {
        byte[] b = bytes(address);
        if (b == null) {
            return "not an IPv6 address";
        }
        if (mapped(b)) {
            return "an IPv4-mapped address (inside ::ffff:0:0/96), not an IPv6 prefix radvd can advertise";
        }
        if (zeroBits(b, 128)) {
            return "the unspecified address :: (radvd would advertise the interface's own prefixes instead of this subnet)";
        }
        if (zeroBits(b, 96)) {
            return "an IPv4-compatible or loopback address (inside ::/96), not an IPv6 prefix radvd can advertise";
        }
        if (!RADVD_ADDRESS.matcher(address).matches()) {
            return "written in a form radvd cannot read (an embedded IPv4 part, or '::' before the first group)";
        }
        return null;
    }

    /**
     * @param address an IPv6 address (a DNS server radvd would advertise), already known to be an IPv6 literal
     * @return why radvd cannot advertise it, or null if it can
     */
    static String addressProblem(String address) {
        byte[] b = bytes(address);
        if (b == null) {
            return "not an IPv6 address";
        }
        if (mapped(b)) {
            return "an IPv4-mapped address (inside ::ffff:0:0/96), which radvd cannot advertise";
        }
        if (zeroBits(b, 96)) {
            return "an unspecified, loopback or IPv4-compatible address (inside ::/96), which radvd cannot advertise";
        }
        if (!RADVD_ADDRESS.matcher(address).matches()) {
            return "written in a form radvd cannot read (an embedded IPv4 part, or '::' before the first group)";
        }
        return null;
    }

    /** @return the 16 bytes of an IPv6 literal (an IPv4-mapped one included), or null if it is not one */
    static byte[] bytes(String address) {
        if (address == null || !IPV6_CHARS.matcher(address).matches()) {
            return null;
        }
        InetAddress a;
        try {
            a = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            return null;
        }
        byte[] raw = a.getAddress();
        if (a instanceof Inet4Address) {
            // the JDK turns ::ffff:a.b.c.d (and ::ffff:xxxx:xxxx) into an IPv4 address
            byte[] b = new byte[16];
            b[10] = (byte) 0xff;
            b[11] = (byte) 0xff;
            System.arraycopy(raw, 0, b, 12, 4);
            return b;
        }
        return raw;
    }

    private static boolean mapped(byte[] b) {
        return zeroBits(b, 80) && b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    /** @return whether the first {@code bits} bits of {@code b} are zero */
    private static boolean zeroBits(byte[] b, int bits) {
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        int rest = bits % 8;
        return rest == 0 || (b[full] & (0xff << (8 - rest)) & 0xff) == 0;
    }
}
