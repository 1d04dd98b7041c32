package org.l3ha.registry.neutron.impl;

import java.util.Objects;
import java.util.Optional;

/** A failed call of {@link L3PluginRpc}: why, as a {@link Kind}, and for a remote failure the class neutron-server raised. */
final class NeutronRpcException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The class neutron-server raises in {@code sync_routers} for a host that is not a registered L3 agent. */
    static final String AGENT_NOT_FOUND = "AgentNotFoundByTypeHost";

    /** Why a call failed. */
    enum Kind {
        /** The broker is unreachable, or the connection broke during the call. */
        CONNECTION("connection"),
        /** No reply within {@code rpc_response_timeout}. */
        TIMEOUT("timeout"),
        /** neutron-server raised an exception ({@link #remoteClass()}). */
        REMOTE("remote"),
        /** Anything else (a reply that cannot be decoded, a local error). */
        OTHER("other");

        private final String counter;

        Kind(String counter) {
            this.counter = counter;
        }

        /** @return the kind's name in the counters ({@code failures_<name>}) */
        String counter() {
            return counter;
        }
    }

    private final Kind kind;
    private final String remoteClass;

    /**
     * @param kind why
     * @param message one line for the log and health (escaped where it is shown)
     */
    NeutronRpcException(Kind kind, String message) {
        this(kind, null, message, null);
    }

    NeutronRpcException(Kind kind, String message, Throwable cause) {
        this(kind, null, message, cause);
    }

    private NeutronRpcException(Kind kind, String remoteClass, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.remoteClass = remoteClass;
    }

    /**
     * @param remoteClass the Python exception class neutron-server raised, e.g. {@code AgentNotFoundByTypeHost}
     *        (a module prefix such as {@code neutron_lib.exceptions.agent.} is allowed)
     * @param message its message
     * @return a failure of kind {@link Kind#REMOTE}
     */
    static NeutronRpcException remote(String remoteClass, String message) {
        return new NeutronRpcException(Kind.REMOTE, Objects.requireNonNull(remoteClass, "remoteClass"), message, null);
    }

    Kind kind() {
        return kind;
    }

    /** @return the Python exception class neutron-server raised, for kind {@link Kind#REMOTE} */
    Optional<String> remoteClass() {
        return Optional.ofNullable(remoteClass);
    }

    /** @return whether neutron-server said this host is not a registered L3 agent */
    boolean agentNotFound() {
        if (remoteClass == null) {
            return false;
        }
        return remoteClass.substring(remoteClass.lastIndexOf('.') + 1).equals(AGENT_NOT_FOUND);
    }
}
