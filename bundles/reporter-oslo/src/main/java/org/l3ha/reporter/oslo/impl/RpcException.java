package org.l3ha.reporter.oslo.impl;

/**
 * A batch that was not delivered, with the reason as a {@link Kind} for the counters and health.
 */
final class RpcException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a batch was not delivered. */
    enum Kind {
        /** No reply (call) or no broker confirm (cast) within {@code rpc_response_timeout}. */
        TIMEOUT("timeout"),
        /** Cast returned by the broker: no queue bound to the topic, i.e. no neutron-server consuming. */
        UNROUTABLE("unroutable"),
        /** Cast rejected (nack) by the broker. */
        NACKED("nacked"),
        /** neutron-server answered with an exception. */
        REMOTE("remote_error"),
        /** No connection to any broker, or it broke during the attempt. */
        CONNECTION("connection"),
        /** The TLS handshake with the broker failed (certificate, host name, no TLS on the port). */
        TLS("tls");

        private final String counter;

        Kind(String counter) {
            this.counter = counter;
        }

        /** @return the kind's name in counters ({@code failures_<name>}) */
        String counter() {
            return counter;
        }
    }

    private final Kind kind;

    RpcException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    RpcException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }
}
