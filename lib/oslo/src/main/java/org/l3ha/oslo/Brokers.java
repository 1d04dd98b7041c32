package org.l3ha.oslo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

import com.rabbitmq.client.Address;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ExceptionHandler;
import com.rabbitmq.client.SocketConfigurators;
import com.rabbitmq.client.impl.DefaultExceptionHandler;

import org.slf4j.Logger;

/**
 * What every connection l3ha makes to the broker shares: the connection factory built from the
 * oslo options (credentials, virtual host, timeouts, heartbeat, automatic recovery with
 * oslo.messaging's reconnection delays, TLS) and exchange declaration as oslo.messaging does it
 * ({@link RpcFailures} puts the RabbitMQ client's exceptions in words).
 */
final class Brokers {
    /** Upper bound of one TCP connect or AMQP handshake (also bounded by rpc_response_timeout). */
    static final int CONNECT_TIMEOUT_MAX_MS = 10_000;
    static final int HEARTBEAT_SECONDS = 30;
    static final int PRECONDITION_FAILED = 406;

    private Brokers() {
    }

    /** @return the broker addresses of {@code transport_url}, in its order */
    static List<Address> addresses(OsloSettings settings) {
        List<Address> out = new ArrayList<>();
        for (TransportUrl.Host h : settings.transportUrl().hosts()) {
            out.add(new Address(h.host(), h.port()));
        }
        return out;
    }

    /**
     * @param tls the loaded TLS context, null for plaintext: every socket, the first and every
     *        reconnection, is then made over TLS with host name verification
     * @param threads makes every thread of the connections
     * @param handler the connections' exception handler
     * @param closeMillis how long closing a connection may take
     */
    static ConnectionFactory factory(OsloSettings settings, BrokerTls tls, ThreadFactory threads,
            ExceptionHandler handler, long closeMillis) {
        TransportUrl url = settings.transportUrl();
        int rpcMillis = (int) Math.min(Integer.MAX_VALUE, settings.rpcResponseTimeout().toMillis());
        int connectMillis = Math.min(rpcMillis, CONNECT_TIMEOUT_MAX_MS);
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUsername(url.username());
        factory.setPassword(url.password());
        factory.setVirtualHost(url.virtualHost());
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        factory.setRecoveryDelayHandler(settings::reconnectDelayMillis);
        factory.setConnectionTimeout(connectMillis);
        factory.setHandshakeTimeout(connectMillis);
        factory.setChannelRpcTimeout(rpcMillis);
        factory.setShutdownTimeout((int) closeMillis);
        factory.setRequestedHeartbeat(HEARTBEAT_SECONDS);
        factory.setThreadFactory(threads);
        factory.setExceptionHandler(handler);
        if (tls != null) {
            // the context's socket factory makes every socket; the configurator turns on host name
            // verification and the protocols before it connects (no plaintext socket is ever made)
            factory.useSslProtocol(tls.context());
            factory.setSocketConfigurator(socket -> {
                SocketConfigurators.defaultConfigurator().configure(socket);
                tls.configure(socket);
            });
        }
        return factory;
    }

    /**
     * Declares an exchange as oslo.messaging does. An existing exchange with other flags makes the
     * broker close the channel (406 PRECONDITION_FAILED); then it is used as it is, and
     * {@code mismatch} is given the broker's reason.
     *
     * @return an open channel on which the exchange exists
     */
    static Channel declareExchange(Connection c, String exchange, String type, boolean durable, boolean autoDelete,
            Consumer<String> mismatch) throws IOException {
        Channel ch = c.createChannel();
        try {
            ch.exchangeDeclare(exchange, type, durable, autoDelete, null);
            return ch;
        } catch (IOException e) {
            if (RpcFailures.replyCode(e) != PRECONDITION_FAILED) {
                throw e;
            }
            Channel again = c.createChannel();
            again.exchangeDeclarePassive(exchange);
            mismatch.accept(RpcFailures.reason(e));
            return again;
        }
    }

    /**
     * Routes the RabbitMQ client's connection-level noise to DEBUG: its owner logs a lost
     * connection once, in its own words.
     */
    static final class QuietExceptionHandler extends DefaultExceptionHandler {
        private final String name;
        private final Logger log;

        QuietExceptionHandler(String name, Logger log) {
            this.name = name;
            this.log = log;
        }

        @Override
        public void handleUnexpectedConnectionDriverException(Connection conn, Throwable exception) {
            log.debug("{}: connection driver error: {}", name, exception.toString());
        }

        @Override
        public void handleConnectionRecoveryException(Connection conn, Throwable exception) {
            log.debug("{}: reconnection attempt failed: {}", name, exception.toString());
        }
    }
}
