package org.l3ha.oslo;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives copies of the RPC messages neutron-server sends to one agent, without taking them from
 * it: a queue of its own is bound to the control exchange with the agent's routing keys (e.g.
 * {@code l3_agent.<host>}) and to the topic's fanout exchanges (e.g. {@code l3_agent_fanout}), so
 * the broker gives it a copy of every message the agent's own queues get. The agent's queues are
 * never consumed, and a call (a message with {@code _reply_q}) is never answered: the agent
 * answers it.
 *
 * <p>The queue is not durable and deletes itself when its consumer goes away (it also expires
 * after {@value #QUEUE_EXPIRES_MS} ms unused): what was sent while the feed was disconnected is
 * not kept, so the owner resyncs on every {@link Sink#connected()}. The first connection is
 * retried with oslo.messaging's delays ({@code rabbit_retry_interval}, {@code rabbit_retry_backoff},
 * {@code rabbit_interval_max}) until it succeeds; after that the RabbitMQ client's automatic
 * recovery reconnects and restores the queue, its bindings and its consumer.
 */
public final class NotificationFeed implements AutoCloseable {
    /** The queue's {@code x-expires}: removed by the broker this long after its consumer went away. */
    public static final int QUEUE_EXPIRES_MS = 600_000;

    private static final Logger LOG = LoggerFactory.getLogger(NotificationFeed.class);
    private static final long CLOSE_TIMEOUT_MS = 2000;

    /** Where the feed delivers; called on the feed's threads, one call at a time, must not block long. */
    public interface Sink {
        /**
         * The queue is bound and consumed, after the first connection or a reconnection: messages
         * sent before may have been missed.
         */
        void connected();

        /** The broker connection is down (first attempt failed, or an open one broke). */
        void disconnected(String cause);

        /**
         * A message for the agent.
         *
         * @param method the RPC method, e.g. {@code routers_updated}
         * @param args its keyword arguments (an empty object when it has none)
         */
        void message(String method, JsonNode args);
    }

    private final String name;
    private final OsloSettings settings;
    private final OsloCodec codec;
    private final String queue;
    private final List<String> routingKeys;
    private final List<String> fanoutExchanges;
    private final Sink sink;
    private final TrackingThreadFactory threads;
    /** What the broker shows as the connection's name: the thread prefix without its dash, "feed", the host. */
    private final String connectionName;
    private final ConnectionFactory factory;
    private final ExecutorService deliveries;
    private final ScheduledExecutorService connector;
    private final AtomicBoolean down = new AtomicBoolean(true);
    private final AtomicBoolean exchangeWarned = new AtomicBoolean();
    private volatile Connection connection;
    private volatile boolean closed;
    private int attempts;

    /**
     * @param name how log lines name the owner, e.g. {@code neutron registry}
     * @param threadPrefix prefix of the names of this feed's threads
     * @param settings an active configuration: broker, exchange, retry delays, TLS
     * @param tls the loaded TLS context of {@code settings}, null for plaintext
     * @param queue the name of the feed's own queue
     * @param routingKeys keys that bind the queue to the control exchange, e.g. {@code l3_agent.<host>}
     * @param fanoutExchanges fanout exchanges the queue is bound to, e.g. {@code l3_agent_fanout}
     */
    public NotificationFeed(String name, String threadPrefix, OsloSettings settings, BrokerTls tls, OsloCodec codec,
            String queue, List<String> routingKeys, List<String> fanoutExchanges, Sink sink) {
        if (!settings.active()) {
            throw new IllegalArgumentException("transport_url is not set");
        }
        this.name = name;
        this.settings = settings;
        this.codec = codec;
        this.queue = queue;
        this.routingKeys = List.copyOf(routingKeys);
        this.fanoutExchanges = List.copyOf(fanoutExchanges);
        this.sink = sink;
        this.threads = new TrackingThreadFactory(threadPrefix + "feed-");
        this.connectionName = threadPrefix.replaceAll("-+$", "") + " feed " + settings.host();
        this.factory = Brokers.factory(settings, tls, threads, new Brokers.QuietExceptionHandler(name, LOG), CLOSE_TIMEOUT_MS);
        this.deliveries = Executors.newSingleThreadExecutor(threads);
        this.connector = Executors.newSingleThreadScheduledExecutor(threads);
    }

    /** Connects in the background, retrying until it succeeds or the feed is closed. */
    public void start() {
        connector.execute(this::connect);
    }

    /** @return whether the queue is consumed now */
    public boolean connected() {
        Connection c = connection;
        return c != null && c.isOpen() && !down.get();
    }

    /** @return the feed's threads still running (0 after {@link #close()}) */
    public int liveThreads() {
        return threads.alive();
    }

    private void connect() {
        if (closed) {
            return;
        }
        Connection c = null;
        try {
            c = factory.newConnection(deliveries, Brokers.addresses(settings), connectionName);
            Channel ch = Brokers.declareExchange(c, settings.controlExchange(), "topic", settings.durable(),
                    settings.autoDelete(), this::exchangeMismatch);
            ch.queueDeclare(queue, false, false, true, Map.of("x-expires", QUEUE_EXPIRES_MS));
            for (String key : routingKeys) {
                ch.queueBind(queue, settings.controlExchange(), key);
            }
            for (String fanout : fanoutExchanges) {
                // as oslo.messaging declares a fanout exchange: not durable, auto-delete
                // its channel stays open: the client's recovery re-declares what was declared on
                // channels that are still open, and only those
                Channel f = Brokers.declareExchange(c, fanout, "fanout", false, true, this::exchangeMismatch);
                f.queueBind(queue, fanout, "");
            }
            ch.basicConsume(queue, true, new Deliveries(ch));
            Connection opened = c;
            c.addShutdownListener(cause -> lost(opened, cause));
            if (c instanceof Recoverable) {
                ((Recoverable) c).addRecoveryListener(new RecoveryListener() {
                    @Override
                    public void handleRecovery(Recoverable recoverable) {
                        up("connection to " + settings.transportUrl() + " recovered");
                    }

                    @Override
                    public void handleRecoveryStarted(Recoverable recoverable) {
                        LOG.debug("{}: reconnecting the notification feed to {}", name, settings.transportUrl());
                    }
                });
            }
            connection = c;
            if (closed) {
                abort(c);
                return;
            }
            attempts = 0;
            up("receiving neutron-server's messages for " + String.join(", ", routingKeys)
                    + (fanoutExchanges.isEmpty() ? "" : " and " + String.join(", ", fanoutExchanges)) + " in queue "
                    + queue + " on " + settings.transportUrl());
        } catch (IOException | TimeoutException | RuntimeException e) {
            if (c != null) {
                abort(c);
            }
            String cause = "cannot connect the notification feed to " + settings.transportUrl() + ": "
                    + RpcFailures.reason(e);
            long delay = settings.reconnectDelayMillis(attempts++);
            if (attempts == 1) {
                LOG.warn("{}: {}; retrying in {} ms", name, cause, delay);
            } else {
                LOG.debug("{}: {}; retrying in {} ms", name, cause, delay);
            }
            deliver(() -> sink.disconnected(cause));
            if (!closed) {
                connector.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void up(String what) {
        if (down.compareAndSet(true, false)) {
            LOG.info("{}: {}", name, what);
            deliver(sink::connected);
        }
    }

    private void lost(Connection c, ShutdownSignalException cause) {
        if (cause.isInitiatedByApplication() || closed) {
            return;
        }
        if (down.compareAndSet(false, true)) {
            String why = "notification feed lost its connection to " + settings.transportUrl() + " ("
                    + RpcFailures.reason(cause) + "); reconnecting";
            LOG.warn("{}: {}", name, why);
            deliver(() -> sink.disconnected(why));
        }
    }

    private void exchangeMismatch(String reason) {
        if (exchangeWarned.compareAndSet(false, true)) {
            LOG.warn("{}: an exchange exists with other flags than oslo.messaging's ({}); using it as it is", name,
                    reason);
        }
    }

    /** Runs a sink call on the delivery thread, so that the sink sees one call at a time, in order. */
    private void deliver(Runnable call) {
        try {
            deliveries.execute(() -> {
                try {
                    call.run();
                } catch (RuntimeException e) {
                    LOG.warn("{}: the notification sink failed: {}", name, e.toString(), e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    private static void abort(Connection c) {
        try {
            c.abort((int) CLOSE_TIMEOUT_MS);
        } catch (RuntimeException e) {
            LOG.debug("error while aborting a connection: {}", e.toString());
        }
    }

    /** Closes the connection (the broker then deletes the queue) and ends every thread; idempotent. */
    @Override
    public void close() {
        closed = true;
        connector.shutdownNow();
        Connection c = connection;
        connection = null;
        if (c != null) {
            abort(c);
        }
        deliveries.shutdown();
        try {
            if (!deliveries.awaitTermination(CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                deliveries.shutdownNow();
            }
            connector.awaitTermination(CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            deliveries.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (!threads.stop(CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            LOG.warn("{}: {} notification feed threads did not end within {} ms", name, threads.alive(),
                    CLOSE_TIMEOUT_MS);
        }
    }

    /** Decodes each message and hands its method and arguments to the sink. */
    private final class Deliveries extends DefaultConsumer {
        Deliveries(Channel channel) {
            super(channel);
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            ObjectNode inner;
            try {
                inner = codec.decode(body);
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: ignoring an unreadable message on {} (routing key {}): {}", name, queue,
                        envelope.getRoutingKey(), e.toString());
                return;
            }
            String method = inner.path("method").asText("");
            JsonNode args = inner.path("args");
            if (method.isEmpty()) {
                LOG.debug("{}: ignoring a message without a method on {}", name, queue);
                return;
            }
            try {
                sink.message(method, args.isObject() ? args : codec.mapper().createObjectNode());
            } catch (RuntimeException e) {
                LOG.warn("{}: the notification sink failed on {}: {}", name, method, e.toString(), e);
            }
        }

        @Override
        public void handleCancel(String consumerTag) {
            if (down.compareAndSet(false, true)) {
                String why = "the broker cancelled the consumer of queue " + queue + " (deleted?)";
                LOG.warn("{}: {}; reconnecting", name, why);
                deliver(() -> sink.disconnected(why));
                Connection c = connection;
                connection = null;
                if (c != null) {
                    abort(c);
                }
                connector.execute(NotificationFeed.this::connect);
            }
        }
    }
}
