package org.l3ha.oslo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.l3ha.common.ConfigException;
import org.l3ha.oslo.OsloSettings.RpcMode;

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

    @Test
    void tlsIsOffByDefaultAndTheDefaultPortStays5672WithTls() {
        OsloSettings off = OsloSettings.parse(props("transport_url", "rabbit://n:p@ctl1/"));
        assertFalse(off.tls().enabled());
        OsloSettings on = OsloSettings.parse(props("transport_url", "rabbit://n:p@ctl1/", "ssl", "True"));
        assertTrue(on.tls().enabled());
        assertEquals(5672, on.transportUrl().hosts().get(0).port(), "oslo.messaging writes port 5672 for kombu, TLS or not");
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), on.tls().protocols());
        assertNull(on.tls().caFile());
    }

    @ParameterizedTest
    @CsvSource({"true,true", "True,true", "1,true", "yes,true", "on,true", "false,false", "0,false", "No,false",
        "off,false"})
    void sslTakesOsloConfigsBooleanWords(String word, boolean expected) {
        assertEquals(expected, OsloSettings.parse(props("ssl", word)).tls().enabled());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "TLSv1_2|TLSv1.2", "tlsv1_2|TLSv1.2", "TLSv1.2|TLSv1.2", "TLSv1_3|TLSv1.3", "SSLv23|TLSv1.3 TLSv1.2",
        "''|TLSv1.3 TLSv1.2"})
    void sslVersionTakesOslosWords(String version, String protocols) {
        assertEquals(List.of(protocols.split(" ")), OsloSettings.parse(props("ssl", "true", "ssl_version", version))
                .tls().protocols());
    }

    @ParameterizedTest
    @CsvSource({"TLSv1", "TLSv1_1", "SSLv3", "SSLv2"})
    void insecureSslVersionsAreRefused(String version) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> OsloSettings.parse(props("ssl", "true", "ssl_version", version)));
        assertTrue(e.getMessage().contains("ssl_version='" + version + "' is insecure and not supported"), e.getMessage());
    }

    @Test
    void badTlsValuesAreNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> OsloSettings.parse(props("ssl", "maybe",
                "ssl_version", "TLSv9", "ssl_ca_file", "relative/ca.pem", "ssl_key_file", "/etc/k.pem")));
        assertEquals(List.of("ssl='maybe' must be true or false (oslo.config also takes 1/0, yes/no, on/off)",
                "ssl_version='TLSv9' must be TLSv1_2, TLSv1_3, SSLv23 or empty",
                "ssl_ca_file='relative/ca.pem' must be an absolute path"), e.problems());
        e = assertThrows(ConfigException.class, () -> OsloSettings.parse(props("ssl", "true", "ssl_key_file",
                "/etc/k.pem")));
        assertTrue(e.getMessage().contains("ssl_key_file='/etc/k.pem' is set but ssl_cert_file is not"), e.getMessage());
    }

    @Test
    void osloDeprecatedNamesAreUsedWithAWarningNamingTheNewName() {
        List<String> warnings = new ArrayList<>();
        OsloSettings s = OsloSettings.parse(props("transport_url", "rabbit://n:p@ctl1:5671/", "rabbit_use_ssl", "true",
                "kombu_ssl_ca_certs", "/etc/ca.pem", "kombu_ssl_certfile", "/etc/c.pem", "kombu_ssl_keyfile",
                "/etc/k.pem", "kombu_ssl_version", "TLSv1_2"), warnings);
        assertTrue(s.tls().enabled(), "an old neutron.conf gets TLS");
        assertEquals(Path.of("/etc/ca.pem"), s.tls().caFile());
        assertEquals(Path.of("/etc/c.pem"), s.tls().certFile());
        assertEquals(Path.of("/etc/k.pem"), s.tls().keyFile());
        assertEquals(List.of("TLSv1.2"), s.tls().protocols());
        assertEquals(5, warnings.size(), warnings.toString());
        for (Map.Entry<String, String> e : OsloSettings.DEPRECATED.entrySet()) {
            assertTrue(warnings.stream().anyMatch(w -> w.contains("'" + e.getKey() + "' is oslo.messaging's deprecated"
                    + " name of '" + e.getValue() + "'; it is used, but write '" + e.getValue() + "' instead")),
                    warnings.toString());
        }
    }

    @Test
    void aDeprecatedNameThatDisagreesWithTheNewOneIsAnError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> OsloSettings.parse(props("ssl", "false", "rabbit_use_ssl", "true")));
        assertEquals(List.of("rabbit_use_ssl='true' disagrees with ssl='false' (rabbit_use_ssl is its deprecated name);"
                + " remove rabbit_use_ssl"), e.problems());
        List<String> warnings = new ArrayList<>();
        assertTrue(OsloSettings.parse(props("ssl", "1", "rabbit_use_ssl", "true"), warnings).tls().enabled());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("which is set too; remove 'rabbit_use_ssl'"), warnings.get(0));
    }

    @Test
    void theUrlsQueryOverridesTheKeysAsInOslo() {
        OsloSettings s = OsloSettings.parse(props("transport_url", "rabbit://n:p@ctl1/?ssl=1&ssl_ca_file=/etc/q-ca.pem",
                "ssl", "false", "ssl_ca_file", "/etc/ca.pem"));
        assertTrue(s.tls().enabled());
        assertEquals(Path.of("/etc/q-ca.pem"), s.tls().caFile());
        ConfigException e = assertThrows(ConfigException.class,
                () -> OsloSettings.parse(props("transport_url", "rabbit://n:S3cret@ctl1/?ssl=perhaps")));
        assertEquals(List.of("transport_url query parameter ssl='perhaps' must be true or false (oslo.config also takes"
                + " 1/0, yes/no, on/off)"), e.problems());
        e = assertThrows(ConfigException.class,
                () -> OsloSettings.parse(props("transport_url", "rabbit://n:S3cret@ctl1/?rabbit_use_ssl=1")));
        assertTrue(e.getMessage().contains("query parameter 'rabbit_use_ssl', which l3ha does not support"),
                e.getMessage());
        assertFalse(e.getMessage().contains("S3cret"));
    }

    @Test
    void tlsFilesWithoutSslAreAWarningNotSilentPlaintext() {
        List<String> warnings = new ArrayList<>();
        OsloSettings s = OsloSettings.parse(props("transport_url", "rabbit://n:p@ctl1/", "ssl_ca_file", "/etc/ca.pem"),
                warnings);
        assertFalse(s.tls().enabled());
        assertEquals(List.of("oslo reporter: ssl_ca_file set but ssl is false: connecting to rabbit://n:***@ctl1:5672/"
                + " WITHOUT TLS; set ssl = true to use TLS"), warnings);
    }

    @Test
    void hostNameVerificationCannotBeTurnedOff() {
        List<String> warnings = new ArrayList<>();
        OsloSettings.parse(props("ssl", "true", "ssl_enforce_hostname_verification", "false"), warnings);
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("is ignored: l3ha always verifies"), warnings.get(0));
    }

    @Test
    void aRedactedPasswordWrittenBackIsAnErrorSayingSo() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> OsloSettings.parse(props("transport_url", "rabbit://neutron:***@ctl1:5672/")));
        assertEquals(List.of("transport_url='rabbit://neutron:***@ctl1:5672/' holds the redacted password '***' instead"
                + " of the real one (copied from what config:list or a log line shows?); write the real password"),
                e.problems());
    }
}
