package org.l3ha.oslo;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigException;
import org.l3ha.common.ConfigReader;

/**
 * The options of PID {@value #PID} (under oslo.messaging's names and defaults) plus the
 * {@code host} of PID {@code org.l3ha.agent}.
 * {@link TlsOptionsReader} reads the TLS options among them.
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
        TlsOptions tls = TlsOptionsReader.read(r, url, warnings);
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
        TlsOptionsReader.warnIfIgnored(r, url, tls, warnings);
        return new OsloSettings(url, exchange, topic, mode, timeout, interval, backoff, max, durable, autoDelete,
                agent.host(), tls);
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
