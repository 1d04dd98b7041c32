package org.l3ha.oslo;

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
 * {@link TransportUrlParser} reads the text; this record holds the result and shows it, or a raw
 * value, without the password.
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
    static final String SCHEME = "rabbit://";
    static final String DEFAULT_CREDENTIAL = "guest";
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
     * Parses a transport URL ({@link TransportUrlParser}).
     *
     * @throws IllegalArgumentException with a message that says what is wrong and never contains
     *         the password
     */
    public static TransportUrl parse(String url) {
        return TransportUrlParser.parse(url);
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
