package org.l3ha.reporter.oslo.impl;

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
import com.rabbitmq.client.impl.DefaultExceptionHandler;

import org.l3ha.reporter.oslo.impl.OsloSettings.RpcMode;
import org.l3ha.reporter.oslo.impl.RpcException.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls (or casts) {@code update_ha_routers_states} on neutron-server through RabbitMQ, the way an
 * oslo.messaging 14 RPC client does ({@code NEUTRON.md} §6).
 *
 * <p>One connection, opened when the first batch is sent and kept open; the RabbitMQ client's
 * automatic recovery reconnects it in the background (delays from {@code rabbit_retry_interval},
 * {@code rabbit_retry_backoff}, {@code rabbit_interval_max}) and restores the exchange, the reply
 * queue and its consumer. A batch that finds the connection down does not wait for that: it makes
 * one connection attempt of its own (bounded by the connect timeout) and fails at once if the
 * broker is unreachable, so that the notifier's backoff decides when to retry and nothing hangs.
 *
 * <ul>
 * <li>{@code call}: publishes with {@code _msg_id}, {@code _reply_q} and {@code expiration} =
 *     {@code rpc_response_timeout}, and waits that long for the reply on its reply queue
 *     ({@code reply_<hex>}, one per client, non-durable, {@code x-expires} 30 min, on the default
 *     exchange as oslo.messaging 14 declares it). Delivered only when neutron-server has answered
 *     {@code ending: true} without a failure.</li>
 * <li>{@code cast}: publishes with {@code mandatory} on a channel in confirm mode. Delivered only
 *     when the broker acks it and did not return it (returned = no queue bound to the topic, i.e. no
 *     neutron-server consuming).</li>
 * </ul>
 * Every failure throws an {@link RpcException}; the caller (the notifier) keeps the states and
 * retries.
 *
 * <p>With TLS ({@link BrokerTls}) every connection, the first and every reconnection, is made over
 * TLS with the broker's certificate and host name verified; a failed handshake is an
 * {@link Kind#TLS} failure, logged once at ERROR with the broker's host and port and the cause
 * (again only when the cause changes), and is never followed by an attempt without TLS.
 */
final class OsloClient implements AutoCloseable {
    /** The RPC API version the L3 agent uses for {@code update_ha_routers_states}. */
    static final String RPC_VERSION = "1.5";
    /** oslo.messaging's {@code rabbit_transient_queues_ttl} default, in ms. */
    static final int REPLY_QUEUE_EXPIRES_MS = 1_800_000;
    /** Upper bound of one TCP connect or AMQP handshake (also bounded by rpc_response_timeout). */
    static final Duration CONNECT_TIMEOUT_MAX = Duration.ofSeconds(10);
    static final int HEARTBEAT_SECONDS = 30;
    static final String THREAD_PREFIX = "l3ha-reporter-oslo-";

    private static final Logger LOG = LoggerFactory.getLogger(OsloClient.class);
    private static final int PRECONDITION_FAILED = 406;
    private static final long CLOSE_TIMEOUT_MS = 2000;

    private final OsloSettings settings;
    private final BrokerTls tls;
    private final String rpcVersion;
    private final OsloCodec codec;
    private final ReporterStats stats;
    private final String replyQueue;
    private final List<Address> addresses = new ArrayList<>();
    private final ConnectionFactory factory = new ConnectionFactory();
    private final TrackingThreadFactory threads = new TrackingThreadFactory(THREAD_PREFIX + "amqp-");
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

    /** A plaintext client ({@code ssl = false}). */
    OsloClient(OsloSettings settings, String rpcVersion, OsloCodec codec, ReporterStats stats) {
        this(settings, null, rpcVersion, codec, stats);
    }

    /**
     * @param settings an active configuration ({@code transport_url} set)
     * @param tls the TLS context of {@code settings}' TLS options, loaded; null for plaintext
     *        (then {@code ssl} must be false)
     * @param rpcVersion the version the messages claim ({@value #RPC_VERSION}; tests use others)
     * @param codec encoder
     * @param stats where to count
     */
    OsloClient(OsloSettings settings, BrokerTls tls, String rpcVersion, OsloCodec codec, ReporterStats stats) {
        if (!settings.active()) {
            throw new IllegalArgumentException("transport_url is not set");
        }
        if (settings.tls().enabled() != (tls != null)) {
            throw new IllegalArgumentException("ssl is " + settings.tls().enabled() + " but the TLS context is "
                    + (tls == null ? "missing" : "given"));
        }
        this.settings = settings;
        this.tls = tls;
        this.rpcVersion = rpcVersion;
        this.codec = codec;
        this.stats = stats;
        this.replyQueue = "reply_" + codec.newHexId();
        TransportUrl url = settings.transportUrl();
        for (TransportUrl.Host h : url.hosts()) {
            addresses.add(new Address(h.host(), h.port()));
        }
        int rpcMillis = (int) Math.min(Integer.MAX_VALUE, settings.rpcResponseTimeout().toMillis());
        int connectMillis = (int) Math.min(rpcMillis, CONNECT_TIMEOUT_MAX.toMillis());
        factory.setUsername(url.username());
        factory.setPassword(url.password());
        factory.setVirtualHost(url.virtualHost());
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        factory.setRecoveryDelayHandler(settings::reconnectDelayMillis);
        factory.setConnectionTimeout(connectMillis);
        factory.setHandshakeTimeout(connectMillis);
        factory.setChannelRpcTimeout(rpcMillis);
        factory.setShutdownTimeout((int) CLOSE_TIMEOUT_MS);
        factory.setRequestedHeartbeat(HEARTBEAT_SECONDS);
        factory.setThreadFactory(threads);
        factory.setExceptionHandler(new QuietExceptionHandler());
        if (tls != null) {
            // the context's socket factory makes every socket; the configurator turns on host name
            // verification and the protocols before it connects (no plaintext socket is ever made)
            factory.useSslProtocol(tls.context());
            factory.setSocketConfigurator(socket -> {
                SocketConfigurators.defaultConfigurator().configure(socket);
                tls.configure(socket);
            });
        }
        consumerPool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, THREAD_PREFIX + "replies");
            t.setDaemon(true);
            return t;
        });
    }

    /** @return the name of this client's reply queue */
    String replyQueue() {
        return replyQueue;
    }

    OsloSettings settings() {
        return settings;
    }

    /** @return the TLS context in use, null for plaintext */
    BrokerTls tls() {
        return tls;
    }

    /** @return whether the connection is open now */
    boolean connected() {
        Link l = link;
        return l != null && l.connection.isOpen();
    }

    /** @return threads of the RabbitMQ client still running (0 after {@link #close()}) */
    int liveThreads() {
        return threads.alive();
    }

    /**
     * Delivers one batch; one at a time.
     *
     * @param host the {@code host} argument
     * @param states the {@code states} argument
     * @throws RpcException if the batch was not delivered
     * @throws InterruptedException if interrupted while waiting for the reply or the confirm
     */
    void updateHaRoutersStates(String host, Map<String, String> states) throws RpcException, InterruptedException {
        synchronized (sendLock) {
            try {
                if (settings.rpcMode() == RpcMode.CALL) {
                    call(host, states);
                } else {
                    cast(host, states);
                }
            } catch (RpcException e) {
                stats.failed(e);
                throw e;
            }
            stats.delivered(states.size());
        }
    }

    private void call(String host, Map<String, String> states) throws RpcException, InterruptedException {
        Link l = link();
        String msgId = codec.newHexId();
        ObjectNode message = codec.request(rpcVersion, host, states, new OsloCodec.CallIds(msgId, replyQueue));
        long timeoutMillis = settings.rpcResponseTimeout().toMillis();
        CompletableFuture<OsloCodec.Reply> reply = new CompletableFuture<>();
        waiting.put(msgId, reply);
        try {
            publish(l, codec.envelope(message), properties(String.valueOf(timeoutMillis)), false);
            LOG.debug("Called update_ha_routers_states ({} states), msg_id {}, waiting for the reply", states.size(), msgId);
            OsloCodec.Reply r;
            try {
                r = reply.get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new RpcException(Kind.TIMEOUT, "no reply from neutron-server within " + seconds(timeoutMillis)
                        + " (exchange " + settings.controlExchange() + ", topic " + settings.topic() + ", msg_id " + msgId
                        + "); is neutron-server consuming?");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RpcException) {
                    throw (RpcException) e.getCause();
                }
                throw new RpcException(Kind.CONNECTION, "call failed: " + e.getCause(), e.getCause());
            }
            if (r.failure() != null) {
                throw new RpcException(Kind.REMOTE, "neutron-server failed update_ha_routers_states: " + r.failure());
            }
        } finally {
            waiting.remove(msgId);
        }
    }

    private void cast(String host, Map<String, String> states) throws RpcException, InterruptedException {
        Link l = link();
        ObjectNode message = codec.request(rpcVersion, host, states, null);
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
                    + reason(e), e);
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
        LOG.debug("Cast update_ha_routers_states ({} states), confirmed by the broker", states.size());
    }

    private void publish(Link l, byte[] body, AMQP.BasicProperties props, boolean mandatory) throws RpcException {
        try {
            l.publish.basicPublish(settings.controlExchange(), settings.topic(), mandatory, props, body);
        } catch (IOException | ShutdownSignalException e) {
            l.broken = true;
            throw new RpcException(Kind.CONNECTION, "cannot publish to " + settings.transportUrl() + ": " + reason(e), e);
        }
    }

    /** Properties as kombu's JSON serializer and oslo.messaging set them. */
    static AMQP.BasicProperties properties(String expiration) {
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
                throw new RpcException(Kind.CONNECTION, "the reporter is stopped");
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
                throw new RpcException(Kind.CONNECTION, "the reporter is stopped");
            }
            return fresh;
        }
    }

    private Link open() throws RpcException {
        TransportUrl url = settings.transportUrl();
        Connection c;
        String negotiated = null;
        try {
            c = factory.newConnection(consumerPool, addresses, "l3ha-reporter-oslo " + settings.host());
            negotiated = tls == null ? null : tls.negotiated();
        } catch (IOException | TimeoutException | RuntimeException e) {
            String tlsFailure = tls == null ? null : tls.explain(e, hostList());
            if (tlsFailure != null) {
                down.set(true);
                if (!tlsFailure.equals(lastTlsError)) {
                    lastTlsError = tlsFailure;
                    LOG.error("oslo reporter: {}; not connected (never retried without TLS), retrying with the next batch",
                            tlsFailure);
                    LOG.debug("oslo reporter: TLS failure in detail", e);
                } else {
                    LOG.debug("oslo reporter: {} (again)", tlsFailure);
                }
                throw new RpcException(Kind.TLS, tlsFailure, e);
            }
            RpcException failure = new RpcException(Kind.CONNECTION, "cannot connect to " + url + ": " + reason(e), e);
            if (down.compareAndSet(false, true)) {
                LOG.warn("oslo reporter: {}; retrying with the next batch", failure.getMessage());
            } else {
                LOG.debug("oslo reporter: {}", failure.getMessage());
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
                        LOG.debug("oslo reporter: reconnecting to {}", url);
                    }
                });
            }
            c.addBlockedListener(
                    reason -> LOG.warn("oslo reporter: the broker blocks publishing ({}); batches will time out", reason),
                    () -> LOG.info("oslo reporter: the broker accepts publishing again"));
            l.publish = declareExchange(c);
            l.publish.addShutdownListener(cause -> channelShutdown(l, cause));
            if (settings.rpcMode() == RpcMode.CAST) {
                l.publish.confirmSelect();
                l.publish.addReturnListener(l::returned);
            } else {
                Channel replies = c.createChannel();
                replies.queueDeclare(replyQueue, false, false, false, Map.of("x-expires", REPLY_QUEUE_EXPIRES_MS));
                replies.basicConsume(replyQueue, true, new ReplyConsumer(replies, l));
                l.replies = replies;
            }
        } catch (IOException | RuntimeException e) {
            l.abort();
            RpcException failure = new RpcException(Kind.CONNECTION, "cannot set up exchange " + settings.controlExchange()
                    + (settings.rpcMode() == RpcMode.CALL ? " and reply queue " + replyQueue : "") + " on " + url + ": "
                    + reason(e), e);
            if (down.compareAndSet(false, true)) {
                LOG.warn("oslo reporter: {}", failure.getMessage());
            }
            throw failure;
        }
        stats.connected();
        if (down.compareAndSet(true, false)) {
            LOG.info("oslo reporter: connected to {} again", url);
        } else if (!connectedOnce) {
            LOG.info("oslo reporter: connected to {} (exchange {}, topic {}, rpc_mode {}) {}", url,
                    settings.controlExchange(), settings.topic(), settings.rpcMode().word(),
                    tls == null ? "in plaintext (ssl = false)" : "over TLS" + (negotiated == null ? "" : ", " + negotiated));
        } else {
            LOG.debug("oslo reporter: reconnected to {}", url);
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
        Channel ch = c.createChannel();
        try {
            ch.exchangeDeclare(settings.controlExchange(), "topic", settings.durable(), settings.autoDelete(), null);
            return ch;
        } catch (IOException e) {
            if (replyCode(e) != PRECONDITION_FAILED) {
                throw e;
            }
            Channel again = c.createChannel();
            again.exchangeDeclarePassive(settings.controlExchange());
            if (exchangeWarned.compareAndSet(false, true)) {
                LOG.warn("oslo reporter: exchange {} exists with other flags than {}={} {}={} ({}); using it as it is",
                        settings.controlExchange(), OsloSettings.AMQP_DURABLE_QUEUES, settings.durable(),
                        OsloSettings.AMQP_AUTO_DELETE, settings.autoDelete(), reason(e));
            }
            return again;
        }
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
                + reason(cause)));
        stats.connectionLost();
        if (down.compareAndSet(false, true)) {
            LOG.warn("oslo reporter: connection to {} lost ({}); reconnecting", settings.transportUrl(), reason(cause));
        }
    }

    /** A channel error (e.g. 404: the exchange was deleted) closes only the channel: fail what waits on it. */
    private void channelShutdown(Link l, ShutdownSignalException cause) {
        if (cause.isInitiatedByApplication() || cause.isHardError()) {
            return; // our own close, or the connection's shutdown, handled there
        }
        l.broken = true;
        failWaiting(new RpcException(Kind.CONNECTION, "channel closed by the broker: " + reason(cause)));
        LOG.warn("oslo reporter: the broker closed the publishing channel ({}); reconnecting with the next batch",
                reason(cause));
    }

    private void recovered(Link l) {
        stats.recovered();
        if (down.compareAndSet(true, false)) {
            LOG.info("oslo reporter: connection to {} recovered", settings.transportUrl());
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
        failWaiting(new RpcException(Kind.CONNECTION, "the reporter is stopped"));
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
            LOG.warn("oslo reporter: {} RabbitMQ client threads did not end within {} ms", threads.alive(),
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
                LOG.debug("oslo reporter: unreadable returned message: {}", e.toString());
            }
        }

        void abort() {
            try {
                connection.abort((int) CLOSE_TIMEOUT_MS);
            } catch (RuntimeException e) {
                LOG.debug("oslo reporter: error while aborting the connection: {}", e.toString());
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
                LOG.warn("oslo reporter: ignoring an unreadable reply on {}: {}", replyQueue, e.toString());
                return;
            }
            CompletableFuture<OsloCodec.Reply> f = r.msgId() == null ? null : waiting.get(r.msgId());
            if (f == null) {
                LOG.debug("oslo reporter: reply for msg_id {} that nobody waits for (timed out or retried)", r.msgId());
            } else if (r.failure() != null || r.ending()) {
                f.complete(r);
            } else {
                LOG.debug("oslo reporter: call-monitor heartbeat for msg_id {}", r.msgId());
            }
        }

        @Override
        public void handleCancel(String consumerTag) {
            owner.broken = true;
            LOG.warn("oslo reporter: the broker cancelled the consumer of reply queue {}; re-creating it", replyQueue);
            failWaiting(new RpcException(Kind.CONNECTION, "reply queue " + replyQueue + " was deleted"));
        }
    }

    /** Routes the RabbitMQ client's connection-level noise to DEBUG: connection loss is logged once above. */
    private static final class QuietExceptionHandler extends DefaultExceptionHandler {
        @Override
        public void handleUnexpectedConnectionDriverException(Connection conn, Throwable exception) {
            LOG.debug("oslo reporter: connection driver error: {}", exception.toString());
        }

        @Override
        public void handleConnectionRecoveryException(Connection conn, Throwable exception) {
            LOG.debug("oslo reporter: reconnection attempt failed: {}", exception.toString());
        }
    }

    static int replyCode(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException) {
                Method m = ((ShutdownSignalException) t).getReason();
                if (m instanceof AMQP.Channel.Close) {
                    return ((AMQP.Channel.Close) m).getReplyCode();
                }
                if (m instanceof AMQP.Connection.Close) {
                    return ((AMQP.Connection.Close) m).getReplyCode();
                }
            }
        }
        return 0;
    }

    /** A one-line reason for an exception from the RabbitMQ client. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ShutdownSignalException) {
                Method m = ((ShutdownSignalException) t).getReason();
                if (m instanceof AMQP.Channel.Close) {
                    return ((AMQP.Channel.Close) m).getReplyText();
                }
                if (m instanceof AMQP.Connection.Close) {
                    return ((AMQP.Connection.Close) m).getReplyText();
                }
                if (t.getCause() != null) {
                    return describe(t.getCause());
                }
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return describe(root);
    }

    private static String describe(Throwable t) {
        if (t instanceof TimeoutException || t instanceof java.net.SocketTimeoutException) {
            return "timed out" + (t.getMessage() == null ? "" : " (" + t.getMessage() + ")");
        }
        if (t instanceof java.io.EOFException) {
            return "connection closed by the peer";
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    private static String seconds(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
