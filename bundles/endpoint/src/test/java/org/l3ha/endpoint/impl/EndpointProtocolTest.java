package org.l3ha.endpoint.impl;

import org.l3ha.common.testing.AgentConfigs;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.l3ha.api.HaState;
import org.l3ha.common.testing.UdsClient;

/** The HTTP contract over a real unix socket (docs/behaviour.md §1.1, §1.3, §10 cases 1-10, 65). */
class EndpointProtocolTest {
    static final String ID = "0b2c6e3a-1111-2222-3333-444455556666";

    @TempDir
    Path dir;
    StateChangeEndpoint endpoint;
    RecordingSink sink = new RecordingSink();
    Path socket;

    @BeforeEach
    void start() throws IOException {
        endpoint = new StateChangeEndpoint(AgentConfigs.of(Map.of("state_path", dir.toString())));
        endpoint.bindSink(sink);
        socket = dir.resolve("keepalived-state-change");
    }

    @AfterEach
    void stop() {
        assertEquals(0L, endpoint.counters().get("errors"), "no request failed inside the server");
        endpoint.deactivate();
    }

    @Test
    void curlPostByteExactIsAccepted() throws IOException {
        byte[] request = UdsClient.curlRequest(ID, "primary").getBytes(ISO_8859_1);
        assertEquals(178, request.length);
        try (UdsClient c = UdsClient.connect(socket)) {
            c.write(request);
            UdsClient.Reply r = c.readReply();
            assertEquals("HTTP/1.1 200 OK", r.statusLine());
            assertEquals("accepted\n", r.body());
            assertEquals("9", r.header("Content-Length"));
            assertEquals("text/plain; charset=utf-8", r.header("Content-Type"));
            assertEquals("close", r.header("Connection"));
            assertTrue(c.awaitClose(UdsClient.TIMEOUT), "the server closes the connection");
            assertArrayEquals(new byte[0], c.readToEof(Duration.ZERO), "nothing after the reply");
        }
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.PRIMARY)), sink.events());
        assertEquals(1L, endpoint.counters().get("accepted"));
        assertEquals(1L, endpoint.counters().get("received"));
    }

    @Test
    void httplib2GetWithLowerCaseNamesIsAccepted() throws IOException {
        try (UdsClient c = UdsClient.connect(socket)) {
            c.write(UdsClient.httplib2Request(ID, "backup"));
            UdsClient.Reply r = c.readReply();
            assertEquals(200, r.status());
            assertEquals("accepted\n", r.body());
            assertTrue(c.awaitClose(UdsClient.TIMEOUT));
        }
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.BACKUP)), sink.events());
    }

    @Test
    void headerNamesAreCaseInsensitiveAndMasterIsPrimary() throws IOException {
        UdsClient.Reply r = UdsClient.exchange(socket, "POST /foo?x=1 HTTP/1.1\r\nHost: x\r\n"
                + "X-NEUTRON-ROUTER-ID: " + ID + "\r\nx-NEUTRON-state: master\r\nConnection: close\r\n\r\n");
        assertEquals(200, r.status());
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.PRIMARY)), sink.events());
    }

    @Test
    void routerIdIsPassedOnInLowerCase() throws IOException {
        UdsClient.Reply r = UdsClient.exchange(socket, UdsClient.curlRequest(ID.toUpperCase(), "FAULT"));
        assertEquals(200, r.status());
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.FAULT)), sink.events());
    }

    @Test
    void trailingBlankIsHttpWhitespaceNotPartOfTheValue() throws IOException {
        // RFC 9110 §5.5: blanks around a field value are not part of it, so "fault " on the wire is "fault"
        UdsClient.Reply r = UdsClient.exchange(socket, UdsClient.curlRequest(ID, "fault "));
        assertEquals(200, r.status());
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.FAULT)), sink.events());
    }

    @Test
    void requestSplitAcrossSeveralWrites() throws IOException {
        byte[] request = UdsClient.curlRequest(ID, "primary").getBytes(ISO_8859_1);
        int[] cuts = {1, 7, 30, 90, 177};
        try (UdsClient c = UdsClient.connect(socket)) {
            int from = 0;
            for (int cut : cuts) {
                c.write(java.util.Arrays.copyOfRange(request, from, cut));
                from = cut;
                // nothing may come back for an incomplete request
                assertFalse(c.awaitClose(Duration.ofMillis(50)));
                assertEquals(0, sink.size());
            }
            c.write(java.util.Arrays.copyOfRange(request, from, request.length));
            assertEquals(200, c.readReply().status());
        }
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.PRIMARY)), sink.events());
    }

    @Test
    void keepAliveServesTwoRequestsOnOneConnection() throws IOException {
        String id2 = "0b2c6e3a-1111-2222-3333-444455556667";
        try (UdsClient c = UdsClient.connect(socket)) {
            c.write("POST / HTTP/1.1\r\nHost: x\r\nX-Neutron-Router-Id: " + ID + "\r\nX-Neutron-State: backup\r\n\r\n");
            UdsClient.Reply first = c.readReply();
            assertEquals(200, first.status());
            assertNull(first.header("Connection"));
            c.write("GET / HTTP/1.1\r\nHost: x\r\nX-Neutron-Router-Id: " + id2 + "\r\nX-Neutron-State: primary\r\n\r\n");
            assertEquals(200, c.readReply().status());
            assertFalse(c.awaitClose(Duration.ofMillis(100)), "keep-alive: the connection stays open");
        }
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.BACKUP), new RecordingSink.Event(id2, HaState.PRIMARY)),
                sink.events());
    }

    @Test
    void curlProcessIsAccepted() throws Exception {
        Curl.Result r = Curl.post(socket, "X-Neutron-Router-Id: " + ID, "X-Neutron-State: primary");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("accepted\n" + "200", r.stdout());
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.PRIMARY)), sink.events());
    }

    @Test
    void curlProcessGetsItsRejection() throws Exception {
        Curl.Result r = Curl.post(socket, "X-Neutron-Router-Id: " + ID, "X-Neutron-State: unknown");
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("unknown state 'unknown' (expected primary, master, backup or fault)\n" + "400", r.stdout());
        assertEquals(0, sink.size());
    }

    static Stream<Arguments> badRequests() {
        String host = "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
        String idLine = "X-Neutron-Router-Id: " + ID + "\r\n";
        String stateLine = "X-Neutron-State: primary\r\n";
        String bigBody = "x".repeat(2048);
        String chunkedBody = Integer.toHexString(1024) + "\r\n" + "x".repeat(1024) + "\r\n"
                + Integer.toHexString(1024) + "\r\n" + "x".repeat(1024) + "\r\n0\r\n\r\n";
        String unknownState = "unknown state '%s' (expected primary, master, backup or fault)";
        return Stream.of(
                Arguments.of(host + stateLine + "\r\n", 400, "missing header X-Neutron-Router-Id", "router_id_missing"),
                Arguments.of(host + "X-Neutron-Router-Id:\r\n" + stateLine + "\r\n", 400,
                        "empty header X-Neutron-Router-Id", "router_id_empty"),
                Arguments.of(host + "X-Neutron-Router-Id:   \r\n" + stateLine + "\r\n", 400,
                        "empty header X-Neutron-Router-Id", "router_id_empty"),
                Arguments.of(host + idLine + idLine + stateLine + "\r\n", 400,
                        "repeated header X-Neutron-Router-Id", "router_id_repeated"),
                Arguments.of(host + idLine + "x-neutron-router-id: " + ID + "\r\n" + stateLine + "\r\n", 400,
                        "repeated header X-Neutron-Router-Id", "router_id_repeated"),
                Arguments.of(host + "X-Neutron-Router-Id: 0b2c6e3a-1111-2222-3333-44445555666g\r\n" + stateLine + "\r\n",
                        400, "header X-Neutron-Router-Id is not a UUID", "router_id_invalid"),
                Arguments.of(host + "X-Neutron-Router-Id: ../../etc/passwd\r\n" + stateLine + "\r\n",
                        400, "header X-Neutron-Router-Id is not a UUID", "router_id_invalid"),
                Arguments.of(host + "X-Neutron-Router-Id: " + ID + ", " + ID + "\r\n" + stateLine + "\r\n",
                        400, "header X-Neutron-Router-Id is not a UUID", "router_id_invalid"),
                // validation order: the router id is judged first
                Arguments.of(host + "X-Neutron-Router-Id: nope\r\n\r\n", 400,
                        "header X-Neutron-Router-Id is not a UUID", "router_id_invalid"),
                Arguments.of(host + idLine + "\r\n", 400, "missing header X-Neutron-State", "state_missing"),
                Arguments.of(host + idLine + "X-Neutron-State:\r\n\r\n", 400, "empty header X-Neutron-State", "state_empty"),
                Arguments.of(host + idLine + stateLine + "x-neutron-STATE: backup\r\n\r\n", 400,
                        "repeated header X-Neutron-State", "state_repeated"),
                Arguments.of(host + idLine + "X-Neutron-State: unknown\r\n\r\n", 400,
                        String.format(unknownState, "unknown"), "state_invalid"),
                Arguments.of(host + idLine + "X-Neutron-State: fa ult\r\n\r\n", 400,
                        String.format(unknownState, "fa ult"), "state_invalid"),
                Arguments.of(host + idLine + "X-Neutron-State: fault backup\r\n\r\n", 400,
                        String.format(unknownState, "fault backup"), "state_invalid"),
                Arguments.of(host + idLine + "X-Neutron-State: primary, backup\r\n\r\n", 400,
                        String.format(unknownState, "primary, backup"), "state_invalid"),
                Arguments.of(host + idLine + "X-Neutron-State: pr1mary\r\n\r\n", 400,
                        String.format(unknownState, "pr1mary"), "state_invalid"),
                Arguments.of(host + idLine + "X-Neutron-State: \u00e9t\u00e9\r\n\r\n", 400,
                        String.format(unknownState, "?t?"), "state_invalid"),
                Arguments.of(UdsClient.curlRequest(ID, "primary").replace("POST", "PUT"), 405,
                        "method PUT not allowed, use GET or POST", "method_not_allowed"),
                Arguments.of(UdsClient.curlRequest(ID, "primary").replace("POST", "DELETE"), 405,
                        "method DELETE not allowed, use GET or POST", "method_not_allowed"),
                Arguments.of(UdsClient.curlRequest(ID, "primary").replace("POST", "PATCH"), 405,
                        "method PATCH not allowed, use GET or POST", "method_not_allowed"),
                Arguments.of(host + idLine + stateLine + "X-Padding: " + "p".repeat(3072) + "\r\n\r\n", 431,
                        "request headers too large", "headers_too_large"),
                Arguments.of(host + idLine + stateLine + "Content-Length: 2048\r\n\r\n" + bigBody, 413,
                        "request body too large (limit 1024 bytes)", "body_too_large"),
                Arguments.of(host + idLine + stateLine + "Transfer-Encoding: chunked\r\n\r\n" + chunkedBody, 413,
                        "request body too large (limit 1024 bytes)", "body_too_large"));
    }

    @ParameterizedTest
    @MethodSource("badRequests")
    void badRequestIsRejectedWithItsReasonAndEnqueuesNothing(String request, int status, String line, String reason)
            throws IOException {
        UdsClient.Reply r = UdsClient.exchange(socket, request.getBytes(ISO_8859_1));
        assertEquals(status, r.status(), r.body());
        assertEquals(line + "\n", r.body());
        assertEquals("text/plain; charset=utf-8", r.header("Content-Type"));
        if (status == 405) {
            assertEquals("GET, POST", r.header("Allow"));
        }
        Map<String, Long> counters = endpoint.counters();
        assertEquals(1L, counters.get("rejected." + reason), counters.toString());
        assertEquals(0L, counters.get("accepted"));
        assertEquals(0, sink.size());
        assertEquals(0L, counters.get("errors"));
        // and the endpoint still serves
        assertEquals(200, UdsClient.exchange(socket, UdsClient.curlRequest(ID, "primary")).status());
    }

    @Test
    void bodyWithinTheLimitIsIgnored() throws IOException {
        String body = "y".repeat(1024);
        UdsClient.Reply r = UdsClient.exchange(socket, "POST / HTTP/1.1\r\nHost: x\r\nX-Neutron-Router-Id: " + ID
                + "\r\nX-Neutron-State: backup\r\nContent-Length: 1024\r\nConnection: close\r\n\r\n" + body);
        assertEquals(200, r.status());
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.BACKUP)), sink.events());
    }

    @Test
    void garbageGetsA4xxOrACloseAndTheServerKeepsServing() throws IOException {
        for (byte[] garbage : List.of(new byte[] {0, 1}, new byte[] {0, 1, '\r', '\n', '\r', '\n'},
                "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003".getBytes(ISO_8859_1),
                "GET / HTTP/1.3\r\nHost: x\r\n\r\n".getBytes(ISO_8859_1))) {
            try (UdsClient c = UdsClient.connect(socket)) {
                c.write(garbage);
                c.shutdownOutput();
                byte[] reply = c.readToEof(UdsClient.TIMEOUT);
                if (reply.length > 0) {
                    String text = new String(reply, ISO_8859_1);
                    assertTrue(text.matches("(?s)HTTP/1\\.1 4\\d\\d .*"), text);
                }
            }
        }
        assertEquals(0, sink.size());
        assertEquals(0L, endpoint.counters().get("errors"));
        assertEquals(200, UdsClient.exchange(socket, UdsClient.curlRequest(ID, "primary")).status());
    }

    @Test
    void clientThatSendsNothingChangesNothing() throws IOException {
        try (UdsClient c = UdsClient.connect(socket)) {
            c.shutdownOutput();
            assertArrayEquals(new byte[0], c.readToEof(UdsClient.TIMEOUT));
        }
        UdsClient.connect(socket).close();
        assertEquals(0, sink.size());
        assertEquals(0L, endpoint.counters().get("received"));
        assertEquals(200, UdsClient.exchange(socket, UdsClient.curlRequest(ID, "primary")).status());
        assertEquals(1, sink.size());
    }

    @Test
    void stalledClientDelaysNobodyAndIsClosedAfterTheIdleTimeout() throws IOException {
        try (UdsClient stalled = UdsClient.connect(socket)) {
            stalled.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Neutron-Router-Id: " + ID + "\r\nX-Neutr");
            long started = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                String id = String.format("0b2c6e3a-1111-2222-3333-%012d", i);
                assertEquals(200, UdsClient.exchange(socket, UdsClient.curlRequest(id, "backup")).status());
            }
            assertTrue(stalled.isOpen() && !stalled.awaitClose(Duration.ZERO), "the stalled client is still connected");
            assertTrue(System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(StateChangeEndpoint.HEADER_DEADLINE_MS),
                    "20 requests completed while the stalled one was pending");
            assertEquals(20, sink.size());
            assertTrue(stalled.awaitClose(Duration.ofMillis(StateChangeEndpoint.HEADER_DEADLINE_MS * 3)),
                    "closed after the idle timeout");
        }
        assertEquals(20, sink.size());
    }

    @Test
    void fiftyConcurrentClientsForFiftyRouters() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> replies = new ArrayList<>();
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 50; i++) {
                String id = String.format("7c1d0000-0000-4000-8000-%012d", i);
                ids.add(id);
                replies.add(pool.submit(() -> {
                    go.await();
                    return UdsClient.exchange(socket, UdsClient.curlRequest(id, "primary")).status();
                }));
            }
            go.countDown();
            for (Future<Integer> f : replies) {
                assertEquals(200, f.get(30, TimeUnit.SECONDS));
            }
            Set<String> delivered = new HashSet<>();
            sink.events().forEach(e -> delivered.add(e.routerId()));
            assertEquals(ids, delivered);
            assertEquals(50, sink.size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoQuickNotificationsOnSeparateConnectionsAreBothDelivered() throws IOException {
        // docs/behaviour.md §10 case 65 (Neutron bug #1923633): the second arrives while the first is still open
        try (UdsClient first = UdsClient.connect(socket); UdsClient second = UdsClient.connect(socket)) {
            first.write(UdsClient.curlRequest(ID, "backup"));
            second.write(UdsClient.curlRequest(ID, "primary"));
            assertEquals(200, first.readReply().status());
            assertEquals(200, second.readReply().status());
        }
        assertEquals(Set.of(new RecordingSink.Event(ID, HaState.BACKUP), new RecordingSink.Event(ID, HaState.PRIMARY)),
                new HashSet<>(sink.events()));
        assertEquals(2, sink.size());
    }

    @Test
    void countersNameEveryRejectionReason() {
        Map<String, Long> counters = endpoint.counters();
        for (String reason : NotificationHandler.REASONS) {
            assertEquals(0L, counters.get("rejected." + reason), reason);
        }
        for (String key : List.of("received", "accepted", "held", "holding", "errors")) {
            assertEquals(0L, counters.get(key), key);
        }
    }

    /** Runs curl as Neutron's shell monitor does; kills only the process it started. */
    static final class Curl {
        record Result(int exit, String stdout, String stderr) {
        }

        static Result post(Path socket, String... headers) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--connect-timeout", "5", "--max-time", "10",
                    "-w", "%{http_code}", "-X", "POST"));
            for (String h : headers) {
                cmd.add("-H");
                cmd.add(h);
            }
            cmd.addAll(List.of("-H", "Connection: close", "--unix-socket", socket.toString(), "http://127.0.0.1/"));
            Process p = new ProcessBuilder(cmd).start();
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    fail("curl did not finish within 20 s");
                }
                return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), UTF_8),
                        new String(p.getErrorStream().readAllBytes(), UTF_8));
            } finally {
                if (p.isAlive()) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
