package org.l3ha.oslo;

import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigException;
import org.l3ha.common.ConfigReader;
import org.l3ha.common.LogText;

/**
 * The options of PID {@value #PID} (under oslo.messaging's names and defaults) plus the
 * {@code host} of PID {@code org.l3ha.agent}.
 *
 * @param transportUrl {@code transport_url}; null when not set (the reporter is inactive)
 * @param controlExchange {@code control_exchange}: the exchange neutron-server listens on
 * @param topic {@code topic}: the L3 plugin's RPC topic (routing key)
 * @param rpcMode {@code rpc_mode}
 * @param rpcResponseTimeout {@code rpc_response_timeout}: how long a call waits for the reply;
 *        also bounds connecting and every broker operation
 * @param retryInterval {@code rabbit_retry_interval}: first delay before reconnecting
 * @param retryBackoff {@code rabbit_retry_backoff}: added to the delay after each failed attempt
 * @param intervalMax {@code rabbit_interval_max}: longest delay between reconnection attempts
 * @param durable {@code amqp_durable_queues}: the exchange's {@code durable} flag
 * @param autoDelete {@code amqp_auto_delete}: the exchange's {@code auto_delete} flag
 * @param host {@code host} of PID {@code org.l3ha.agent}: the name this agent reports as
 * @param tls {@code ssl}, {@code ssl_version}, {@code ssl_ca_file}, {@code ssl_cert_file},
 *        {@code ssl_key_file} (or their deprecated names, or the transport URL's query)
 */
public record OsloSettings(
        TransportUrl transportUrl,
        String controlExchange,
        String topic,
        RpcMode rpcMode,
        Duration rpcResponseTimeout,
        Duration retryInterval,
        Duration retryBackoff,
        Duration intervalMax,
        boolean durable,
        boolean autoDelete,
        String host,
        TlsOptions tls) {

    public static final String PID = "org.l3ha.reporter.oslo";

    public static final String TRANSPORT_URL = "transport_url";
    public static final String CONTROL_EXCHANGE = "control_exchange";
    public static final String TOPIC = "topic";
    public static final String RPC_MODE = "rpc_mode";
    public static final String RPC_RESPONSE_TIMEOUT = "rpc_response_timeout";
    public static final String RABBIT_RETRY_INTERVAL = "rabbit_retry_interval";
    public static final String RABBIT_RETRY_BACKOFF = "rabbit_retry_backoff";
    public static final String RABBIT_INTERVAL_MAX = "rabbit_interval_max";
    public static final String AMQP_DURABLE_QUEUES = "amqp_durable_queues";
    public static final String AMQP_AUTO_DELETE = "amqp_auto_delete";
    public static final String SSL = "ssl";
    public static final String SSL_VERSION = "ssl_version";
    public static final String SSL_CA_FILE = "ssl_ca_file";
    public static final String SSL_CERT_FILE = "ssl_cert_file";
    public static final String SSL_KEY_FILE = "ssl_key_file";
    /** oslo.messaging's option; l3ha always verifies the host name, so only {@code true} has effect (none). */
    public static final String SSL_ENFORCE_HOSTNAME_VERIFICATION = "ssl_enforce_hostname_verification";

    /**
     * oslo.messaging's deprecated names of the TLS options ({@code impl_rabbit.py},
     * {@code deprecated_name}), to their current names. Accepted with a WARN naming the new name,
     * so that an operator who copies an old {@code neutron.conf} gets TLS.
     */
    public static final Map<String, String> DEPRECATED = Map.of(
            "rabbit_use_ssl", SSL,
            "kombu_ssl_version", SSL_VERSION,
            "kombu_ssl_keyfile", SSL_KEY_FILE,
            "kombu_ssl_certfile", SSL_CERT_FILE,
            "kombu_ssl_ca_certs", SSL_CA_FILE);

    /** Every key of PID {@value #PID} (the deprecated names included). */
    public static final Set<String> KEYS;

    static {
        Set<String> keys = new TreeSet<>(Set.of(TRANSPORT_URL, "control_exchange", "topic", "rpc_mode",
                "rpc_response_timeout", "rabbit_retry_interval", "rabbit_retry_backoff", "rabbit_interval_max",
                "amqp_durable_queues", "amqp_auto_delete", SSL, SSL_VERSION, SSL_CA_FILE, SSL_CERT_FILE,
                SSL_KEY_FILE, SSL_ENFORCE_HOSTNAME_VERIFICATION));
        keys.addAll(DEPRECATED.keySet());
        KEYS = Set.copyOf(keys);
    }

    public static final String DEFAULT_CONTROL_EXCHANGE = "neutron";
    public static final String DEFAULT_TOPIC = "q-l3-plugin";
    public static final String DEFAULT_RPC_MODE = "call";
    public static final int DEFAULT_RPC_RESPONSE_TIMEOUT = 60;
    public static final int DEFAULT_RABBIT_RETRY_INTERVAL = 1;
    public static final int DEFAULT_RABBIT_RETRY_BACKOFF = 2;
    public static final int DEFAULT_RABBIT_INTERVAL_MAX = 30;

    private static final Duration MAX_SECONDS = Duration.ofHours(1);
    /** AMQP short strings (exchange names, routing keys) hold at most 255 bytes. */
    private static final int MAX_NAME_BYTES = 255;

    /** {@code rpc_mode}: wait for neutron-server's reply, or publish with broker confirms only. */
    public enum RpcMode {
        CALL, CAST;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The TLS options. When {@code enabled} is false the others are kept only for the warning that
     * they have no effect.
     *
     * @param enabled {@code ssl}
     * @param version {@code ssl_version} as written (empty: the JVM's default protocols, TLS 1.2 and newer)
     * @param protocols the JSSE protocol names {@code version} allows
     * @param caFile {@code ssl_ca_file}, null: the JVM's default trust store
     * @param certFile {@code ssl_cert_file}, null: no client certificate
     * @param keyFile {@code ssl_key_file}, null: the key is in {@code certFile}, or no client certificate
     */
    public record TlsOptions(boolean enabled, String version, List<String> protocols, Path caFile, Path certFile,
            Path keyFile) {
        public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
        public static final TlsOptions OFF = new TlsOptions(false, "", DEFAULT_PROTOCOLS, null, null, null);

        public TlsOptions {
            protocols = List.copyOf(protocols);
        }
    }

    /** @return whether {@code transport_url} is set, i.e. the reporter has somewhere to report to */
    public boolean active() {
        return transportUrl != null;
    }

    /**
     * Parses and validates the merged properties of PIDs {@code org.l3ha.agent} and {@value #PID};
     * warnings are dropped (tests).
     *
     * @throws ConfigException naming every bad key and value
     */
    public static OsloSettings parse(Map<String, ?> props) {
        return parse(props, new ArrayList<>());
    }

    /**
     * Parses and validates the merged properties of PIDs {@code org.l3ha.agent} and {@value #PID}.
     * Reads no file: the TLS files are read by {@link BrokerTls#load}.
     *
     * @param warnings receives one line per thing the operator should change although it works
     *        (a deprecated name, TLS options that have no effect), escaped for a log line
     * @throws ConfigException naming every bad key and value (a bad {@code transport_url} is
     *         shown with its credentials replaced by {@code ***})
     */
    public static OsloSettings parse(Map<String, ?> props, List<String> warnings) {
        AgentSettings agent = AgentSettings.parse(props);
        ConfigReader r = new ConfigReader(PID, props);

        TransportUrl url = null;
        String rawUrl = r.raw(TRANSPORT_URL);
        if (rawUrl != null) {
            try {
                url = TransportUrl.parse(rawUrl);
                if (url.holdsRedactedCredentials()) {
                    r.problem(TRANSPORT_URL, TransportUrl.redactPasswords(rawUrl), "holds the redacted password '"
                            + TransportUrl.REDACTED + "' instead of the real one (copied from what config:list or a"
                            + " log line shows?); write the real password");
                    url = null;
                }
            } catch (IllegalArgumentException e) {
                r.problem(TRANSPORT_URL, TransportUrl.redact(rawUrl), e.getMessage());
            }
        }
        TlsOptions tls = tls(r, url, warnings);
        String exchange = name(r, CONTROL_EXCHANGE, DEFAULT_CONTROL_EXCHANGE);
        String topic = name(r, TOPIC, DEFAULT_TOPIC);
        RpcMode mode = RpcMode.valueOf(r.choice(RPC_MODE, DEFAULT_RPC_MODE, Set.of("call", "cast"))
                .toUpperCase(java.util.Locale.ROOT));
        Duration timeout = positive(r, RPC_RESPONSE_TIMEOUT, DEFAULT_RPC_RESPONSE_TIMEOUT);
        Duration interval = positive(r, RABBIT_RETRY_INTERVAL, DEFAULT_RABBIT_RETRY_INTERVAL);
        Duration backoff = r.seconds(RABBIT_RETRY_BACKOFF, Duration.ofSeconds(DEFAULT_RABBIT_RETRY_BACKOFF), MAX_SECONDS);
        Duration max = positive(r, RABBIT_INTERVAL_MAX, DEFAULT_RABBIT_INTERVAL_MAX);
        if (max.compareTo(interval) < 0) {
            r.problem(RABBIT_INTERVAL_MAX, r.raw(RABBIT_INTERVAL_MAX) == null ? String.valueOf(max.toSeconds())
                    : r.raw(RABBIT_INTERVAL_MAX), "must not be less than " + RABBIT_RETRY_INTERVAL);
        }
        boolean durable = r.bool(AMQP_DURABLE_QUEUES, false);
        boolean autoDelete = r.bool(AMQP_AUTO_DELETE, false);
        r.done();
        if (url != null && !tls.enabled()) {
            List<String> ignored = new ArrayList<>();
            for (String key : List.of(SSL_VERSION, SSL_CA_FILE, SSL_CERT_FILE, SSL_KEY_FILE)) {
                if (option(r, url, key) != null) {
                    ignored.add(key);
                }
            }
            if (!ignored.isEmpty()) {
                warnings.add("oslo reporter: " + String.join(", ", ignored) + " set but ssl is false: connecting to "
                        + url + " WITHOUT TLS; set ssl = true to use TLS");
            }
        }
        return new OsloSettings(url, exchange, topic, mode, timeout, interval, backoff, max, durable, autoDelete,
                agent.host(), tls);
    }

    /** The TLS options, from the keys (or their deprecated names), overridden by the URL's query as oslo does. */
    private static TlsOptions tls(ConfigReader r, TransportUrl url, List<String> warnings) {
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(DEPRECATED).entrySet()) {
            deprecated(r, e.getKey(), e.getValue(), warnings);
        }
        String sslRaw = option(r, url, SSL);
        boolean enabled = false;
        if (sslRaw != null) {
            Boolean b = osloBool(sslRaw);
            if (b == null) {
                r.problem(keyOf(r, url, SSL), sslRaw, "must be true or false (oslo.config also takes 1/0, yes/no, on/off)");
            } else {
                enabled = b;
            }
        }
        String hostnameRaw = r.raw(SSL_ENFORCE_HOSTNAME_VERIFICATION);
        if (hostnameRaw != null) {
            Boolean b = osloBool(hostnameRaw);
            if (b == null) {
                r.problem(SSL_ENFORCE_HOSTNAME_VERIFICATION, hostnameRaw, "must be true or false");
            } else if (!b) {
                warnings.add("oslo reporter: " + SSL_ENFORCE_HOSTNAME_VERIFICATION + " = false is ignored: l3ha always"
                        + " verifies that the broker's certificate names the host it connects to");
            }
        }
        String version = option(r, url, SSL_VERSION);
        List<String> protocols = TlsOptions.DEFAULT_PROTOCOLS;
        if (version != null) {
            switch (version.toLowerCase(Locale.ROOT).replace('.', '_')) {
                case "tlsv1_2":
                    protocols = List.of("TLSv1.2");
                    break;
                case "tlsv1_3":
                    protocols = List.of("TLSv1.3");
                    break;
                case "sslv23":
                case "tls":
                    break; // oslo's "negotiate the highest both sides know"
                case "tlsv1":
                case "tlsv1_0":
                case "tlsv1_1":
                case "sslv2":
                case "sslv3":
                    r.problem(keyOf(r, url, SSL_VERSION), version, "is insecure and not supported (SSL, TLS 1.0 and 1.1"
                            + " are disabled); use TLSv1_2, TLSv1_3, or leave it empty for TLS 1.2 and newer");
                    break;
                default:
                    r.problem(keyOf(r, url, SSL_VERSION), version, "must be TLSv1_2, TLSv1_3, SSLv23 or empty");
            }
        }
        Path ca = file(r, url, SSL_CA_FILE);
        Path cert = file(r, url, SSL_CERT_FILE);
        Path key = file(r, url, SSL_KEY_FILE);
        if (enabled && key != null && cert == null) {
            r.problem(keyOf(r, url, SSL_KEY_FILE), key.toString(), "is set but " + SSL_CERT_FILE + " is not (a client"
                    + " certificate needs both, or the key inside " + SSL_CERT_FILE + ")");
        }
        return new TlsOptions(enabled, version == null ? "" : version, protocols, ca, cert, key);
    }

    /**
     * A deprecated name: taken when the new one is absent (WARN: use the new name), a WARN when
     * both say the same, an error when they disagree.
     */
    private static void deprecated(ConfigReader r, String old, String current, List<String> warnings) {
        String oldRaw = r.raw(old);
        if (oldRaw == null) {
            return;
        }
        String newRaw = r.raw(current);
        if (newRaw == null) {
            warnings.add("oslo reporter: '" + old + "' is oslo.messaging's deprecated name of '" + current + "'; it is"
                    + " used, but write '" + current + "' instead");
        } else if (sameValue(current, oldRaw, newRaw)) {
            warnings.add("oslo reporter: '" + old + "' is oslo.messaging's deprecated name of '" + current + "', which"
                    + " is set too; remove '" + old + "'");
        } else {
            r.problem(old, oldRaw, "disagrees with " + current + "=" + LogText.quote(newRaw, 200) + " (" + old
                    + " is its deprecated name); remove " + old);
        }
    }

    private static boolean sameValue(String key, String a, String b) {
        if (key.equals(SSL)) {
            Boolean x = osloBool(a);
            return x != null && x.equals(osloBool(b));
        }
        return a.equals(b);
    }

    /**
     * @return the value of a TLS option: from the URL's query if it has it (oslo.messaging lets it
     *         override the configuration), else the key, else its deprecated name; null if none
     */
    private static String option(ConfigReader r, TransportUrl url, String key) {
        if (url != null && url.options().containsKey(key)) {
            return url.options().get(key);
        }
        String v = r.raw(key);
        if (v != null) {
            return v;
        }
        for (Map.Entry<String, String> e : DEPRECATED.entrySet()) {
            if (e.getValue().equals(key)) {
                return r.raw(e.getKey());
            }
        }
        return null;
    }

    /** @return where a TLS option's value came from, for an error message */
    private static String keyOf(ConfigReader r, TransportUrl url, String key) {
        if (url != null && url.options().containsKey(key)) {
            return TRANSPORT_URL + " query parameter " + key;
        }
        if (r.raw(key) == null) {
            for (Map.Entry<String, String> e : DEPRECATED.entrySet()) {
                if (e.getValue().equals(key) && r.raw(e.getKey()) != null) {
                    return e.getKey();
                }
            }
        }
        return key;
    }

    private static Path file(ConfigReader r, TransportUrl url, String key) {
        String s = option(r, url, key);
        if (s == null) {
            return null;
        }
        try {
            Path p = Path.of(s);
            if (!p.isAbsolute()) {
                r.problem(keyOf(r, url, key), s, "must be an absolute path");
                return null;
            }
            return p.normalize();
        } catch (InvalidPathException e) {
            r.problem(keyOf(r, url, key), s, "is not a valid path");
            return null;
        }
    }

    /** oslo.config's boolean words; null if it is none of them. */
    public static Boolean osloBool(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "true":
            case "1":
            case "yes":
            case "on":
                return true;
            case "false":
            case "0":
            case "no":
            case "off":
                return false;
            default:
                return null;
        }
    }

    /**
     * @return the keys of this PID's dictionary for which there is a WARN: unknown keys (the
     *         keys of PID {@code org.l3ha.agent} are allowed here, as they were: they override it)
     */
    public static Set<String> known() {
        Set<String> all = new TreeSet<>(KEYS);
        all.addAll(AgentSettings.KEYS);
        return all;
    }

    /** @return these settings with {@code rpc_mode} replaced (the registry always calls) */
    public OsloSettings withRpcMode(RpcMode mode) {
        return new OsloSettings(transportUrl, controlExchange, topic, mode, rpcResponseTimeout, retryInterval,
                retryBackoff, intervalMax, durable, autoDelete, host, tls);
    }

    /** Delay before reconnection attempt {@code attempt} (0 = the first): oslo.messaging's rule. */
    public long reconnectDelayMillis(int attempt) {
        long delay = retryInterval.toMillis() + retryBackoff.toMillis() * Math.max(0, attempt);
        return Math.min(delay, intervalMax.toMillis());
    }

    private static Duration positive(ConfigReader r, String key, int def) {
        Duration d = r.seconds(key, Duration.ofSeconds(def), MAX_SECONDS);
        if (d.toMillis() < 1) {
            r.problem(key, r.raw(key), "must be at least 0.001 seconds");
            return Duration.ofSeconds(def);
        }
        return d;
    }

    private static String name(ConfigReader r, String key, String def) {
        String s = r.string(key, def);
        if (s.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            r.problem(key, s, "is longer than " + MAX_NAME_BYTES + " bytes");
            return def;
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i)) || Character.isWhitespace(s.charAt(i))) {
                r.problem(key, s.replaceAll("\\p{Cntrl}", "?"), "must not contain blanks or control characters");
                return def;
            }
        }
        return s;
    }
}
