package org.l3ha.oslo.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

/**
 * The machine's RabbitMQ (127.0.0.1:5672, guest/guest; {@code .ci/run} starts it) for tests: an
 * admin connection to declare and inspect things, unique names so that tests never disturb each
 * other, and clean-up of everything a test registered. The broker itself is never stopped.
 */
public final class TestBroker implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    public static final int PORT = 5672;

    private final Connection connection;
    private final List<String> queues = new ArrayList<>();
    private final List<String> exchanges = new ArrayList<>();

    public TestBroker() throws IOException, TimeoutException {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(HOST);
        f.setPort(PORT);
        f.setAutomaticRecoveryEnabled(false);
        try {
            connection = f.newConnection("l3ha-test-admin");
        } catch (IOException e) {
            throw new IOException("RabbitMQ must run at " + HOST + ":" + PORT + " with guest/guest for these tests"
                    + " (.ci/run starts it with rabbitmq-server -detached)", e);
        }
    }

    public static String url() {
        return url(PORT);
    }

    public static String url(int port) {
        return "rabbit://guest:guest@" + HOST + ":" + port + "/";
    }

    /** @return {@code prefix-<8 hex>}, unique per call */
    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A fresh channel on the admin connection (closed channels do not harm the connection). */
    public Channel channel() throws IOException {
        return connection.createChannel();
    }

    /** Deletes the queue on close. */
    public String queue(String name) {
        queues.add(name);
        return name;
    }

    /** Deletes the exchange on close. */
    public String exchange(String name) {
        exchanges.add(name);
        return name;
    }

    /**
     * Registers what an oslo.messaging RPC server on {@code exchange}/{@code topic}/{@code server}
     * and a reporter leave behind, for deletion on close.
     */
    public void oslo(String exchange, String topic, String server) {
        exchange(exchange);
        queue(topic);
        queue(topic + "." + server);
    }

    /** @return whether the exchange exists (a passive declare succeeds) */
    public boolean exchangeExists(String name) throws IOException {
        Channel ch = channel();
        try {
            ch.exchangeDeclarePassive(name);
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            if (ch.isOpen()) {
                closeQuietly(ch);
            }
        }
    }

    @Override
    public void close() throws IOException {
        for (String q : queues) {
            Channel ch = channel();
            try {
                ch.queueDelete(q);
            } catch (IOException e) {
                // already gone
            } finally {
                if (ch.isOpen()) {
                    closeQuietly(ch);
                }
            }
        }
        for (String x : exchanges) {
            Channel ch = channel();
            try {
                ch.exchangeDelete(x);
            } catch (IOException e) {
                // already gone
            } finally {
                if (ch.isOpen()) {
                    closeQuietly(ch);
                }
            }
        }
        connection.close();
    }

    private static void closeQuietly(Channel ch) {
        try {
            ch.close();
        } catch (IOException | TimeoutException | RuntimeException e) {
            // closing anyway
        }
    }
}
