package org.l3ha.oslo;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of a {@link BrokerConnection} with its channels: the one requests are published
 * on and the one the reply queue is consumed on. Logs as {@link OsloClient}.
 */
final class BrokerLink {
    private static final Logger LOG = LoggerFactory.getLogger(OsloClient.class);

    final Connection connection;
    volatile Channel publish;
    volatile Channel replies;
    /** Set when a channel failed or the reply consumer was cancelled: open a new link. */
    volatile boolean broken;
    /** {@code _unique_id} of the last cast the broker returned, and why (see {@link BrokerConnection.Requests}). */
    volatile String returnedId;
    volatile String returnText;
    private final String name;
    private final long closeMillis;

    /**
     * @param name how log lines name the owner
     * @param closeMillis how long aborting the connection may take
     */
    BrokerLink(String name, Connection connection, long closeMillis) {
        this.name = name;
        this.connection = connection;
        this.closeMillis = closeMillis;
    }

    boolean usable() {
        Channel p = publish;
        Channel r = replies;
        return !broken && connection.isOpen() && p != null && p.isOpen() && (r == null || r.isOpen());
    }

    void abort() {
        try {
            connection.abort((int) closeMillis);
        } catch (RuntimeException e) {
            LOG.debug("{}: error while aborting the connection: {}", name, e.toString());
        }
    }
}
