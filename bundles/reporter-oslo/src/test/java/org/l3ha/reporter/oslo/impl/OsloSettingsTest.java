package org.l3ha.reporter.oslo.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.l3ha.common.ConfigException;
import org.l3ha.reporter.oslo.impl.OsloSettings.RpcMode;

class OsloSettingsTest {

    private static Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("host", "net-1");
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void defaultsAreOsloMessagingsAndTheReporterIsInactiveWithoutUrl() {
        OsloSettings s = OsloSettings.parse(props());
        assertFalse(s.active());
        assertNull(s.transportUrl());
        assertEquals("neutron", s.controlExchange());
        assertEquals("q-l3-plugin", s.topic());
        assertEquals(RpcMode.CALL, s.rpcMode());
        assertEquals(Duration.ofSeconds(60), s.rpcResponseTimeout());
        assertEquals(Duration.ofSeconds(1), s.retryInterval());
        assertEquals(Duration.ofSeconds(2), s.retryBackoff());
        assertEquals(Duration.ofSeconds(30), s.intervalMax());
        assertFalse(s.durable());
        assertFalse(s.autoDelete());
        assertEquals("net-1", s.host());
    }

    @Test
    void blankUrlAsShippedInTheCfgFileIsInactive() {
        assertFalse(OsloSettings.parse(props("transport_url", "  ")).active());
    }

    @Test
    void readsEveryKeyAsStringsFromACfgFile() {
        OsloSettings s = OsloSettings.parse(props("transport_url", "rabbit://n:p@c1,n:p@c2:5673/os",
                "control_exchange", "openstack", "topic", "q-l3-plugin-x", "rpc_mode", "cast",
                "rpc_response_timeout", "7.5", "rabbit_retry_interval", "0.5", "rabbit_retry_backoff", "0",
                "rabbit_interval_max", "4", "amqp_durable_queues", "true", "amqp_auto_delete", "true"));
        assertTrue(s.active());
        assertEquals(2, s.transportUrl().hosts().size());
        assertEquals("os", s.transportUrl().virtualHost());
        assertEquals("openstack", s.controlExchange());
        assertEquals("q-l3-plugin-x", s.topic());
        assertEquals(RpcMode.CAST, s.rpcMode());
        assertEquals(Duration.ofMillis(7500), s.rpcResponseTimeout());
        assertEquals(Duration.ofMillis(500), s.retryInterval());
        assertEquals(Duration.ZERO, s.retryBackoff());
        assertEquals(Duration.ofSeconds(4), s.intervalMax());
        assertTrue(s.durable());
        assertTrue(s.autoDelete());
    }

    @Test
    void typedValuesFromMetatypeDefaultsAreAccepted() {
        OsloSettings s = OsloSettings.parse(props("rpc_response_timeout", 60.0, "amqp_durable_queues", false));
        assertEquals(Duration.ofSeconds(60), s.rpcResponseTimeout());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "rpc_mode|fanout",
        "rpc_response_timeout|abc",
        "rpc_response_timeout|0",
        "rpc_response_timeout|-1",
        "rpc_response_timeout|86400",
        "rabbit_retry_interval|0",
        "rabbit_retry_backoff|-2",
        "rabbit_interval_max|x",
        "control_exchange|neu tron",
        "topic|q-l3 plugin",
        "amqp_durable_queues|maybe",
        "amqp_auto_delete|1",
    })
    void aBadValueIsNamedWithKeyAndValue(String key, String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> OsloSettings.parse(props(key, value)));
        assertTrue(e.getMessage().contains(key + "="), e.getMessage());
        assertTrue(e.getMessage().contains("org.l3ha.reporter.oslo"), e.getMessage());
        assertEquals(1, e.problems().size());
    }

    @Test
    void intervalMaxBelowIntervalIsRejected() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> OsloSettings.parse(props("rabbit_retry_interval", "5", "rabbit_interval_max", "2")));
        assertTrue(e.getMessage().contains("rabbit_interval_max='2' must not be less than rabbit_retry_interval"),
                e.getMessage());
    }

    @Test
    void aMalformedUrlIsAnErrorThatHidesThePassword() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> OsloSettings.parse(props("transport_url", "rabbit://nova:T0pS3cret@ctl1:567200/")));
        assertEquals(List.of("transport_url='rabbit://***@ctl1:567200/' has an invalid port for host 1"), e.problems());
        assertFalse(e.getMessage().contains("T0pS3cret"));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        ConfigException e = assertThrows(ConfigException.class, () -> OsloSettings.parse(
                props("rpc_mode", "fanout", "topic", "a b", "transport_url", "kafka://x")));
        assertEquals(3, e.problems().size(), e.getMessage());
    }

    @Test
    void badAgentSettingsAreReportedToo() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> OsloSettings.parse(props("state_path", "relative/path")));
        assertTrue(e.getMessage().contains("state_path"), e.getMessage());
    }

    @Test
    void reconnectDelaysFollowOslo() {
        OsloSettings s = OsloSettings.parse(props());
        assertEquals(1000, s.reconnectDelayMillis(0));
        assertEquals(3000, s.reconnectDelayMillis(1));
        assertEquals(5000, s.reconnectDelayMillis(2));
        assertEquals(29000, s.reconnectDelayMillis(14));
        assertEquals(30000, s.reconnectDelayMillis(15));
        assertEquals(30000, s.reconnectDelayMillis(1000));
    }
}
