package org.l3ha.endpoint.impl;

import org.l3ha.common.testing.AgentConfigs;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.common.testing.UdsClient;

/**
 * Stopping the endpoint while clients keep connecting: every connection it accepted is closed by
 * the time {@link StateChangeEndpoint#deactivate()} returns, also those accepted in the moment the
 * server stopped (each would otherwise keep a descriptor for as long as the JVM runs).
 */
class StopUnderLoadTest {
    private static final int ROUNDS = 15;
    private static final int CLIENTS = 4;

    @TempDir
    Path dir;

    @Test
    void noAcceptedConnectionOutlivesDeactivate() throws Exception {
        List<String> leaks = new ArrayList<>();
        long attempts = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Path statePath = dir.resolve("r" + round);
            Map<String, Object> props = new HashMap<>();
            props.put("state_path", statePath.toString());
            StateChangeEndpoint endpoint = new StateChangeEndpoint(AgentConfigs.of(props));
            endpoint.bindSink(new RecordingSink());
            Path socket = statePath.resolve("keepalived-state-change");
            // accepted sockets carry the path their listener was bound at (before its rename into place)
            Path bound = endpoint.server().file().bindPath();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong connects = new AtomicLong();
            ConcurrentLinkedQueue<SocketChannel> held = new ConcurrentLinkedQueue<>();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Thread t = new Thread(() -> storm(socket, stop, connects, held), "test-storm-" + i);
                t.start();
                clients.add(t);
            }
            while (connects.get() < 50 * (round % 4 + 1)) {
                Thread.onSpinWait();
            }
            endpoint.deactivate();
            stop.set(true);
            for (Thread t : clients) {
                t.join(30_000);
                assertTrue(!t.isAlive(), "client thread ended");
            }
            for (SocketChannel c : held) {
                c.close();
            }
            attempts += connects.get();
            List<String> open = acceptedSocketsOf(bound);
            if (!open.isEmpty()) {
                leaks.add("round " + round + ": " + open);
            }
        }
        System.out.println("StopUnderLoadTest: " + ROUNDS + " stops under " + attempts + " connection attempts; leaks "
                + leaks);
        assertEquals(List.of(), leaks, "connections the endpoint accepted and still holds after deactivate");
    }

    /**
     * A connection in the middle of a request when the stop begins gets the stop's bound to finish
     * ({@link SocketServer#STOP_TIMEOUT_MS}); one that does not finish is closed when the bound is
     * up, and its client sees the end of the stream.
     */
    @Test
    void aConnectionStillInARequestWhenTheStopsBoundIsUpIsClosed() throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("state_path", dir.toString());
        StateChangeEndpoint endpoint = new StateChangeEndpoint(AgentConfigs.of(props));
        try (UdsClient c = UdsClient.connect(dir.resolve("keepalived-state-change"))) {
            c.write("POST / HTTP/1.1\r\nHost: x\r\n");
            SocketServer server = endpoint.server();
            await().atMost(Duration.ofSeconds(30)).until(() -> server.cap().open() == 1);
            long t0 = System.nanoTime();
            endpoint.deactivate();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.println("StopUnderLoadTest: a stop with a request under way took " + ms + " ms");
            assertTrue(ms >= SocketServer.STOP_TIMEOUT_MS, "the stop gave the request its bound: " + ms + " ms");
            assertTrue(c.awaitClose(Duration.ofSeconds(30)), "the client sees the end of the stream");
            assertEquals(0, server.cap().open());
        } finally {
            endpoint.deactivate();
        }
    }

    /** Connects, sends a request, keeps every fourth connection open (unanswered or answered), closes the rest. */
    private static void storm(Path socket, AtomicBoolean stop, AtomicLong connects,
            ConcurrentLinkedQueue<SocketChannel> held) {
        byte[] request = ("PUT / HTTP/1.1\r\nHost: x\r\nX-Neutron-Router-Id: " + EndpointProtocolTest.ID
                + "\r\nX-Neutron-State: primary\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        long n = 0;
        while (!stop.get()) {
            SocketChannel c;
            try {
                c = SocketChannel.open(StandardProtocolFamily.UNIX);
            } catch (IOException e) {
                return;
            }
            try {
                c.connect(UnixDomainSocketAddress.of(socket));
                connects.incrementAndGet();
                if (n++ % 2 == 0) {
                    c.write(ByteBuffer.wrap(request));
                }
            } catch (IOException e) {
                // the socket is gone or refused: the endpoint is stopping
            }
            if (n % 4 == 0) {
                held.add(c);
            } else {
                try {
                    c.close();
                } catch (IOException e) {
                    // nothing to do
                }
            }
        }
    }

    /**
     * @return this process's sockets bound to {@code path} (accepted connections show their
     *         listener's path in {@code /proc/net/unix}; clients' are unbound), as "fd:inode:state"
     */
    static List<String> acceptedSocketsOf(Path path) throws IOException {
        Set<String> inodes = new HashSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 8 && f[7].equals(path.toString())) {
                inodes.add(f[6] + ":" + f[5]);
            }
        }
        List<String> found = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                if (target.startsWith("socket:[")) {
                    String inode = target.substring(8, target.length() - 1);
                    for (String s : inodes) {
                        if (s.startsWith(inode + ":")) {
                            found.add(fd.getFileName() + ":" + s);
                        }
                    }
                }
            }
        }
        return found;
    }
}
