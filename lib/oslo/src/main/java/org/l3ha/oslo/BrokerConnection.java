package org.l3ha.oslo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Address;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.ShutdownSignalException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.oslo.OsloSettings.RpcMode;
import org.l3ha.oslo.RpcException.Kind;

/**
 * The AMQP connection of one {@link OsloClient} to RabbitMQ, with the exchange it publishes to
 * and its reply queue, and the connection's recovery.
 *
 * <p>One connection, opened by the first request ({@link #link()}) and kept open; the RabbitMQ
 * client's automatic recovery reconnects it in the background and restores the exchange, the reply
 * queue and its consumer. A request that finds the connection down does not wait for that: it
 * takes the broken connection over with one connection attempt of its own (bounded by the connect
 * timeout) and fails at once if the broker is unreachable. The {@link OsloClient.Listener} is told
 * when a connection opens, breaks and recovers; {@link Requests} when a reply arrives and when what
 * waits for one must fail. A lost connection, a failed connect and a TLS failure are logged once
 * (again only when the TLS cause changes), and their end once. Closing ends every thread of the
 * RabbitMQ client it made.
 *
 * <p>Logs as {@link OsloClient}: its log lines are the client's.
 */
final class BrokerConnection {
    /** What the connection tells the requests made on it; called on the RabbitMQ client's threads. */
    interface Requests {
        /** A message arrived on the reply queue. */
        void reply(byte[] body);

        /** The broker returned a message published with {@code mandatory} on {@code link}. */
        void returned(BrokerLink link, Return r);

        /** What waits for a reply or a confirm cannot get it any more. */
        void failWaiting(RpcException e);
    }

    private static final Logger LOG = LoggerFactory.getLogger(OsloClient.class);
    private static final long CLOSE_TIMEOUT_MS = 2000;

    private final String name;
    /** What the broker shows as the connection's name: the thread prefix without its dash, and the host. */
    private final String connectionName;
    private final OsloSettings settings;
    private final BrokerTls tls;
    private final OsloClient.Listener listener;
    private final Requests requests;
    private final String replyQueue;
    private final List<Address> addresses = new ArrayList<>();
    private final ConnectionFactory factory;
    private final TrackingThreadFactory threads;
    private final ExecutorService consumerPool;
    private final Object linkLock = new Object();
    /** A broken connection (or a failed connect) was logged and its recovery not yet. */
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicBoolean exchangeWarned = new AtomicBoolean();
    private volatile BrokerLink link;
    private volatile boolean closed;
    private volatile boolean connectedOnce;
    /** The TLS failure last logged at ERROR; null after a connection succeeded. */
    private volatile String lastTlsError;

    /**
     * @param name how log lines and the connection name the owner, e.g. {@code oslo reporter}
     * @param threadPrefix prefix of the names of the threads, e.g. {@code l3ha-reporter-oslo-}
     * @param settings an active configuration ({@code transport_url} set)
     * @param tls the TLS context of {@code settings}' TLS options, loaded; null for plaintext
     * @param replyQueue the name of the reply queue to declare and consume
     * @param listener told when the connection opens, breaks and recovers
     * @param requests told of replies, returned messages, and when what waits must fail
     */
    BrokerConnection(String name, String threadPrefix, OsloSettings settings, BrokerTls tls, String replyQueue,
            OsloClient.Listener listener, Requests requests) {
        this.name = name;
        this.settings = settings;
        this.tls = tls;
        this.listener = listener;
        this.requests = requests;
        this.replyQueue = replyQueue;
        this.threads = new TrackingThreadFactory(threadPrefix + "amqp-");
        this.connectionName = threadPrefix.replaceAll("-+$", "") + " " + settings.host();
        addresses.addAll(Brokers.addresses(settings));
        factory = Brokers.factory(settings, tls, threads, new Brokers.QuietExceptionHandler(name, LOG), CLOSE_TIMEOUT_MS);
        consumerPool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadPrefix + "replies");
            t.setDaemon(true);
            return t;
        });
    }

    /** @return whether the connection is open now */
    boolean connected() {
        BrokerLink l = link;
        return l != null && l.connection.isOpen();
    }

    /** @return threads of the RabbitMQ client still running (0 after {@link #close()}) */
    int liveThreads() {
        return threads.alive();
    }

    /** @return an open link, connecting first if needed */
    BrokerLink link() throws RpcException {
        BrokerLink l = link;
        if (l != null && l.usable()) {
            return l;
        }
        synchronized (linkLock) {
            l = link;
            if (l != null && l.usable()) {
                return l;
            }
            if (closed) {
                throw RpcFailures.stopped(name);
            }
            if (l != null) {
                // broken, or the automatic recovery is still trying: take over with one attempt now
                link = null;
                l.abort();
            }
            BrokerLink fresh = open();
            link = fresh;
            // close() sets closed, then reads link: one of the two sees the other's write
            if (closed) {
                link = null;
                fresh.abort();
                throw RpcFailures.stopped(name);
            }
            return fresh;
        }
    }

    private BrokerLink open() throws RpcException {
        TransportUrl url = settings.transportUrl();
        Connection c;
        String negotiated = null;
        try {
            c = factory.newConnection(consumerPool, addresses, connectionName);
            negotiated = tls == null ? null : tls.negotiated();
        } catch (IOException | TimeoutException | RuntimeException e) {
            RpcException failure = RpcFailures.connect(url, tls, e);
            if (failure.kind() == Kind.TLS) {
                String tlsFailure = failure.getMessage();
                down.set(true);
                if (!tlsFailure.equals(lastTlsError)) {
                    lastTlsError = tlsFailure;
                    LOG.error("{}: {}; not connected (never retried without TLS), retrying with the next request", name,
                            tlsFailure);
                    LOG.debug("{}: TLS failure in detail", name, e);
                } else {
                    LOG.debug("{}: {} (again)", name, tlsFailure);
                }
                throw failure;
            }
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
        BrokerLink l = new BrokerLink(name, c, CLOSE_TIMEOUT_MS);
        try {
            c.addShutdownListener(cause -> connectionShutdown(cause));
            if (c instanceof Recoverable) {
                ((Recoverable) c).addRecoveryListener(new RecoveryListener() {
                    @Override
                    public void handleRecovery(Recoverable recoverable) {
                        recovered();
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
                l.publish.addReturnListener(r -> requests.returned(l, r));
            }
            // calls are made in both modes ({@link OsloClient#call}: questions that need an answer)
            Channel replies = c.createChannel();
            replies.queueDeclare(replyQueue, false, false, false,
                    Map.of("x-expires", OsloClient.REPLY_QUEUE_EXPIRES_MS));
            replies.basicConsume(replyQueue, true, new ReplyConsumer(replies, l));
            l.replies = replies;
        } catch (IOException | RuntimeException e) {
            l.abort();
            RpcException failure = RpcFailures.setUp(settings.controlExchange(), replyQueue, url, e);
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

    private void connectionShutdown(ShutdownSignalException cause) {
        if (cause.isInitiatedByApplication()) {
            return; // our own close or abort
        }
        requests.failWaiting(RpcFailures.lost(settings.transportUrl(), cause));
        listener.connectionLost();
        if (down.compareAndSet(false, true)) {
            LOG.warn("{}: connection to {} lost ({}); reconnecting", name, settings.transportUrl(),
                    RpcFailures.reason(cause));
        }
    }

    /** A channel error (e.g. 404: the exchange was deleted) closes only the channel: fail what waits on it. */
    private void channelShutdown(BrokerLink l, ShutdownSignalException cause) {
        if (cause.isInitiatedByApplication() || cause.isHardError()) {
            return; // our own close, or the connection's shutdown, handled there
        }
        l.broken = true;
        requests.failWaiting(RpcFailures.channelClosed(cause));
        LOG.warn("{}: the broker closed the publishing channel ({}); reconnecting with the next request", name,
                RpcFailures.reason(cause));
    }

    private void recovered() {
        listener.recovered();
        if (down.compareAndSet(true, false)) {
            LOG.info("{}: connection to {} recovered", name, settings.transportUrl());
        }
    }

    /** Closes the connection and ends every thread it made; idempotent, never throws. */
    void close() {
        closed = true;
        BrokerLink l = link;
        link = null;
        requests.failWaiting(RpcFailures.stopped(name));
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

    /** Hands every reply to the requests; a cancelled consumer breaks the link. */
    private final class ReplyConsumer extends DefaultConsumer {
        private final BrokerLink owner;

        ReplyConsumer(Channel channel, BrokerLink owner) {
            super(channel);
            this.owner = owner;
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            requests.reply(body);
        }

        @Override
        public void handleCancel(String consumerTag) {
            owner.broken = true;
            LOG.warn("{}: the broker cancelled the consumer of reply queue {}; re-creating it", name, replyQueue);
            requests.failWaiting(RpcFailures.replyQueueDeleted(replyQueue));
        }
    }
}
