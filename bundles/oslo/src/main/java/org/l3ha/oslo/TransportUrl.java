package org.l3ha.oslo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An oslo.messaging {@code transport_url} for the RabbitMQ driver:
 * <pre>rabbit://user:pass@host1:5672,user:pass@host2:5672/vhost</pre>
 * One {@code user:pass@host:port} per cluster member, separated by commas; user and password
 * percent-encoded (a {@code @}, {@code :}, {@code ,} or {@code /} in them must be written
 * {@code %40}, {@code %3A}, {@code %2C}, {@code %2F}); port 5672 when absent; IPv6 literals in
 * brackets ({@code [fd00::1]:5672}). The virtual host is the percent-decoded path after the last
 * host; an empty path means {@code /} (as oslo.messaging does), so {@code /%2F} and {@code /} both
 * name the default virtual host.
 *
 * <p>oslo.messaging lets every host carry its own credentials; the RabbitMQ Java client uses one
 * set per connection, so a host without credentials takes those of the hosts that have them, and
 * hosts with different credentials are rejected.
 *
 * <p>A query ({@code ?ssl=1&ssl_ca_file=/etc/ssl/ca.pem}) sets options of
 * {@code [oslo_messaging_rabbit]} that override the configuration, as oslo.messaging does; l3ha
 * accepts the TLS options there ({@link #QUERY_OPTIONS}) and refuses every other one, naming it.
 * Values are decoded as Python's {@code parse_qs} does ({@code +} is a blank, blank values are
 * absent).
 *
 * <p>The password never appears in {@link #toString()}, {@link #redacted()}, in the message of a
 * parse error, or in what {@link #redactPasswords(String)} returns.
 *
 * @param hosts the cluster members, in the order given
 * @param username decoded user name ({@code guest} when the URL has none, as kombu defaults)
 * @param password decoded password ({@code guest} when the URL has none)
 * @param virtualHost decoded virtual host
 * @param options the query's options, decoded, in the order given (empty without a query)
 */
public record TransportUrl(List<Host> hosts, String username, String password, String virtualHost,
        Map<String, String> options) {

    public static final int DEFAULT_PORT = 5672;
    public static final String DEFAULT_VHOST = "/";
    private static final String SCHEME = "rabbit://";
    private static final String DEFAULT_CREDENTIAL = "guest";
    /** What {@link #redactPasswords(String)} puts in place of a password. */
    public static final String REDACTED = "***";
    /** The options of {@code [oslo_messaging_rabbit]} a query may set here (oslo.messaging's names). */
    public static final Set<String> QUERY_OPTIONS = Set.of("ssl", "ssl_version", "ssl_ca_file", "ssl_cert_file",
            "ssl_key_file");

    /** One cluster member. */
    public record Host(String host, int port) {
        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    public TransportUrl {
        hosts = List.copyOf(hosts);
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(virtualHost, "virtualHost");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    TransportUrl(List<Host> hosts, String username, String password, String virtualHost) {
        this(hosts, username, password, virtualHost, Map.of());
    }

    /**
     * Parses a transport URL.
     *
     * @throws IllegalArgumentException with a message that says what is wrong and never contains
     *         the password
     */
    public static TransportUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("is empty");
        }
        String s = url.trim();
        if (!s.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
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
        String rest = s.substring(SCHEME.length());
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
        String vhost = path.isEmpty() ? DEFAULT_VHOST : decode(path, "virtual host");
        if (vhost.isEmpty()) {
            vhost = DEFAULT_VHOST;
        }

        List<Host> hosts = new ArrayList<>();
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
        return new TransportUrl(hosts, user == null ? DEFAULT_CREDENTIAL : user,
                pass == null ? DEFAULT_CREDENTIAL : pass, vhost, options);
    }

    /**
     * The query of a transport URL as oslo.messaging reads it ({@code parse_qs}, then every name
     * must be an option of {@code [oslo_messaging_rabbit]}): only {@link #QUERY_OPTIONS} are
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
            if (!QUERY_OPTIONS.contains(name)) {
                String shown = name.matches("[A-Za-z0-9_.-]{1,64}") ? "'" + name + "'" : "(unprintable)";
                throw new IllegalArgumentException("has query parameter " + shown + ", which l3ha does not support"
                        + " (only " + String.join(", ", new java.util.TreeSet<>(QUERY_OPTIONS))
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

    private static Host hostPort(String s, int index) {
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
        int p = DEFAULT_PORT;
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
        return new Host(host, p);
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
    public static String percentDecode(String s) {
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

    /**
     * A raw {@code transport_url} with everything between {@code rabbit://} and the last
     * {@code @} replaced by {@code ***}, for error messages about a value that could not be parsed.
     */
    public static String redact(String raw) {
        if (raw == null) {
            return "";
        }
        String s = raw.trim();
        int at = s.lastIndexOf('@');
        if (at < 0) {
            return printable(s);
        }
        int scheme = s.indexOf("://");
        int start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
        return printable(s.substring(0, start) + "***" + s.substring(at));
    }

    /**
     * A raw {@code transport_url} as configured, with every password replaced by {@value #REDACTED}
     * and nothing else changed (for {@code config:list}). A value that does not parse is shown as
     * {@link #redact(String)} shows it: everything between the scheme and the last {@code @}
     * hidden.
     *
     * @param raw the configured value; null or blank is returned as it is
     */
    public static String redactPasswords(String raw) {
        if (raw == null || raw.isBlank()) {
            return raw;
        }
        try {
            parse(raw);
        } catch (IllegalArgumentException e) {
            return redact(raw);
        }
        // parse() succeeded, so the authority splits into members exactly as it read them
        String s = raw.trim();
        int schemeEnd = s.indexOf("://") + 3;
        String rest = s.substring(schemeEnd);
        int at = rest.lastIndexOf('@');
        int question = rest.indexOf('?', Math.max(0, at));
        String beforeQuery = question < 0 ? rest : rest.substring(0, question);
        int slash = beforeQuery.indexOf('/', at + 1);
        int end = slash < 0 ? beforeQuery.length() : slash;
        StringBuilder out = new StringBuilder(s.substring(0, schemeEnd));
        String[] members = rest.substring(0, end).split(",", -1);
        for (int i = 0; i < members.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            String member = members[i];
            int memberAt = member.lastIndexOf('@');
            int colon = memberAt < 0 ? -1 : member.indexOf(':');
            if (colon >= 0 && colon < memberAt) {
                out.append(member, 0, colon + 1).append(REDACTED).append(member.substring(memberAt));
            } else {
                out.append(member);
            }
        }
        return printable(out.append(rest.substring(end)).toString());
    }

    /**
     * @return whether the user name or password is {@value #REDACTED}: the value was copied from
     *         a redacted display ({@code config:list}, a log line) and written back
     */
    public boolean holdsRedactedCredentials() {
        return REDACTED.equals(password) || username.contains(REDACTED);
    }

    /** @return the URL with the password replaced by {@code ***} */
    public String redacted() {
        StringBuilder sb = new StringBuilder(SCHEME);
        for (int i = 0; i < hosts.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(username).append(":***@").append(hosts.get(i));
        }
        return sb.append('/').append(DEFAULT_VHOST.equals(virtualHost) ? "" : virtualHost).toString();
    }

    @Override
    public String toString() {
        return redacted();
    }

    /** Replaces control characters, so that a log line stays one line. */
    private static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        return sb.toString();
    }
}
