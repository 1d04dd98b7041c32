package org.l3ha.reporter.oslo.impl;

import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.l3ha.oslo.BrokerTls;
import org.l3ha.oslo.OsloClient;
import org.l3ha.oslo.OsloCodec;
import org.l3ha.oslo.OsloSettings;
import org.l3ha.oslo.RpcException;

/**
 * {@code update_ha_routers_states(host, states)} on neutron-server's L3 plugin topic, sent by the
 * shared {@link OsloClient} as {@code rpc_mode} says, each batch counted in {@link ReporterStats}.
 */
final class StateRpc implements AutoCloseable {
    /** The RPC API version Neutron's L3 agent claims for {@code update_ha_routers_states}. */
    static final String RPC_VERSION = "1.5";
    static final String METHOD = "update_ha_routers_states";
    static final String THREAD_PREFIX = "l3ha-reporter-oslo-";
    static final String NAME = "oslo reporter";

    private final OsloClient client;
    private final OsloCodec codec;
    private final ReporterStats stats;
    private final String rpcVersion;

    /** A plaintext client ({@code ssl = false}). */
    StateRpc(OsloSettings settings, String rpcVersion, OsloCodec codec, ReporterStats stats) {
        this(settings, null, rpcVersion, codec, stats);
    }

    /**
     * @param settings an active configuration ({@code transport_url} set)
     * @param tls the loaded TLS context of {@code settings}, null for plaintext
     * @param rpcVersion the version the messages claim ({@value #RPC_VERSION}; tests use others)
     * @param codec encoder
     * @param stats where to count
     */
    StateRpc(OsloSettings settings, BrokerTls tls, String rpcVersion, OsloCodec codec, ReporterStats stats) {
        this.client = new OsloClient(NAME, THREAD_PREFIX, settings, tls, codec, stats);
        this.codec = codec;
        this.stats = stats;
        this.rpcVersion = rpcVersion;
    }

    /**
     * Delivers one batch; one at a time.
     *
     * @param host the {@code host} argument
     * @param states the {@code states} argument: router id to server state name
     * @throws RpcException if the batch was not delivered (counted by kind)
     * @throws InterruptedException if interrupted while waiting for the reply or the confirm
     */
    void updateHaRoutersStates(String host, Map<String, String> states) throws RpcException, InterruptedException {
        ObjectNode args = codec.mapper().createObjectNode();
        args.put("host", host);
        ObjectNode st = args.putObject("states");
        states.forEach(st::put);
        try {
            client.send(METHOD, rpcVersion, args);
        } catch (RpcException e) {
            stats.failed(e);
            throw e;
        }
        stats.delivered(states.size());
    }

    boolean connected() {
        return client.connected();
    }

    int liveThreads() {
        return client.liveThreads();
    }

    String replyQueue() {
        return client.replyQueue();
    }

    BrokerTls tls() {
        return client.tls();
    }

    OsloSettings settings() {
        return client.settings();
    }

    @Override
    public void close() {
        client.close();
    }
}
