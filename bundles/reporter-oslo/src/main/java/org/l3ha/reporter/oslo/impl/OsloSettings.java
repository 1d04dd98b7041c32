package org.l3ha.reporter.oslo.impl;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigException;
import org.l3ha.common.ConfigReader;

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
 */
record OsloSettings(
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
        String host) {

    static final String PID = "org.l3ha.reporter.oslo";

    static final String TRANSPORT_URL = "transport_url";
    static final String CONTROL_EXCHANGE = "control_exchange";
    static final String TOPIC = "topic";
    static final String RPC_MODE = "rpc_mode";
    static final String RPC_RESPONSE_TIMEOUT = "rpc_response_timeout";
    static final String RABBIT_RETRY_INTERVAL = "rabbit_retry_interval";
    static final String RABBIT_RETRY_BACKOFF = "rabbit_retry_backoff";
    static final String RABBIT_INTERVAL_MAX = "rabbit_interval_max";
    static final String AMQP_DURABLE_QUEUES = "amqp_durable_queues";
    static final String AMQP_AUTO_DELETE = "amqp_auto_delete";

    static final String DEFAULT_CONTROL_EXCHANGE = "neutron";
    static final String DEFAULT_TOPIC = "q-l3-plugin";
    static final String DEFAULT_RPC_MODE = "call";
    static final int DEFAULT_RPC_RESPONSE_TIMEOUT = 60;
    static final int DEFAULT_RABBIT_RETRY_INTERVAL = 1;
    static final int DEFAULT_RABBIT_RETRY_BACKOFF = 2;
    static final int DEFAULT_RABBIT_INTERVAL_MAX = 30;

    private static final Duration MAX_SECONDS = Duration.ofHours(1);
    /** AMQP short strings (exchange names, routing keys) hold at most 255 bytes. */
    private static final int MAX_NAME_BYTES = 255;

    /** {@code rpc_mode}: wait for neutron-server's reply, or publish with broker confirms only. */
    enum RpcMode {
        CALL, CAST;

        String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** @return whether {@code transport_url} is set, i.e. the reporter has somewhere to report to */
    boolean active() {
        return transportUrl != null;
    }

    /**
     * Parses and validates the merged properties of PIDs {@code org.l3ha.agent} and {@value #PID}.
     *
     * @throws ConfigException naming every bad key and value (a bad {@code transport_url} is
     *         shown with its credentials replaced by {@code ***})
     */
    static OsloSettings parse(Map<String, ?> props) {
        AgentSettings agent = AgentSettings.parse(props);
        ConfigReader r = new ConfigReader(PID, props);

        TransportUrl url = null;
        String rawUrl = r.raw(TRANSPORT_URL);
        if (rawUrl != null) {
            try {
                url = TransportUrl.parse(rawUrl);
            } catch (IllegalArgumentException e) {
                r.problem(TRANSPORT_URL, TransportUrl.redact(rawUrl), e.getMessage());
            }
        }
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
        return new OsloSettings(url, exchange, topic, mode, timeout, interval, backoff, max, durable, autoDelete,
                agent.host());
    }

    /** Delay before reconnection attempt {@code attempt} (0 = the first): oslo.messaging's rule. */
    long reconnectDelayMillis(int attempt) {
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
