package org.l3ha.oslo;

import java.util.Optional;

/**
 * A request that was not delivered or not answered, with the reason as a {@link Kind} for the
 * counters and health, and for a failure neutron-server raised the Python exception's class name.
 */
public final class RpcException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a request was not delivered. */
    public enum Kind {
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
        public String counter() {
            return counter;
        }
    }

    private final Kind kind;
    private final String remoteClass;

    public RpcException(Kind kind, String message) {
        this(kind, message, (Throwable) null);
    }

    public RpcException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.remoteClass = null;
    }

    /**
     * A failure neutron-server raised ({@link Kind#REMOTE}).
     *
     * @param remoteClass the Python exception's class name, e.g. {@code AgentNotFoundByTypeHost}
     */
    public RpcException(Kind kind, String message, String remoteClass) {
        super(message);
        this.kind = kind;
        this.remoteClass = remoteClass;
    }

    public Kind kind() {
        return kind;
    }

    /** @return the class name of the exception neutron-server raised; empty unless {@link Kind#REMOTE} */
    public Optional<String> remoteClass() {
        return Optional.ofNullable(remoteClass);
    }
}
