package org.l3ha.metrics.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.testing.LogCapture;

/** The component with its HTTP server for real, on 127.0.0.1. */
class MetricsExporterTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private MetricsExporter exporter;

    @AfterEach
    void stop() {
        if (exporter != null) {
            exporter.deactivate();
        }
        await().atMost(DEADLINE).until(() -> serverThreads() == 0);
    }

    @Test
    void servesTheTextFormatAtMetrics() throws Exception {
        exporter = new MetricsExporter(config("port", "0"));
        exporter.bindStats(() -> Map.of("accepted", 3L, "rejected.bad_state", 1L), props(1, StatsProvider.NAME, "endpoint"));
        exporter.bindCheck(() -> HealthResult.ok("listening"), props(2, HealthCheck.NAME, "endpoint"));
        // its own check and counters are collected without binding them (DS would call that circular)
        int port = exporter.port();
        assertTrue(port > 0);
        assertEquals("http://127.0.0.1:" + port + "/metrics", exporter.url());
        assertEquals(HealthResult.ok("serving on http://127.0.0.1:" + port + "/metrics"), exporter.check());

        HttpResponse<String> r = get(exporter.url());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        ExpositionText t = ExpositionText.parse(r.body());
        assertEquals("counter", t.types().get("l3ha_notifications_total"));
        assertEquals(3.0, t.get("l3ha_notifications_total{result=\"accepted\"}"));
        assertEquals(1.0, t.get("l3ha_notifications_total{reason=\"bad_state\",result=\"rejected\"}"));
        assertEquals(0.0, t.get("l3ha_health_status{check=\"endpoint\"}"));
        assertEquals(0.0, t.get("l3ha_health_status{check=\"metrics\"}"));
        assertEquals(1.0, t.get("l3ha_metrics_scrapes"));
        // the next scrape counts this one
        assertEquals(2.0, ExpositionText.parse(get(exporter.url()).body()).get("l3ha_metrics_scrapes"));
        assertEquals(2L, exporter.counters().get(L3haCollector.SCRAPES));
        // nothing else is served
        assertEquals(404, get("http://127.0.0.1:" + port + "/").statusCode());
        assertEquals(404, get("http://127.0.0.1:" + port + "/-/healthy").statusCode());
    }

    @Test
    void offUntilAPortIsSet() throws Exception {
        exporter = new MetricsExporter(Map.of());
        assertEquals(HealthResult.ok("not serving: port not set"), exporter.check());
        assertNull(exporter.url());
        assertEquals(0, serverThreads());
        // the content is there all the same
        assertTrue(exporter.registry().scrape().size() > 0, "its own health and counters at least");
        exporter.modified(config("port", "0"));
        assertEquals(200, get(exporter.url()).statusCode());
        exporter.modified(Map.of());
        assertNull(exporter.url());
        assertEquals(HealthResult.ok("not serving: port not set"), exporter.check());
    }

    @Test
    void aNonLoopbackBindAddressIsRefusedAndTheRunningServerKept() throws Exception {
        try (LogCapture log = new LogCapture()) {
            exporter = new MetricsExporter(config("port", "0", "bind_address", "10.0.0.1"));
            assertTrue(log.has("ERROR", "Metrics server not started: invalid configuration org.l3ha.metrics:"
                    + " bind_address='10.0.0.1' must be a loopback IP address"), log.text());
            assertNull(exporter.url());
            HealthResult h = exporter.check();
            assertEquals(HealthResult.Status.CRITICAL, h.status());
            assertTrue(h.message().contains("bind_address='10.0.0.1'") && h.message().endsWith("; not serving"), h.message());

            exporter.modified(config("port", "0"));
            String url = exporter.url();
            assertEquals(HealthResult.Status.OK, exporter.check().status());
            exporter.modified(config("port", "0", "bind_address", "0.0.0.0"));
            assertTrue(log.has("ERROR", "bind_address='0.0.0.0' must be a loopback IP address",
                    "; keeping serving on " + url), log.text());
            assertEquals(url, exporter.url());
            assertEquals(200, get(url).statusCode());
            assertEquals(HealthResult.Status.CRITICAL, exporter.check().status());
            assertTrue(exporter.check().message().endsWith("; still serving on " + url), exporter.check().message());
            exporter.modified(config("port", "0", "bind_address", "localhost"));
            assertTrue(log.has("ERROR", "bind_address='localhost' must be a loopback IP address"), log.text());
        }
    }

    @Test
    void aBadPortNamesKeyAndValue() {
        try (LogCapture log = new LogCapture()) {
            exporter = new MetricsExporter(config("port", "abc"));
            assertTrue(log.has("ERROR", "invalid configuration org.l3ha.metrics: port='abc' not an integer"), log.text());
            assertEquals(HealthResult.Status.CRITICAL, exporter.check().status());
            exporter.modified(config("port", "70000"));
            assertTrue(log.has("ERROR", "port='70000' must be between 0 and 65535; keeping serving nothing"), log.text());
            exporter.modified(config("port", "0", "prot", "1"));
            assertTrue(log.has("WARN", "unknown configuration key 'prot' in PID org.l3ha.metrics"), log.text());
            assertEquals(HealthResult.Status.OK, exporter.check().status());
        }
    }

    @Test
    void loopbackAddressesAreAccepted() {
        for (String a : new String[] {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "0:0:0:0:0:0:0:1"}) {
            assertTrue(MetricsSettings.loopback(a) != null, a);
        }
        for (String a : new String[] {"10.0.0.1", "0.0.0.0", "::", "localhost", "example.org", "fe80::1", "1.2.3"}) {
            assertNull(MetricsSettings.loopback(a), a);
        }
        assertEquals("http://[0:0:0:0:0:0:0:1]:9/metrics", MetricsSettings.parse(Map.of("bind_address", "::1")).url(9));
    }

    @Test
    void aPortTakenMakesTheHealthCriticalWithTheReason() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                LogCapture log = new LogCapture()) {
            int port = taken.getLocalPort();
            exporter = new MetricsExporter(config("port", String.valueOf(port)));
            HealthResult h = exporter.check();
            assertEquals(HealthResult.Status.CRITICAL, h.status());
            assertTrue(h.message().startsWith("cannot serve on http://127.0.0.1:" + port + "/metrics: BindException"),
                    h.message());
            assertTrue(log.has("ERROR", "Metrics server not started: cannot serve on http://127.0.0.1:" + port), log.text());
            assertNull(exporter.url());
            await().atMost(DEADLINE).until(() -> serverThreads() == 0);
            // the same configuration again is tried again
            taken.close();
            exporter.modified(config("port", String.valueOf(port)));
            assertEquals(HealthResult.ok("serving on http://127.0.0.1:" + port + "/metrics"), exporter.check());
        }
    }

    @Test
    void deactivateClosesThePortAndEndsTheThreads() throws Exception {
        exporter = new MetricsExporter(config("port", "0"));
        int port = exporter.port();
        assertEquals(200, get(exporter.url()).statusCode());
        assertTrue(serverThreads() > 0);
        exporter.deactivate();
        exporter.deactivate();
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            }
        });
        await().atMost(DEADLINE).until(() -> serverThreads() == 0);
        assertEquals(HealthResult.ok("not serving: stopped"), exporter.check());
        exporter.modified(config("port", "0"));
        assertNull(exporter.url());
        exporter = null;
    }

    @Test
    void aNewPortMovesTheServer() throws Exception {
        exporter = new MetricsExporter(config("port", "0"));
        int first = exporter.port();
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        exporter.modified(config("port", String.valueOf(free)));
        assertEquals(free, exporter.port());
        assertEquals(200, get(exporter.url()).statusCode());
        assertThrows(IOException.class, () -> get("http://127.0.0.1:" + first + "/metrics"));
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** @return threads of the server: ours, and the JDK server's dispatcher */
    private static long serverThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(MetricsServer.THREAD_PREFIX) || n.startsWith("HTTP-Dispatcher")
                        || n.equals("server-timer"))
                .count();
    }

    private static Map<String, Object> config(String... kv) {
        Map<String, Object> out = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            out.put(kv[i], kv[i + 1]);
        }
        return out;
    }

    private static Map<String, Object> props(long id, String nameProperty, String name) {
        return Map.of("service.id", id, nameProperty, name, "component.name", "org.l3ha." + name);
    }
}
