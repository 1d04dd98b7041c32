package org.l3ha.oslo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;

import org.l3ha.oslo.OsloSettings.RpcMode;
import org.l3ha.oslo.RpcException.Kind;

/**
 * Calls (or casts) methods of neutron-server's RPC API through RabbitMQ, the way an oslo.messaging
 * 14 RPC client does: the oslo reporter's {@code update_ha_routers_states}, the neutron registry's
 * {@code get_router_ids} and {@code sync_routers}.
 *
 * <p>One connection, opened when the first batch is sent and kept open; the RabbitMQ client's
 * automatic recovery reconnects it in the background (delays from {@code rabbit_retry_interval},
 * {@code rabbit_retry_backoff}, {@code rabbit_interval_max}) and restores the exchange, the reply
 * queue and its consumer. A batch that finds the connection down does not wait for that: it makes
 * one connection attempt of its own (bounded by the connect timeout) and fails at once if the
 * broker is unreachable, so that the caller's backoff decides when to retry and nothing hangs.
 *
 * <ul>
 * <li>{@code call}: publishes with {@code _msg_id}, {@code _reply_q} and {@code expiration} =
 *     {@code rpc_response_timeout}, and waits that long for the reply on its reply queue
 *     ({@code reply_<hex>}, one per client, non-durable, {@code x-expires} 30 min, on the default
 *     exchange as oslo.messaging 14 declares it). Delivered only when neutron-server has answered
 *     {@code ending: true} without a failure; its {@code result} is returned.</li>
 * <li>{@code cast}: publishes with {@code mandatory} on a channel in confirm mode (the reply queue
 *     exists in this mode too, for {@link #call}: a question that needs an answer). Delivered only
 *     when the broker acks it and did not return it (returned = no queue bound to the topic, i.e. no
 *     neutron-server consuming).</li>
 * </ul>
 * Every failure throws an {@link RpcException}; the caller keeps what it sent and retries.
 * Log lines start with the name the owner gives (e.g. {@code oslo reporter}).
 *
 * <p>With TLS ({@link BrokerTls}) every connection, the first and every reconnection, is made over
 * TLS with the broker's certificate and host name verified; a failed handshake is an
 * {@link Kind#TLS} failure, logged once at ERROR with the broker's host and port and the cause
 * (again only when the cause changes), and is never followed by an attempt without TLS.
 *
 * <p>This class puts three together and takes one request at a time: {@link BrokerConnection}
 * (the connection and its recovery), {@link OsloRpc} (call and cast) and {@link RpcFailures}
 * (the kind and message of every failure).
 */
public final class OsloClient implements AutoCloseable {
    /** oslo.messaging's {@code rabbit_transient_queues_ttl} default, in ms. */
    public static final int REPLY_QUEUE_EXPIRES_MS = 1_800_000;

    /** Told of the connection's life; called on the RabbitMQ client's threads, must not block. */
    public interface Listener {
        /** A connection was opened (the first, or a new one after a failure). */
        default void connected() {
        }

        /** The open connection broke (the client's recovery reconnects it). */
        default void connectionLost() {
        }

        /** The client's automatic recovery restored the connection. */
        default void recovered() {
        }
    }

    private final OsloSettings settings;
    private final BrokerTls tls;
    private final String replyQueue;
    private final OsloRpc rpc;
    private final BrokerConnection connection;
    private final Object sendLock = new Object();

    /**
     * @param name how log lines and the connection name the owner, e.g. {@code oslo reporter}
     * @param threadPrefix prefix of the names of this client's threads, e.g. {@code l3ha-reporter-oslo-}
     * @param settings an active configuration ({@code transport_url} set)
     * @param tls the TLS context of {@code settings}' TLS options, loaded; null for plaintext
     *        (then {@code ssl} must be false)
     * @param codec encoder
     * @param listener told when the connection opens, breaks and recovers
     */
    public OsloClient(String name, String threadPrefix, OsloSettings settings, BrokerTls tls, OsloCodec codec,
            Listener listener) {
        if (!settings.active()) {
            throw new IllegalArgumentException("transport_url is not set");
        }
        if (settings.tls().enabled() != (tls != null)) {
            throw new IllegalArgumentException("ssl is " + settings.tls().enabled() + " but the TLS context is "
                    + (tls == null ? "missing" : "given"));
        }
        this.settings = settings;
        this.tls = tls;
        this.replyQueue = "reply_" + codec.newHexId();
        this.rpc = new OsloRpc(name, settings, codec, replyQueue);
        this.connection = new BrokerConnection(name, threadPrefix, settings, tls, replyQueue, listener, rpc);
    }

    /** @return the name of this client's reply queue */
    public String replyQueue() {
        return replyQueue;
    }

    public OsloSettings settings() {
        return settings;
    }

    /** @return the TLS context in use, null for plaintext */
    public BrokerTls tls() {
        return tls;
    }

    /** @return whether the connection is open now */
    public boolean connected() {
        return connection.connected();
    }

    /** @return threads of the RabbitMQ client still running (0 after {@link #close()}) */
    public int liveThreads() {
        return connection.liveThreads();
    }

    /**
     * Sends one request as {@code rpc_mode} says; one at a time.
     *
     * @param method the RPC method
     * @param version the RPC API version the message claims
     * @param args the method's keyword arguments
     * @return neutron-server's result for a call; null for a cast
     * @throws RpcException if the request was not delivered (a call: not answered, or answered
     *         with a failure, {@link RpcException#remoteClass()} naming it)
     * @throws InterruptedException if interrupted while waiting for the reply or the confirm
     */
    public JsonNode send(String method, String version, ObjectNode args) throws RpcException, InterruptedException {
        synchronized (sendLock) {
            if (settings.rpcMode() == RpcMode.CALL) {
                return rpc.call(connection.link(), method, version, args);
            }
            rpc.cast(connection.link(), method, version, args);
            return null;
        }
    }

    /**
     * Calls a method and waits for its result, whatever {@code rpc_mode} says (a question needs an
     * answer); one request at a time, as {@link #send}.
     *
     * @return neutron-server's result
     * @throws RpcException if it was not answered, or answered with a failure
     * @throws InterruptedException if interrupted while waiting for the reply
     */
    public JsonNode call(String method, String version, ObjectNode args) throws RpcException, InterruptedException {
        synchronized (sendLock) {
            return rpc.call(connection.link(), method, version, args);
        }
    }

    /** Properties as kombu's JSON serializer and oslo.messaging set them. */
    public static AMQP.BasicProperties properties(String expiration) {
        return OsloRpc.properties(expiration);
    }

    /** Closes the connection and ends every thread of this client; idempotent, never throws. */
    @Override
    public void close() {
        connection.close();
    }
}
