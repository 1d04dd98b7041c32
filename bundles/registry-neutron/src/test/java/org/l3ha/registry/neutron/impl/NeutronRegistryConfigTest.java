package org.l3ha.registry.neutron.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.l3ha.common.ConfigException;
import org.l3ha.oslo.RpcException;

/** The registry's own options, and how the shared client's failures read to the registry. */
class NeutronRegistryConfigTest {

    @Test
    void defaultsAreNeutronsAndKeysOfTheAgentPidAreAccepted() {
        NeutronSettings s = NeutronRegistry.pacing(Map.of("host", "node-a", "state_path", "/var/lib/neutron"));
        assertEquals(Duration.ofSeconds(40), s.periodicInterval());
        assertEquals(256, s.syncRoutersChunkSize());
        assertEquals(32, s.minChunkSize());
    }

    @Test
    void valuesAreTakenAndBadOnesNamedWithKeyAndValue() {
        NeutronSettings s = NeutronRegistry.pacing(Map.of("periodic_interval", "600", "sync_routers_chunk_size", "64"));
        assertEquals(Duration.ofSeconds(600), s.periodicInterval());
        assertEquals(64, s.syncRoutersChunkSize());
        ConfigException e = assertThrows(ConfigException.class,
                () -> NeutronRegistry.pacing(Map.of("periodic_interval", "0")));
        assertTrue(e.getMessage().contains("periodic_interval") && e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> NeutronRegistry.pacing(Map.of("sync_routers_chunk_size", "8")));
        assertTrue(e.getMessage().contains("sync_routers_chunk_size"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> NeutronRegistry.pacing(Map.of("periodic_interval", "soon")));
        assertTrue(e.getMessage().contains("soon"), e.getMessage());
    }

    @Test
    void theClientsFailureKindsMapToTheRegistrysRetryKinds() {
        assertEquals(NeutronRpcException.Kind.TIMEOUT, OsloL3PluginRpc.kind(RpcException.Kind.TIMEOUT));
        assertEquals(NeutronRpcException.Kind.REMOTE, OsloL3PluginRpc.kind(RpcException.Kind.REMOTE));
        for (RpcException.Kind k : new RpcException.Kind[] {RpcException.Kind.CONNECTION, RpcException.Kind.TLS,
                RpcException.Kind.UNROUTABLE, RpcException.Kind.NACKED}) {
            assertEquals(NeutronRpcException.Kind.CONNECTION, OsloL3PluginRpc.kind(k), k.name());
        }
    }

    @Test
    void withoutABrokerACallFailsAsAConnectionProblemNamingThePid() {
        OsloL3PluginRpc rpc = new OsloL3PluginRpc(() -> null);
        NeutronRpcException e = assertThrows(NeutronRpcException.class, () -> rpc.getRouterIds("node-a"));
        assertEquals(NeutronRpcException.Kind.CONNECTION, e.kind());
        assertTrue(e.getMessage().contains("org.l3ha.reporter.oslo"), e.getMessage());
    }
}
