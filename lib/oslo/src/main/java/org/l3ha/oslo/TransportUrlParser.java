package org.l3ha.oslo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the text of a {@code transport_url} into a {@link TransportUrl} (whose comment gives the
 * syntax). No message it throws contains the password, nor text that may be part of it.
 */
final class TransportUrlParser {
    private TransportUrlParser() {
    }

    /**
     * Parses a transport URL.
     *
     * @throws IllegalArgumentException with a message that says what is wrong and never contains
     *         the password
     */
    static TransportUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("is empty");
        }
        String s = url.trim();
        if (!s.regionMatches(true, 0, TransportUrl.SCHEME, 0, TransportUrl.SCHEME.length())) {
            int colon = s.indexOf("://");
            String scheme = colon > 0 ? s.substring(0, colon) : "";
            if (scheme.equalsIgnoreCase("amqps") || scheme.equalsIgnoreCase("rabbits")) {
                throw new IllegalArgumentException("has scheme '" + scheme + "', which oslo.messaging does not know;"
                        + " write rabbit:// and set ssl = true (or add ?ssl=1) for TLS");
            }
            throw new IllegalArgumentException(scheme.matches("[A-Za-z][A-Za-z0-9+.-]{0,20}")
                    ? "has scheme '" + scheme + "'; only rabbit:// is supported"
                    : "must start with rabbit://");
        }
        String rest = s.substring(TransportUrl.SCHEME.length());
        if (rest.indexOf('#') >= 0) {
            throw new IllegalArgumentException("has a fragment ('#'), which is not supported");
        }
        Map<String, String> options = Map.of();
        int question = rest.indexOf('?', Math.max(0, rest.lastIndexOf('@')));
        if (question >= 0) {
            options = query(rest.substring(question + 1));
            rest = rest.substring(0, question);
        }
        // the authority ends at the first '/' after the last '@' (a '/' in a password must be %2F,
        // but a stray one before the '@' must not end the authority early and leak the password)
        int at = rest.lastIndexOf('@');
        int slash = rest.indexOf('/', at + 1);
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        if (authority.isEmpty()) {
            throw new IllegalArgumentException("has no host");
        }
        String vhost = path.isEmpty() ? TransportUrl.DEFAULT_VHOST : decode(path, "virtual host");
        if (vhost.isEmpty()) {
            vhost = TransportUrl.DEFAULT_VHOST;
        }

        List<TransportUrl.Host> hosts = new ArrayList<>();
        String user = null;
        String pass = null;
        int index = 0;
        for (String member : authority.split(",", -1)) {
            index++;
            if (member.isEmpty()) {
                throw new IllegalArgumentException("has an empty host entry (host " + index + ")");
            }
            int memberAt = member.lastIndexOf('@');
            String hostPort = memberAt < 0 ? member : member.substring(memberAt + 1);
            if (memberAt >= 0) {
                String creds = member.substring(0, memberAt);
                int colon = creds.indexOf(':');
                String u = decode(colon < 0 ? creds : creds.substring(0, colon), "user name of host " + index);
                String p = colon < 0 ? "" : decodeSecret(creds.substring(colon + 1), index);
                if (u.isEmpty()) {
                    throw new IllegalArgumentException("has credentials without a user name (host " + index + ")");
                }
                if (user == null) {
                    user = u;
                    pass = p;
                } else if (!user.equals(u) || !pass.equals(p)) {
                    throw new IllegalArgumentException("gives different credentials for host " + index
                            + "; all hosts of a cluster must use the same user name and password");
                }
            }
            hosts.add(hostPort(hostPort, index));
        }
        return new TransportUrl(hosts, user == null ? TransportUrl.DEFAULT_CREDENTIAL : user,
                pass == null ? TransportUrl.DEFAULT_CREDENTIAL : pass, vhost, options);
    }

    /**
     * The query of a transport URL as oslo.messaging reads it ({@code parse_qs}, then every name
     * must be an option of {@code [oslo_messaging_rabbit]}): only {@link TransportUrl#QUERY_OPTIONS} are
     * supported here, each at most once.
     */
    private static Map<String, String> query(String query) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String pair : query.split("[&;]")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decodeQuery(eq < 0 ? pair : pair.substring(0, eq), "query parameter name");
            String value = eq < 0 ? "" : decodeQuery(pair.substring(eq + 1), "value of query parameter " + name);
            if (!TransportUrl.QUERY_OPTIONS.contains(name)) {
                String shown = name.matches("[A-Za-z0-9_.-]{1,64}") ? "'" + name + "'" : "(unprintable)";
                throw new IllegalArgumentException("has query parameter " + shown + ", which l3ha does not support"
                        + " (only " + String.join(", ", new java.util.TreeSet<>(TransportUrl.QUERY_OPTIONS))
                        + "; set other options as keys of the configuration)");
            }
            if (value.isBlank()) {
                continue; // parse_qs drops blank values
            }
            if (options.putIfAbsent(name, value.trim()) != null) {
                throw new IllegalArgumentException("has query parameter '" + name + "' more than once");
            }
        }
        return options;
    }

    private static String decodeQuery(String s, String what) {
        return decode(s.replace('+', ' '), what);
    }

    private static TransportUrl.Host hostPort(String s, int index) {
        String host;
        String port = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("has an unclosed '[' in host " + index);
            }
            host = s.substring(1, close);
            String after = s.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new IllegalArgumentException("has junk after ']' in host " + index);
                }
                port = after.substring(1);
            }
        } else {
            int colon = s.indexOf(':');
            if (colon >= 0 && s.indexOf(':', colon + 1) >= 0) {
                throw new IllegalArgumentException("has an IPv6 address without brackets in host " + index
                        + " (write [addr]:port)");
            }
            host = colon < 0 ? s : s.substring(0, colon);
            port = colon < 0 ? null : s.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("has an empty host name (host " + index + ")");
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '%')) {
                // not echoed: with an unescaped ',' in a password, this text may be part of it
                throw new IllegalArgumentException("has an invalid character in host " + index);
            }
        }
        int p = TransportUrl.DEFAULT_PORT;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("has an invalid port for host " + index);
            }
        }
        return new TransportUrl.Host(host, p);
    }

    private static String decodeSecret(String s, int index) {
        try {
            return percentDecode(s);
        } catch (IllegalArgumentException e) {
            // the message of percentDecode would show part of the password
            throw new IllegalArgumentException("has a malformed %-escape in the password of host " + index);
        }
    }

    private static String decode(String s, String what) {
        try {
            return percentDecode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("has a malformed %-escape in the " + what);
        }
    }

    /** RFC 3986 percent-decoding to UTF-8; '+' stays '+' (Python's urllib.parse.unquote). */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException("truncated escape");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad escape");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
                    b = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
