package org.l3ha.endpoint.impl;

import org.l3ha.common.testing.AgentConfigs;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;
import org.l3ha.api.HealthResult;
import org.l3ha.common.testing.LogCapture;
import org.l3ha.endpoint.impl.StateChangeEndpoint.Limits;
import org.l3ha.common.testing.UdsClient;

/**
 * The bounds on connections over the real unix socket: the header deadline against slowloris
 * clients (and on keep-alive connections, and against a trickled body) and the connection cap
 * (clients beyond it wait in the listen backlog, holding no descriptor of the server, and are
 * served as slots free). The slowloris and cap tests run with the real constants.
 *
 * <p>Timing is never asserted tightly: a connection must not be closed before its deadline
 * (timers never fire early) and must be closed within the deadline plus {@value #SLACK_MS} ms;
 * waits are conditions with generous limits; measured times are printed. Every socket a test
 * opens is closed, also on failure (try-with-resources).
 */
class ConnectionBoundsTest {
    static final String ID = EndpointProtocolTest.ID;
    /** Slowloris clients in the first test: below the cap, so all are accepted at once. */
    static final int SLOWLORIS = 1_000;
    /** Clients beyond the cap in the cap test: they wait in the backlog (1024). */
    static final int BEYOND_CAP = 200;
    /** How often slow clients send a header line: well within the idle timeout, so only the deadline closes them. */
    static final long TRICKLE_MS = 1_000;
    /** Slack on top of a deadline for a busy machine. */
    static final long SLACK_MS = 10_000;

    @TempDir
    Path dir;
    StateChangeEndpoint endpoint;
    final RecordingSink sink = new RecordingSink();
    Path socket;

    @AfterEach
    void stop() {
        if (endpoint != null) {
            long errors = endpoint.counters().get("errors");
            endpoint.deactivate();
            assertEquals(0L, errors, "no request failed inside the server");
        }
    }

    private void start(Limits limits) throws IOException {
        endpoint = new StateChangeEndpoint(AgentConfigs.of(Map.of("state_path", dir.toString())), limits);
        endpoint.bindSink(sink);
        socket = dir.resolve("keepalived-state-change");
    }

    private long counter(String key) {
        return endpoint.counters().get(key);
    }

    private SocketServer server() {
        return endpoint.server();
    }

    /**
     * @return how many connections of {@code perConnection} descriptors each (client and server
     *         ends live in this JVM) fit in what is left of {@code ulimit -n}, keeping 512 spare;
     *         at most {@code wanted}
     */
    private static int affordable(int wanted, int perConnection) throws IOException {
        long limit = Crowd.descriptorLimit();
        long used = Crowd.openDescriptors();
        long fit = (limit - used - 512) / perConnection;
        System.out.println("descriptors: ulimit -n " + limit + ", " + used + " open; room for " + fit
                + " connections of " + perConnection + " (" + wanted + " wanted)");
        return (int) Math.min(wanted, fit);
    }

    private static String keepAliveRequest(String id, String state) {
        return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Neutron-Router-Id: " + id + "\r\nX-Neutron-State: " + state
                + "\r\n\r\n";
    }

    private static String routerId(int i) {
        return String.format("0b2c6e3a-1111-4222-8333-%012d", i);
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static String spread(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return "min " + sorted.get(0) + " ms, median " + sorted.get(sorted.size() / 2) + " ms, max "
                + sorted.get(sorted.size() - 1) + " ms";
    }

    @Test
    void slowlorisConnectionsAreClosedAfterTheHeaderDeadlineAndNotificationsGetThroughMeanwhile() throws Exception {
        start(Limits.DEFAULT);
        long deadline = StateChangeEndpoint.HEADER_DEADLINE_MS;
        int n = affordable(SLOWLORIS, 2);
        assumeTrue(n >= 300, "ulimit -n leaves room for only " + n + " slowloris connections");
        ExecutorService monitors = Executors.newSingleThreadExecutor();
        try (LogCapture log = new LogCapture(); Crowd crowd = Crowd.connect(socket, n)) {
            long t0 = System.nanoTime();
            crowd.writeAll("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            long nextLine = t0 + TimeUnit.MILLISECONDS.toNanos(TRICKLE_MS);
            long giveUp = t0 + TimeUnit.MILLISECONDS.toNanos(deadline + SLACK_MS);
            Future<List<String>> notifications = null;
            int line = 0;
            while (crowd.open() > 0 && System.nanoTime() < giveUp) {
                long now = System.nanoTime();
                if (now >= nextLine) {
                    crowd.writeAll("X-Slow-" + line++ + ": x\r\n");
                    nextLine = now + TimeUnit.MILLISECONDS.toNanos(TRICKLE_MS);
                }
                if (notifications == null && now - t0 >= TimeUnit.MILLISECONDS.toNanos(TRICKLE_MS)) {
                    // both monitor generations, while every slow connection is open and trickling
                    notifications = monitors.submit(() -> {
                        List<String> seen = new ArrayList<>();
                        long s = System.nanoTime();
                        UdsClient.Reply curl = UdsClient.exchange(socket, UdsClient.curlRequest(ID, "primary"));
                        seen.add("curl bytes " + curl.status() + " in " + ms(System.nanoTime() - s) + " ms");
                        s = System.nanoTime();
                        UdsClient.Reply py = UdsClient.exchange(socket, UdsClient.httplib2Request(routerId(1), "backup"));
                        seen.add("httplib2 bytes " + py.status() + " in " + ms(System.nanoTime() - s) + " ms");
                        s = System.nanoTime();
                        EndpointProtocolTest.Curl.Result proc = EndpointProtocolTest.Curl.post(socket,
                                "X-Neutron-Router-Id: " + routerId(2), "X-Neutron-State: fault");
                        seen.add("curl process " + proc.stdout().replace("\n", " ") + " in " + ms(System.nanoTime() - s)
                                + " ms");
                        assertEquals(200, curl.status());
                        assertEquals(200, py.status());
                        assertEquals("accepted\n200", proc.stdout(), proc.stderr());
                        return seen;
                    });
                }
                crowd.poll(50);
            }
            long allClosedMs = ms(System.nanoTime() - t0);
            assertEquals(0, crowd.open(), "every slow connection is closed within " + (deadline + SLACK_MS) + " ms");
            assertTrue(notifications != null, "the notifications were sent while the slow connections were open");
            System.out.println("slowloris: notifications while " + n + " slow connections were open: "
                    + notifications.get(30, TimeUnit.SECONDS));
            List<Long> lifetimes = crowd.members().stream().map(Crowd.Member::lifetimeMs).toList();
            System.out.println("slowloris: " + n + " connections trickling a header line every " + TRICKLE_MS
                    + " ms; closed by the server after (from connect) " + spread(lifetimes) + "; all closed "
                    + allClosedMs + " ms after the first write; deadline " + deadline + " ms");
            assertTrue(Collections.min(lifetimes) >= deadline, "none closed before the deadline: " + spread(lifetimes));
            assertEquals(n, counter(CounterNames.CLOSED_HEADER_TIMEOUT), "each closure counted");
            assertEquals(0L, counter(CounterNames.CLOSED_REQUEST_TIMEOUT));
            assertEquals(0L, counter(CounterNames.CAP_REACHED), n + " is below the cap");
            List<String> lines = log.lines("sent no complete request");
            System.out.println("slowloris: log lines about closed connections: " + lines.size());
            assertTrue(lines.size() >= 1 && lines.size() <= 2, "rate-limited, not one per connection: " + lines);
            HealthResult health = endpoint.check();
            assertEquals(HealthResult.Status.WARN, health.status(), health.message());
            assertTrue(health.message().contains(" connections closed in the last minute or two"), health.message());
        } finally {
            monitors.shutdownNow();
        }
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.PRIMARY), new RecordingSink.Event(routerId(1), HaState.BACKUP),
                new RecordingSink.Event(routerId(2), HaState.FAULT)), sink.events());
        await().atMost(Duration.ofSeconds(30)).until(() -> counter("connections") == 0);
    }

    @Test
    void beyondTheCapClientsWaitInTheBacklogHoldingNoServerDescriptorAndAreServedAsSlotsFree() throws Exception {
        start(Limits.DEFAULT);
        int cap = StateChangeEndpoint.MAX_CONNECTIONS;
        long deadline = StateChangeEndpoint.HEADER_DEADLINE_MS;
        int clients = cap + BEYOND_CAP;
        // the clients' ends, the server's ends of at most the cap, and the test's own
        assumeTrue(affordable(2 * clients, 1) >= 2 * clients, "ulimit -n too small for " + clients + " clients");
        SocketServer server = server();
        long fdBefore = Crowd.openDescriptors();
        ExecutorService monitors = Executors.newSingleThreadExecutor();
        try (Crowd crowd = Crowd.connect(socket, clients)) {
            long t0 = System.nanoTime();
            // silent clients: the server takes them up to the cap, then stops accepting
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> counter("connections") == cap);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> endpoint.check().message().contains("connection cap reached"));
            long fdAtCap = Crowd.openDescriptors();
            System.out.println("cap: " + clients + " clients connected, the server holds " + counter("connections")
                    + " after " + ms(System.nanoTime() - t0) + " ms; descriptors " + fdBefore + " before, " + fdAtCap
                    + " now");
            assertTrue(fdAtCap - fdBefore <= clients + cap + 32,
                    "the " + BEYOND_CAP + " clients beyond the cap hold no descriptor of the server: " + fdBefore + " -> " + fdAtCap);
            HealthResult capped = endpoint.check();
            assertEquals(HealthResult.Status.WARN, capped.status(), capped.message());

            // a monitor arrives while the cap is full: it waits in the backlog behind the others
            long sent = System.nanoTime();
            Future<UdsClient.Reply> monitor = monitors.submit(() -> {
                try (UdsClient c = UdsClient.connect(socket)) {
                    c.write(UdsClient.curlRequest(ID, "primary"));
                    return c.readReply(Duration.ofMillis(2 * deadline + SLACK_MS));
                }
            });
            long served = 0;
            long maxOpen = 0;
            long maxEndPoints = 0;
            long maxFds = fdAtCap;
            long nextFdSample = 0;
            long giveUp = sent + TimeUnit.MILLISECONDS.toNanos(2 * deadline + SLACK_MS);
            while ((crowd.open() > 0 || !monitor.isDone()) && System.nanoTime() < giveUp) {
                maxOpen = Math.max(maxOpen, counter("connections"));
                maxEndPoints = Math.max(maxEndPoints, server.cap().openChannels().length);
                if (System.nanoTime() >= nextFdSample) {
                    maxFds = Math.max(maxFds, Crowd.openDescriptors());
                    nextFdSample = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                }
                if (served == 0 && monitor.isDone()) {
                    served = System.nanoTime();
                }
                crowd.poll(20);
            }
            assertTrue(monitor.isDone(), "the monitor was served");
            assertEquals(200, monitor.get().status());
            served = served == 0 ? System.nanoTime() : served;
            List<Long> lifetimes = crowd.members().stream().map(Crowd.Member::lifetimeMs).toList();
            System.out.println("cap: the monitor that came while the cap was full got its 200 after "
                    + ms(served - sent) + " ms; the silent clients were closed after (from connect) " + spread(lifetimes)
                    + "; the most connections seen open " + maxOpen + " (channels open " + maxEndPoints
                    + ", server's peak " + counter("connections_peak") + "), descriptors at most " + maxFds
                    + "; cap reached " + counter(CounterNames.CAP_REACHED) + " time(s)");
            assertEquals(0, crowd.open(), "every silent client was closed by the header deadline");
            assertTrue(Collections.min(lifetimes) >= deadline, spread(lifetimes));
            assertTrue(maxOpen <= cap, "at most the cap open: " + maxOpen);
            assertTrue(maxEndPoints <= cap, "at most the cap of open channels: " + maxEndPoints);
            assertEquals((long) cap, counter("connections_peak"), "the server's own peak is the cap");
            assertTrue(maxFds - fdBefore <= clients + 1 + cap + 32, "descriptors bounded: " + fdBefore + " -> " + maxFds);
            assertTrue(counter(CounterNames.CAP_REACHED) >= 1);
            assertEquals(clients, counter(CounterNames.CLOSED_HEADER_TIMEOUT));
        } finally {
            monitors.shutdownNow();
        }
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.PRIMARY)), sink.events());
        await().atMost(Duration.ofSeconds(30)).until(() -> counter("connections") == 0);
        assertFalse(endpoint.check().message().contains("connection cap reached"), endpoint.check().message());
    }

    @Test
    void aSlotFreedByAClosingClientLetsTheNextOneIn() throws Exception {
        // a deadline far beyond the test: only the freed slot can let the monitor in
        start(new Limits(8, 120_000));
        try (Crowd crowd = Crowd.connect(socket, 8); UdsClient monitor = UdsClient.connect(socket)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> counter("connections") == 8);
            await().atMost(Duration.ofSeconds(30)).until(() -> endpoint.check().message().contains("connection cap reached"));
            monitor.write(UdsClient.curlRequest(ID, "backup"));
            assertFalse(monitor.hasDataWithin(Duration.ofMillis(500)), "not served while the cap is full");
            assertEquals(0, sink.size());
            long t = System.nanoTime();
            crowd.closeFirst(1);
            UdsClient.Reply r = monitor.readReply();
            System.out.println("cap 8: served " + ms(System.nanoTime() - t) + " ms after a slot was freed");
            assertEquals(200, r.status());
            assertTrue(counter(CounterNames.CAP_REACHED) >= 1);
            assertTrue(counter("connections_peak") <= 8);
            assertEquals(List.of(new RecordingSink.Event(ID, HaState.BACKUP)), sink.events());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> counter("connections") == 0);
        assertEquals(HealthResult.Status.OK, endpoint.check().status(), endpoint.check().message());
    }

    @Test
    void keepAliveConnectionHasItsDeadlineFromTheEndOfEachResponse() throws Exception {
        long deadline = 3_000;
        start(new Limits(StateChangeEndpoint.MAX_CONNECTIONS, deadline));
        int requests = 8;
        long lastSent;
        long closedAfter = -1;
        try (UdsClient c = UdsClient.connect(socket)) {
            long t0 = System.nanoTime();
            lastSent = t0;
            for (int i = 0; i < requests; i++) {
                if (i > 0) {
                    Thread.sleep(500);
                }
                lastSent = System.nanoTime();
                c.write(keepAliveRequest(routerId(i), i % 2 == 0 ? "backup" : "primary"));
                UdsClient.Reply r = c.readReply();
                assertEquals(200, r.status());
                assertEquals(null, r.header("Connection"), "kept alive");
            }
            long span = ms(System.nanoTime() - t0);
            System.out.println("keep-alive: " + requests + " requests on one connection over " + span
                    + " ms, longer than the " + deadline + " ms deadline");
            assertTrue(span > deadline);
            // then a next request whose head never completes
            c.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            long giveUp = lastSent + TimeUnit.MILLISECONDS.toNanos(deadline + SLACK_MS);
            for (int line = 0; System.nanoTime() < giveUp; line++) {
                if (c.awaitClose(Duration.ofMillis(500))) {
                    closedAfter = ms(System.nanoTime() - lastSent);
                    break;
                }
                try {
                    c.write("X-Slow-" + line + ": x\r\n");
                } catch (IOException e) {
                    closedAfter = ms(System.nanoTime() - lastSent);
                    break;
                }
            }
        }
        System.out.println("keep-alive: trickled next request closed " + closedAfter + " ms after the last request was sent");
        assertTrue(closedAfter >= deadline, "closed " + closedAfter + " ms after the last request, not before the deadline");
        assertEquals(1L, counter(CounterNames.CLOSED_HEADER_TIMEOUT));
        assertEquals(requests, sink.size());
    }

    @Test
    void bodyTrickledAfterATimelyHeadIsClosedOneDeadlineLater() throws Exception {
        long deadline = 2_000;
        start(new Limits(StateChangeEndpoint.MAX_CONNECTIONS, deadline));
        long closedAfter = -1;
        long t0 = System.nanoTime(); // before the connect: the server's timer starts at its accept
        try (UdsClient c = UdsClient.connect(socket)) {
            c.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Neutron-Router-Id: " + ID
                    + "\r\nX-Neutron-State: backup\r\nContent-Length: 100\r\n\r\n");
            long giveUp = t0 + TimeUnit.MILLISECONDS.toNanos(2 * deadline + SLACK_MS);
            while (System.nanoTime() < giveUp) {
                if (c.awaitClose(Duration.ofMillis(500))) {
                    closedAfter = ms(System.nanoTime() - t0);
                    break;
                }
                try {
                    c.write("x");
                } catch (IOException e) {
                    closedAfter = ms(System.nanoTime() - t0);
                    break;
                }
            }
        }
        System.out.println("slow body: a byte every 500 ms after a complete head; closed after " + closedAfter + " ms");
        assertTrue(closedAfter >= 2 * deadline, "not before the head's deadline and one more: " + closedAfter);
        assertEquals(1L, counter(CounterNames.CLOSED_REQUEST_TIMEOUT));
        assertEquals(0L, counter(CounterNames.CLOSED_HEADER_TIMEOUT));
        assertEquals(0, sink.size(), "an incomplete request changes nothing");
    }

    @Test
    void countersHaveTheBoundsFromTheStart() throws IOException {
        start(Limits.DEFAULT);
        Map<String, Long> c = endpoint.counters();
        for (String key : List.of(CounterNames.CLOSED_HEADER_TIMEOUT, CounterNames.CLOSED_REQUEST_TIMEOUT, CounterNames.CAP_REACHED,
                "connections", "connections_peak")) {
            assertEquals(0L, c.get(key), key);
        }
    }
}
