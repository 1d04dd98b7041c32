package org.l3ha.oslo;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Address;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.Method;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.ShutdownSignalException;
import com.rabbitmq.client.SocketConfigurators;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger(OsloClient.class);
    private static final long CLOSE_TIMEOUT_MS = 2000;

    private final String name;
    /** What the broker shows as the connection's name: the thread prefix without its dash, and the host. */
    private final String connectionName;
    private final OsloSettings settings;
    private final BrokerTls tls;
    private final OsloCodec codec;
    private final Listener listener;
    private final String replyQueue;
    private final List<Address> addresses = new ArrayList<>();
    private final ConnectionFactory factory;
    private final TrackingThreadFactory threads;
    private final ExecutorService consumerPool;
    private final Object sendLock = new Object();
    private final Object linkLock = new Object();
    private final Map<String, CompletableFuture<OsloCodec.Reply>> waiting = new ConcurrentHashMap<>();
    /** A broken connection (or a failed connect) was logged and its recovery not yet. */
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicBoolean exchangeWarned = new AtomicBoolean();
    private volatile Link link;
    private volatile boolean closed;
    private volatile boolean connectedOnce;
    /** The TLS failure last logged at ERROR; null after a connection succeeded. */
    private volatile String lastTlsError;

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
        this.name = name;
        this.settings = settings;
        this.tls = tls;
        this.codec = codec;
        this.listener = listener;
        this.threads = new TrackingThreadFactory(threadPrefix + "amqp-");
        this.connectionName = threadPrefix.replaceAll("-+$", "") + " " + settings.host();
        this.replyQueue = "reply_" + codec.newHexId();
        addresses.addAll(Brokers.addresses(settings));
        factory = Brokers.factory(settings, tls, threads, new Brokers.QuietExceptionHandler(name, LOG), CLOSE_TIMEOUT_MS);
        consumerPool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadPrefix + "replies");
            t.setDaemon(true);
            return t;
        });
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
        Link l = link;
        return l != null && l.connection.isOpen();
    }

    /** @return threads of the RabbitMQ client still running (0 after {@link #close()}) */
    public int liveThreads() {
        return threads.alive();
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
                return doCall(method, version, args);
            }
            cast(method, version, args);
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
            return doCall(method, version, args);
        }
    }

    private JsonNode doCall(String method, String version, ObjectNode args) throws RpcException, InterruptedException {
        Link l = link();
        String msgId = codec.newHexId();
        ObjectNode message = codec.request(method, version, args, new OsloCodec.CallIds(msgId, replyQueue));
        long timeoutMillis = settings.rpcResponseTimeout().toMillis();
        CompletableFuture<OsloCodec.Reply> reply = new CompletableFuture<>();
        waiting.put(msgId, reply);
        try {
            publish(l, codec.envelope(message), properties(String.valueOf(timeoutMillis)), false);
            LOG.debug("Called {}, msg_id {}, waiting for the reply", method, msgId);
            OsloCodec.Reply r;
            try {
                r = reply.get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new RpcException(Kind.TIMEOUT, "no reply from neutron-server to " + method + " within "
                        + seconds(timeoutMillis) + " (exchange " + settings.controlExchange() + ", topic "
                        + settings.topic() + ", msg_id " + msgId + "); is neutron-server consuming?");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RpcException) {
                    throw (RpcException) e.getCause();
                }
                throw new RpcException(Kind.CONNECTION, "call failed: " + e.getCause(), e.getCause());
            }
            if (r.failure() != null) {
                throw new RpcException(Kind.REMOTE, "neutron-server failed " + method + ": " + r.failure(),
                        r.failure().className());
            }
            return r.result();
        } finally {
            waiting.remove(msgId);
        }
    }

    private void cast(String method, String version, ObjectNode args) throws RpcException, InterruptedException {
        Link l = link();
        ObjectNode message = codec.request(method, version, args, null);
        String uniqueId = message.path("_unique_id").asText();
        long timeoutMillis = settings.rpcResponseTimeout().toMillis();
        l.returnedId = null;
        publish(l, codec.envelope(message), properties(null), true);
        boolean acked;
        try {
            acked = l.publish.waitForConfirms(timeoutMillis);
        } catch (TimeoutException e) {
            l.broken = true; // an unconfirmed message would be waited for again: start afresh
            throw new RpcException(Kind.TIMEOUT, "the broker did not confirm the cast within " + seconds(timeoutMillis));
        } catch (ShutdownSignalException e) {
            l.broken = true;
            throw new RpcException(Kind.CONNECTION, "connection lost before the broker confirmed the cast: "
                    + Brokers.reason(e), e);
        } catch (InterruptedException e) {
            l.broken = true; // the unconfirmed message would be waited for by the next cast
            throw e;
        }
        if (uniqueId.equals(l.returnedId)) {
            throw new RpcException(Kind.UNROUTABLE, "cast returned unroutable (" + l.returnText + "): no queue is bound"
                    + " to exchange " + settings.controlExchange() + " with routing key " + settings.topic()
                    + "; is neutron-server consuming?");
        }
        if (!acked) {
            throw new RpcException(Kind.NACKED, "the broker rejected (nack) the cast to exchange "
                    + settings.controlExchange());
        }
        LOG.debug("Cast {}, confirmed by the broker", method);
    }

    private void publish(Link l, byte[] body, AMQP.BasicProperties props, boolean mandatory) throws RpcException {
        try {
            l.publish.basicPublish(settings.controlExchange(), settings.topic(), mandatory, props, body);
        } catch (IOException | ShutdownSignalException e) {
            l.broken = true;
            throw new RpcException(Kind.CONNECTION, "cannot publish to " + settings.transportUrl() + ": "
                    + Brokers.reason(e), e);
        }
    }

    /** Properties as kombu's JSON serializer and oslo.messaging set them. */
    public static AMQP.BasicProperties properties(String expiration) {
        return new AMQP.BasicProperties.Builder()
                .contentType("application/json")
                .contentEncoding("utf-8")
                .deliveryMode(2)
                .priority(0)
                .headers(Collections.emptyMap())
                .expiration(expiration)
                .build();
    }

    /** @return an open link, connecting first if needed */
    private Link link() throws RpcException {
        Link l = link;
        if (l != null && l.usable()) {
            return l;
        }
        synchronized (linkLock) {
            l = link;
            if (l != null && l.usable()) {
                return l;
            }
            if (closed) {
                throw new RpcException(Kind.CONNECTION, name + " is stopped");
            }
            if (l != null) {
                // broken, or the automatic recovery is still trying: take over with one attempt now
                link = null;
                l.abort();
            }
            Link fresh = open();
            link = fresh;
            // close() sets closed, then reads link: one of the two sees the other's write
            if (closed) {
                link = null;
                fresh.abort();
                throw new RpcException(Kind.CONNECTION, name + " is stopped");
            }
            return fresh;
        }
    }

    private Link open() throws RpcException {
        TransportUrl url = settings.transportUrl();
        Connection c;
        String negotiated = null;
        try {
            c = factory.newConnection(consumerPool, addresses, connectionName);
            negotiated = tls == null ? null : tls.negotiated();
        } catch (IOException | TimeoutException | RuntimeException e) {
            String tlsFailure = tls == null ? null : tls.explain(e, hostList());
            if (tlsFailure != null) {
                down.set(true);
                if (!tlsFailure.equals(lastTlsError)) {
                    lastTlsError = tlsFailure;
                    LOG.error("{}: {}; not connected (never retried without TLS), retrying with the next request", name,
                            tlsFailure);
                    LOG.debug("{}: TLS failure in detail", name, e);
                } else {
                    LOG.debug("{}: {} (again)", name, tlsFailure);
                }
                throw new RpcException(Kind.TLS, tlsFailure, e);
            }
            RpcException failure = new RpcException(Kind.CONNECTION, "cannot connect to " + url + ": "
                    + Brokers.reason(e), e);
            if (down.compareAndSet(false, true)) {
                LOG.warn("{}: {}; retrying with the next request", name, failure.getMessage());
            } else {
                LOG.debug("{}: {}", name, failure.getMessage());
            }
            throw failure;
        } finally {
            if (tls != null) {
                tls.forgetSocket();
            }
        }
        lastTlsError = null;
        Link l = new Link(c);
        try {
            c.addShutdownListener(cause -> connectionShutdown(l, cause));
            if (c instanceof Recoverable) {
                ((Recoverable) c).addRecoveryListener(new RecoveryListener() {
                    @Override
                    public void handleRecovery(Recoverable recoverable) {
                        recovered(l);
                    }

                    @Override
                    public void handleRecoveryStarted(Recoverable recoverable) {
                        LOG.debug("{}: reconnecting to {}", name, url);
                    }
                });
            }
            c.addBlockedListener(
                    reason -> LOG.warn("{}: the broker blocks publishing ({}); requests will time out", name, reason),
                    () -> LOG.info("{}: the broker accepts publishing again", name));
            l.publish = declareExchange(c);
            l.publish.addShutdownListener(cause -> channelShutdown(l, cause));
            if (settings.rpcMode() == RpcMode.CAST) {
                l.publish.confirmSelect();
                l.publish.addReturnListener(l::returned);
            }
            // calls are made in both modes ({@link #call}: questions that need an answer)
            Channel replies = c.createChannel();
            replies.queueDeclare(replyQueue, false, false, false, Map.of("x-expires", REPLY_QUEUE_EXPIRES_MS));
            replies.basicConsume(replyQueue, true, new ReplyConsumer(replies, l));
            l.replies = replies;
        } catch (IOException | RuntimeException e) {
            l.abort();
            RpcException failure = new RpcException(Kind.CONNECTION, "cannot set up exchange " + settings.controlExchange()
                    + " and reply queue " + replyQueue + " on " + url + ": "
                    + Brokers.reason(e), e);
            if (down.compareAndSet(false, true)) {
                LOG.warn("{}: {}", name, failure.getMessage());
            }
            throw failure;
        }
        listener.connected();
        if (down.compareAndSet(true, false)) {
            LOG.info("{}: connected to {} again", name, url);
        } else if (!connectedOnce) {
            LOG.info("{}: connected to {} (exchange {}, topic {}, rpc_mode {}) {}", name, url,
                    settings.controlExchange(), settings.topic(), settings.rpcMode().word(),
                    tls == null ? "in plaintext (ssl = false)" : "over TLS" + (negotiated == null ? "" : ", " + negotiated));
        } else {
            LOG.debug("{}: reconnected to {}", name, url);
        }
        connectedOnce = true;
        return l;
    }

    /**
     * Declares the topic exchange as oslo.messaging does (durable = {@code amqp_durable_queues},
     * auto-delete = {@code amqp_auto_delete}). An existing exchange with other flags makes the
     * broker close the channel (406 PRECONDITION_FAILED); then it is used as it is.
     *
     * @return the channel to publish on
     */
    private Channel declareExchange(Connection c) throws IOException {
        return Brokers.declareExchange(c, settings.controlExchange(), "topic", settings.durable(), settings.autoDelete(),
                reason -> {
                    if (exchangeWarned.compareAndSet(false, true)) {
                        LOG.warn("{}: exchange {} exists with other flags than {}={} {}={} ({}); using it as it is", name,
                                settings.controlExchange(), OsloSettings.AMQP_DURABLE_QUEUES, settings.durable(),
                                OsloSettings.AMQP_AUTO_DELETE, settings.autoDelete(), reason);
                    }
                });
    }

    private String hostList() {
        List<String> hosts = new ArrayList<>();
        for (TransportUrl.Host h : settings.transportUrl().hosts()) {
            hosts.add(h.toString());
        }
        return String.join(", ", hosts);
    }

    private void connectionShutdown(Link l, ShutdownSignalException cause) {
        if (cause.isInitiatedByApplication()) {
            return; // our own close or abort
        }
        failWaiting(new RpcException(Kind.CONNECTION, "connection to " + settings.transportUrl() + " lost: "
                + Brokers.reason(cause)));
        listener.connectionLost();
        if (down.compareAndSet(false, true)) {
            LOG.warn("{}: connection to {} lost ({}); reconnecting", name, settings.transportUrl(),
                    Brokers.reason(cause));
        }
    }

    /** A channel error (e.g. 404: the exchange was deleted) closes only the channel: fail what waits on it. */
    private void channelShutdown(Link l, ShutdownSignalException cause) {
        if (cause.isInitiatedByApplication() || cause.isHardError()) {
            return; // our own close, or the connection's shutdown, handled there
        }
        l.broken = true;
        failWaiting(new RpcException(Kind.CONNECTION, "channel closed by the broker: " + Brokers.reason(cause)));
        LOG.warn("{}: the broker closed the publishing channel ({}); reconnecting with the next request", name,
                Brokers.reason(cause));
    }

    private void recovered(Link l) {
        listener.recovered();
        if (down.compareAndSet(true, false)) {
            LOG.info("{}: connection to {} recovered", name, settings.transportUrl());
        }
    }

    private void failWaiting(RpcException e) {
        for (CompletableFuture<OsloCodec.Reply> f : waiting.values()) {
            f.completeExceptionally(e);
        }
    }

    /** Closes the connection and ends every thread of this client; idempotent, never throws. */
    @Override
    public void close() {
        closed = true;
        Link l = link;
        link = null;
        failWaiting(new RpcException(Kind.CONNECTION, name + " is stopped"));
        if (l != null) {
            l.abort();
        }
        consumerPool.shutdown();
        try {
            if (!consumerPool.awaitTermination(CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                consumerPool.shutdownNow();
            }
        } catch (InterruptedException e) {
            consumerPool.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (!threads.stop(CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            LOG.warn("{}: {} RabbitMQ client threads did not end within {} ms", name, threads.alive(),
                    CLOSE_TIMEOUT_MS);
        }
    }

    /** One connection with its channels. */
    private final class Link {
        final Connection connection;
        volatile Channel publish;
        volatile Channel replies;
        /** Set when a channel failed or the reply consumer was cancelled: open a new link. */
        volatile boolean broken;
        /** {@code _unique_id} of the last cast the broker returned, and why. */
        volatile String returnedId;
        volatile String returnText;

        Link(Connection connection) {
            this.connection = connection;
        }

        boolean usable() {
            Channel p = publish;
            Channel r = replies;
            return !broken && connection.isOpen() && p != null && p.isOpen() && (r == null || r.isOpen());
        }

        void returned(Return r) {
            try {
                returnText = r.getReplyCode() + " " + r.getReplyText();
                returnedId = codec.decode(r.getBody()).path("_unique_id").asText(null);
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: unreadable returned message: {}", name, e.toString());
            }
        }

        void abort() {
            try {
                connection.abort((int) CLOSE_TIMEOUT_MS);
            } catch (RuntimeException e) {
                LOG.debug("{}: error while aborting the connection: {}", name, e.toString());
            }
        }
    }

    /** Completes the waiting call a reply belongs to. */
    private final class ReplyConsumer extends DefaultConsumer {
        private final Link owner;

        ReplyConsumer(Channel channel, Link owner) {
            super(channel);
            this.owner = owner;
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            OsloCodec.Reply r;
            try {
                r = codec.reply(codec.decode(body));
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: ignoring an unreadable reply on {}: {}", name, replyQueue, e.toString());
                return;
            }
            CompletableFuture<OsloCodec.Reply> f = r.msgId() == null ? null : waiting.get(r.msgId());
            if (f == null) {
                LOG.debug("{}: reply for msg_id {} that nobody waits for (timed out or retried)", name, r.msgId());
            } else if (r.failure() != null || r.ending()) {
                f.complete(r);
            } else {
                LOG.debug("{}: call-monitor heartbeat for msg_id {}", name, r.msgId());
            }
        }

        @Override
        public void handleCancel(String consumerTag) {
            owner.broken = true;
            LOG.warn("{}: the broker cancelled the consumer of reply queue {}; re-creating it", name, replyQueue);
            failWaiting(new RpcException(Kind.CONNECTION, "reply queue " + replyQueue + " was deleted"));
        }
    }

    private static String seconds(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
