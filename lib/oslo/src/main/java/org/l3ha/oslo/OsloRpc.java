package org.l3ha.oslo;

import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.ShutdownSignalException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * oslo.messaging's RPC call and cast on a {@link BrokerConnection}'s link, as {@link OsloClient}
 * describes them: publishing, waiting for a call's reply by {@code msg_id} on the reply queue or
 * for a cast's broker confirm, each within {@code rpc_response_timeout}. One request at a time
 * (the caller serializes them); replies arrive on the RabbitMQ client's threads.
 *
 * <p>Logs as {@link OsloClient}: its log lines are the client's.
 */
final class OsloRpc implements BrokerConnection.Requests {
    private static final Logger LOG = LoggerFactory.getLogger(OsloClient.class);

    private final String name;
    private final OsloSettings settings;
    private final OsloCodec codec;
    private final String replyQueue;
    private final Map<String, CompletableFuture<OsloCodec.Reply>> waiting = new ConcurrentHashMap<>();

    /**
     * @param name how log lines name the owner, e.g. {@code oslo reporter}
     * @param replyQueue the reply queue the link consumes, named in every call
     */
    OsloRpc(String name, OsloSettings settings, OsloCodec codec, String replyQueue) {
        this.name = name;
        this.settings = settings;
        this.codec = codec;
        this.replyQueue = replyQueue;
    }

    /** Calls a method on {@code l} and waits for its result. */
    JsonNode call(BrokerLink l, String method, String version, ObjectNode args)
            throws RpcException, InterruptedException {
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
                throw RpcFailures.noReply(method, timeoutMillis, settings.controlExchange(), settings.topic(), msgId);
            } catch (ExecutionException e) {
                throw RpcFailures.callFailed(e.getCause());
            }
            if (r.failure() != null) {
                throw RpcFailures.remote(method, r.failure());
            }
            return r.result();
        } finally {
            waiting.remove(msgId);
        }
    }

    /** Casts a method on {@code l} (a channel in confirm mode) and waits for the broker's confirm. */
    void cast(BrokerLink l, String method, String version, ObjectNode args)
            throws RpcException, InterruptedException {
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
            throw RpcFailures.noConfirm(timeoutMillis);
        } catch (ShutdownSignalException e) {
            l.broken = true;
            throw RpcFailures.lostBeforeConfirm(e);
        } catch (InterruptedException e) {
            l.broken = true; // the unconfirmed message would be waited for by the next cast
            throw e;
        }
        if (uniqueId.equals(l.returnedId)) {
            throw RpcFailures.unroutable(l.returnText, settings.controlExchange(), settings.topic());
        }
        if (!acked) {
            throw RpcFailures.nacked(settings.controlExchange());
        }
        LOG.debug("Cast {}, confirmed by the broker", method);
    }

    private void publish(BrokerLink l, byte[] body, AMQP.BasicProperties props, boolean mandatory)
            throws RpcException {
        try {
            l.publish.basicPublish(settings.controlExchange(), settings.topic(), mandatory, props, body);
        } catch (IOException | ShutdownSignalException e) {
            l.broken = true;
            throw RpcFailures.publish(settings.transportUrl(), e);
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

    /** Completes the waiting call a reply belongs to. */
    @Override
    public void reply(byte[] body) {
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
    public void returned(BrokerLink l, Return r) {
        try {
            l.returnText = r.getReplyCode() + " " + r.getReplyText();
            l.returnedId = codec.decode(r.getBody()).path("_unique_id").asText(null);
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: unreadable returned message: {}", name, e.toString());
        }
    }

    @Override
    public void failWaiting(RpcException e) {
        for (CompletableFuture<OsloCodec.Reply> f : waiting.values()) {
            f.completeExceptionally(e);
        }
    }
}
