package org.l3ha.reporter.oslo.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult.Status;
import org.l3ha.api.HealthResult;
import org.l3ha.api.StateReporter;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.testing.LogCapture;
import org.l3ha.oslo.OsloSettings;
import org.l3ha.oslo.RpcException;
import org.l3ha.oslo.testing.OsloServerProcess;
import org.l3ha.oslo.testing.TestBroker;
import org.l3ha.oslo.testing.TestPki.Issued;
import org.l3ha.oslo.testing.TestPki.KeyKind;
import org.l3ha.oslo.testing.TestPki;
import org.l3ha.oslo.testing.TlsRabbitNode;

/**
 * The reporter (the DS component with a fake bundle context) over TLS against a real RabbitMQ node
 * this class starts ({@link TlsRabbitNode}: TLS listener with mutual TLS required, plus a plain
 * listener) and a real oslo.messaging RPC server in Python that connects over TLS too, with a CA,
 * server and client certificates made by {@code openssl}. One node for the class; each test uses
 * its own reporter host name, so the server's records tell the tests apart.
 */
class TlsBrokerTest {
    private static final String ROUTER = "0b2c6e3a-1111-2222-3333-444455556666";

    @TempDir
    static Path dir;
    private static TestPki pki;
    private static TestPki otherCa;
    private static Issued server;
    private static Issued client;
    private static TlsRabbitNode node;
    private static OsloServerProcess oslo;
    private static String exchange;
    private static String topic;

    private final List<OsloReporter> components = new ArrayList<>();
    private LogCapture log;

    @BeforeAll
    static void startNodeAndOsloServer() throws IOException {
        pki = new TestPki(dir, "main");
        otherCa = new TestPki(dir, "other");
        server = pki.server("server", "localhost", "DNS:localhost,IP:127.0.0.1");
        client = pki.client("client", "l3ha-agent", KeyKind.PKCS8_RSA);
        Issued pythonClient = pki.client("python", "oslo-server", KeyKind.PKCS8_RSA);
        node = TlsRabbitNode.start(dir.resolve("node"), pki, server, client);
        exchange = TestBroker.unique("l3ha-tls");
        topic = TestBroker.unique("q-l3-plugin");
        // oslo.messaging reads [oslo_messaging_rabbit] options from the URL's query
        String url = node.url("localhost", node.tlsPort) + "?ssl=1&ssl_ca_file=" + pki.caCert + "&ssl_cert_file="
                + pythonClient.cert() + "&ssl_key_file=" + pythonClient.key();
        try {
            oslo = OsloServerProcess.start(dir.resolve("oslo"), url, exchange, topic);
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + "\nnode log:\n" + node.logTail(30), e);
        }
    }

    @AfterAll
    static void stop() {
        if (oslo != null) {
            oslo.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @BeforeEach
    void capture() {
        log = new LogCapture();
    }

    @AfterEach
    void deactivate() {
        for (OsloReporter c : components) {
            c.deactivate();
        }
        log.close();
    }

    /** The component configured with this class's exchange and topic, plus {@code kv}. */
    private Activated reporter(String host, Object... kv) {
        Map<String, Object> props = OsloReporterTest.props("host", host, "control_exchange", exchange, "topic", topic,
                "rpc_response_timeout", "20", "transport_url", node.url("localhost", node.tlsPort));
        for (int i = 0; i < kv.length; i += 2) {
            props.put((String) kv[i], kv[i + 1]);
        }
        FakeBundleContext bundle = new FakeBundleContext();
        OsloReporter component = OsloReporterTest.activate(bundle, props, StateRpc.RPC_VERSION);
        components.add(component);
        return new Activated(component, bundle, props);
    }

    private record Activated(OsloReporter component, FakeBundleContext bundle, Map<String, Object> props) {
        StateReporter reporter() {
            return bundle.active(StateReporter.class).get(0);
        }

        HealthResult health() {
            return bundle.active(HealthCheck.class).get(0).check();
        }

        Map<String, Long> counters() {
            return bundle.active(StatsProvider.class).get(0).counters();
        }
    }

    private static List<JsonNode> records(String host) throws IOException {
        return oslo.records().stream().filter(r -> host.equals(r.get("host").asText())).toList();
    }

    /** @return the row of {@code list_connections} of the reporter that reports as {@code host} */
    private static List<String> connectionOf(String host, String... items) throws IOException {
        // the connection name the reporter gives is in the client properties (3.10 has no user_provided_name item)
        List<String> all = new ArrayList<>(List.of(items));
        all.add("client_properties");
        return node.connections(all.toArray(new String[0])).stream()
                .filter(r -> r.contains("{\"connection_name\",\"l3ha-reporter-oslo " + host + "\"}")).toList();
    }

    private String failureContext() {
        return "\nlog:\n" + log.text() + "\nnode log:\n" + node.logTail(20);
    }

    @Test
    void aCallOverMutualTlsReachesTheOsloServerAndEveryConnectionIsTls() throws Exception {
        Activated a = reporter("net-tls-1", "ssl", "true", "ssl_ca_file", pki.caCert.toString(), "ssl_cert_file",
                client.cert().toString(), "ssl_key_file", client.key().toString());
        a.reporter().report(Map.of(ROUTER, "active")); // a call: returns once the server has run the method
        List<JsonNode> records = records("net-tls-1");
        assertEquals(1, records.size(), "delivered once" + failureContext());
        assertEquals("active", records.get(0).get("states").get(ROUTER).asText());

        List<String> ours = connectionOf("net-tls-1", "ssl", "ssl_protocol", "peer_cert_subject");
        assertEquals(1, ours.size(), node.connections("ssl", "client_properties").toString());
        assertTrue(ours.get(0).startsWith("true\ttlsv1.3\t"), "TLS 1.3 with our client certificate: " + ours);
        assertTrue(ours.get(0).contains("CN=l3ha-agent"), ours.toString());
        List<String> ssl = node.connections("ssl");
        assertTrue(ssl.size() >= 2, "the reporter's and the oslo server's connections: " + ssl);
        for (String row : ssl) {
            assertEquals("true", row.strip(), "every connection to the node is TLS, the oslo server's too: " + ssl);
        }
        assertTrue(a.health().message().contains("over TLS (TLSv1.3/TLSv1.2, broker certificate and host name verified"
                + " against ssl_ca_file " + pki.caCert + ", client certificate CN=l3ha-agent)"), a.health().message());
        assertEquals(Status.OK, a.health().status());
        assertEquals(1L, a.counters().get("tls"));
        assertTrue(log.has("INFO", "oslo reporter: connected to rabbit://l3ha:***@localhost:" + node.tlsPort, "over TLS, TLSv1.3"),
                log.text());
        assertFalse(log.text().contains(node.password), "the broker password is in no log line");
        assertFalse(a.health().message().contains(node.password));
    }

    @Test
    void anOldNeutronConfWithDeprecatedNamesGetsTlsWithAnEcKeyAndTls12() throws Exception {
        Issued ec = pki.client("client-ec", "l3ha-agent-ec", KeyKind.SEC1_EC);
        Issued rsa1 = pki.client("client-pkcs1", "l3ha-agent-pkcs1", KeyKind.PKCS1_RSA);
        Activated a = reporter("net-tls-2", "rabbit_use_ssl", "True", "kombu_ssl_ca_certs", pki.caCert.toString(),
                "kombu_ssl_certfile", ec.cert().toString(), "kombu_ssl_keyfile", ec.key().toString(),
                "kombu_ssl_version", "TLSv1_2");
        a.reporter().report(Map.of(ROUTER, "standby"));
        assertEquals(1, records("net-tls-2").size(), failureContext());
        List<String> ours = connectionOf("net-tls-2", "ssl", "ssl_protocol", "peer_cert_subject");
        assertEquals(1, ours.size(), ours.toString());
        assertTrue(ours.get(0).startsWith("true\ttlsv1.2\t") && ours.get(0).contains("CN=l3ha-agent-ec"), ours.toString());
        for (String old : List.of("rabbit_use_ssl", "kombu_ssl_ca_certs", "kombu_ssl_certfile", "kombu_ssl_keyfile",
                "kombu_ssl_version")) {
            assertTrue(log.has("WARN", "'" + old + "' is oslo.messaging's deprecated name of '"
                    + OsloSettings.DEPRECATED.get(old) + "'"), old + log.text());
        }

        // a PKCS#1 RSA key, the way the URL's query says it (as oslo.messaging reads it)
        Map<String, Object> props = OsloReporterTest.props("host", "net-tls-2", "control_exchange", exchange, "topic",
                topic, "rpc_response_timeout", "20", "transport_url", node.url("localhost", node.tlsPort) + "?ssl=true"
                        + "&ssl_ca_file=" + pki.caCert + "&ssl_cert_file=" + rsa1.cert() + "&ssl_key_file=" + rsa1.key());
        OsloReporterTest.configure(a.component(), props);
        a.reporter().report(Map.of(ROUTER, "active"));
        assertEquals(2, records("net-tls-2").size(), failureContext());
        assertTrue(connectionOf("net-tls-2", "peer_cert_subject").get(0).contains("CN=l3ha-agent-pkcs1"));
    }

    @Test
    void aWrongCaIsOneClearErrorNothingIsDeliveredUntilTheConfigurationIsFixed() throws Exception {
        String host = "net-tls-3";
        Activated a = reporter(host, "ssl", "true", "ssl_ca_file", otherCa.caCert.toString(), "ssl_cert_file",
                client.cert().toString(), "ssl_key_file", client.key().toString());
        for (int attempt = 0; attempt < 2; attempt++) { // the notifier's retries
            RpcException e = assertThrows(RpcException.class, () -> a.reporter().report(Map.of(ROUTER, "active")));
            assertEquals(RpcException.Kind.TLS, e.kind());
            assertEquals("TLS handshake with localhost:" + node.tlsPort + " failed: the broker's certificate"
                    + " (CN=localhost, issued by CN=l3ha test CA main) is not signed by a CA in ssl_ca_file "
                    + otherCa.caCert, e.getMessage().replaceFirst(" \\([^()]*\\)$", ""));
        }
        assertEquals(1, log.lines("ERROR", "TLS handshake with localhost:" + node.tlsPort + " failed",
                "is not signed by a CA in ssl_ca_file").size(), "one ERROR line for a failure that persists" + log.text());
        assertEquals(List.of(), records(host), "nothing delivered");
        assertEquals(List.of(), connectionOf(host), "no connection at all: never retried without TLS");
        assertEquals(Status.CRITICAL, a.health().status());
        assertTrue(a.health().message().contains("TLS handshake with localhost:" + node.tlsPort + " failed"),
                a.health().message());
        assertEquals(2L, a.counters().get("failures_tls"));

        // a file that cannot be read: one ERROR naming key and path, the previous configuration stays
        Map<String, Object> props = new java.util.HashMap<>(a.props());
        props.put("ssl_ca_file", dir.resolve("no-such-ca.pem").toString());
        OsloReporterTest.configure(a.component(), props);
        assertEquals(1, log.lines("ERROR", "ssl_ca_file='" + dir.resolve("no-such-ca.pem")
                + "' cannot be read: no such file; keeping the previous configuration").size(), log.text());

        props.put("ssl_ca_file", pki.caCert.toString());
        OsloReporterTest.configure(a.component(), props);
        a.reporter().report(Map.of(ROUTER, "active"));
        assertEquals(1, records(host).size(), "delivered once the CA is right" + failureContext());
        assertEquals(Status.OK, a.health().status());
    }

    @Test
    void anExpiredBrokerCertificateIsNamedWithItsDate() throws Exception {
        Issued expired = pki.expiredServer("expired", "localhost", "DNS:localhost,IP:127.0.0.1");
        Activated a = reporter("net-tls-4", "ssl", "true", "ssl_ca_file", pki.caCert.toString(), "ssl_cert_file",
                client.cert().toString(), "ssl_key_file", client.key().toString());
        node.useServerCertificate(expired);
        try {
            RpcException e = assertThrows(RpcException.class, () -> a.reporter().report(Map.of(ROUTER, "active")));
            assertEquals("TLS handshake with localhost:" + node.tlsPort + " failed: the broker's certificate"
                    + " (CN=localhost) expired on 2020-02-01T00:00:00Z", e.getMessage());
            assertTrue(log.has("ERROR", e.getMessage()), log.text());
        } finally {
            node.restoreServerCertificate();
        }
        assertEquals(List.of(), records("net-tls-4"));
    }

    @Test
    void aCertificateForAnotherHostIsAHostNameMismatch() throws Exception {
        Issued wrong = pki.server("wrong-host", "wrong.l3ha.invalid", "DNS:wrong.l3ha.invalid");
        Activated a = reporter("net-tls-5", "ssl", "true", "ssl_ca_file", pki.caCert.toString(), "ssl_cert_file",
                client.cert().toString(), "ssl_key_file", client.key().toString());
        node.useServerCertificate(wrong);
        try {
            RpcException e = assertThrows(RpcException.class, () -> a.reporter().report(Map.of(ROUTER, "active")));
            assertEquals("TLS handshake with localhost:" + node.tlsPort + " failed: host name mismatch: the broker's"
                    + " certificate (CN=wrong.l3ha.invalid) is for DNS:wrong.l3ha.invalid, not for localhost",
                    e.getMessage());
        } finally {
            node.restoreServerCertificate();
        }
        assertEquals(List.of(), records("net-tls-5"));
        // an IP address must be an IP entry of the certificate: 127.0.0.1 is one of the node's certificate
        Map<String, Object> props = new java.util.HashMap<>(a.props());
        props.put("transport_url", node.url("127.0.0.1", node.tlsPort));
        OsloReporterTest.configure(a.component(), props);
        a.reporter().report(Map.of(ROUTER, "active"));
        assertEquals(1, records("net-tls-5").size(), failureContext());
    }

    @Test
    void sslAgainstAPlaintextOnlyPortIsAClearErrorAndNoPlaintextConnection() throws Exception {
        Activated a = reporter("net-tls-6", "transport_url", node.url("localhost", node.plainPort), "ssl", "true",
                "ssl_ca_file", pki.caCert.toString(), "ssl_cert_file", client.cert().toString(), "ssl_key_file",
                client.key().toString());
        RpcException e = assertThrows(RpcException.class, () -> a.reporter().report(Map.of(ROUTER, "active")));
        assertEquals(RpcException.Kind.TLS, e.kind());
        assertTrue(e.getMessage().startsWith("TLS handshake with localhost:" + node.plainPort + " failed: the broker did"
                + " not answer with TLS; is this a plaintext AMQP port?"), e.getMessage());
        assertTrue(log.has("ERROR", "TLS handshake with localhost:" + node.plainPort), log.text());
        assertEquals(List.of(), connectionOf("net-tls-6"), "no AMQP connection was made in plaintext");
        assertEquals(List.of(), records("net-tls-6"));
    }

    @Test
    void withoutAClientCertificateTheBrokerRequiringOneIsNamed() throws Exception {
        Activated a = reporter("net-tls-7", "ssl", "true", "ssl_ca_file", pki.caCert.toString());
        RpcException e = assertThrows(RpcException.class, () -> a.reporter().report(Map.of(ROUTER, "active")));
        assertTrue(e.getMessage().startsWith("TLS handshake with localhost:" + node.tlsPort + " failed: the broker"
                + " requires a client certificate; set ssl_cert_file and ssl_key_file"), e.getMessage() + failureContext());
        assertEquals(List.of(), records("net-tls-7"));
    }

    @Test
    void aTlsReporterRecoversAfterTheBrokerDroppedItsConnection() throws Exception {
        Activated a = reporter("net-tls-8", "ssl", "true", "ssl_ca_file", pki.caCert.toString(), "ssl_cert_file",
                client.cert().toString(), "ssl_key_file", client.key().toString(), "rabbit_retry_interval", "0.2",
                "rabbit_retry_backoff", "0", "rabbit_interval_max", "0.5");
        a.reporter().report(Map.of(ROUTER, "active"));
        node.ctl("close_all_connections", "l3ha test: dropped");
        await("a TLS batch delivered after the broker dropped the connection").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                    a.reporter().report(Map.of(ROUTER, "standby")); // the notifier's retries
                    return true;
                });
        await().atMost(Duration.ofSeconds(30)).until(() -> records("net-tls-8").size() >= 2);
        for (String row : node.connections("ssl")) {
            assertEquals("true", row.strip(), "reconnected over TLS");
        }
    }
}
