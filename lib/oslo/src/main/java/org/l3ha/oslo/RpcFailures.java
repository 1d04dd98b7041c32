package org.l3ha.oslo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Method;
import com.rabbitmq.client.ShutdownSignalException;

import org.l3ha.oslo.RpcException.Kind;

/**
 * What went wrong, in words: one-line reasons for the RabbitMQ client's exceptions and shutdown
 * signals, their AMQP reply codes, and the {@link RpcException} (its {@link Kind} and message) for
 * each way a request of {@link OsloClient} can fail. Decides nothing about retrying or logging.
 */
final class RpcFailures {
    private RpcFailures() {
    }

    /** @return the AMQP reply code of the channel or connection close behind {@code e}, 0 if none */
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

    /**
     * A failed connection attempt: {@link Kind#TLS} when {@code tls} explains it as a failed
     * handshake (on the thread that made the attempt, before it forgets its socket), else
     * {@link Kind#CONNECTION}.
     *
     * @param tls the TLS context of the attempt, null for plaintext
     */
    static RpcException connect(TransportUrl url, BrokerTls tls, Throwable e) {
        String tlsFailure = tls == null ? null : tls.explain(e, hostList(url));
        if (tlsFailure != null) {
            return new RpcException(Kind.TLS, tlsFailure, e);
        }
        return new RpcException(Kind.CONNECTION, "cannot connect to " + url + ": " + reason(e), e);
    }

    private static String hostList(TransportUrl url) {
        List<String> hosts = new ArrayList<>();
        for (TransportUrl.Host h : url.hosts()) {
            hosts.add(h.toString());
        }
        return String.join(", ", hosts);
    }

    /** The connection opened but the exchange or the reply queue could not be set up on it. */
    static RpcException setUp(String exchange, String replyQueue, TransportUrl url, Throwable e) {
        return new RpcException(Kind.CONNECTION, "cannot set up exchange " + exchange + " and reply queue " + replyQueue
                + " on " + url + ": " + reason(e), e);
    }

    /** The client was closed. */
    static RpcException stopped(String name) {
        return new RpcException(Kind.CONNECTION, name + " is stopped");
    }

    /** The open connection broke; what waits for a reply on it fails with this. */
    static RpcException lost(TransportUrl url, ShutdownSignalException cause) {
        return new RpcException(Kind.CONNECTION, "connection to " + url + " lost: " + reason(cause));
    }

    /** The broker closed a channel (e.g. 404: the exchange was deleted). */
    static RpcException channelClosed(ShutdownSignalException cause) {
        return new RpcException(Kind.CONNECTION, "channel closed by the broker: " + reason(cause));
    }

    /** The broker cancelled the consumer of the reply queue. */
    static RpcException replyQueueDeleted(String replyQueue) {
        return new RpcException(Kind.CONNECTION, "reply queue " + replyQueue + " was deleted");
    }

    /** Publishing failed. */
    static RpcException publish(TransportUrl url, Exception e) {
        return new RpcException(Kind.CONNECTION, "cannot publish to " + url + ": " + reason(e), e);
    }

    /**
     * Waiting for a reply ended with {@code cause} (what completed the wait exceptionally).
     *
     * @return {@code cause} itself when it is an {@link RpcException}
     */
    static RpcException callFailed(Throwable cause) {
        if (cause instanceof RpcException) {
            return (RpcException) cause;
        }
        return new RpcException(Kind.CONNECTION, "call failed: " + cause, cause);
    }

    /** No reply to a call within {@code rpc_response_timeout}. */
    static RpcException noReply(String method, long timeoutMillis, String exchange, String topic, String msgId) {
        return new RpcException(Kind.TIMEOUT, "no reply from neutron-server to " + method + " within "
                + seconds(timeoutMillis) + " (exchange " + exchange + ", topic " + topic + ", msg_id " + msgId
                + "); is neutron-server consuming?");
    }

    /** neutron-server answered a call with an exception. */
    static RpcException remote(String method, OsloCodec.RemoteError failure) {
        return new RpcException(Kind.REMOTE, "neutron-server failed " + method + ": " + failure, failure.className());
    }

    /** No broker confirm for a cast within {@code rpc_response_timeout}. */
    static RpcException noConfirm(long timeoutMillis) {
        return new RpcException(Kind.TIMEOUT, "the broker did not confirm the cast within " + seconds(timeoutMillis));
    }

    /** The connection or channel went down while a cast waited for the broker's confirm. */
    static RpcException lostBeforeConfirm(ShutdownSignalException e) {
        return new RpcException(Kind.CONNECTION, "connection lost before the broker confirmed the cast: " + reason(e), e);
    }

    /** The broker returned a cast: no queue is bound to the topic. */
    static RpcException unroutable(String returnText, String exchange, String topic) {
        return new RpcException(Kind.UNROUTABLE, "cast returned unroutable (" + returnText + "): no queue is bound"
                + " to exchange " + exchange + " with routing key " + topic + "; is neutron-server consuming?");
    }

    /** The broker rejected a cast. */
    static RpcException nacked(String exchange) {
        return new RpcException(Kind.NACKED, "the broker rejected (nack) the cast to exchange " + exchange);
    }

    /** @return e.g. {@code 60 s}, or {@code 1500 ms} when not whole seconds */
    static String seconds(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
