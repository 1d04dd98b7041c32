package org.l3ha.endpoint.impl;

import org.l3ha.common.testing.AgentConfigs;
import org.l3ha.common.testing.LogCapture;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;
import org.l3ha.common.ConfigException;
import org.l3ha.common.testing.UdsClient;

/** Socket file handling, configuration changes and shutdown (docs/behaviour.md §10 cases 11, 12). */
class SocketLifecycleTest {
    static final String ID = EndpointProtocolTest.ID;

    @TempDir
    Path dir;
    StateChangeEndpoint endpoint;
    final RecordingSink sink = new RecordingSink();

    @AfterEach
    void stop() {
        if (endpoint != null) {
            endpoint.deactivate();
        }
    }

    private StateChangeEndpoint start(Path statePath, String... keyValues) throws IOException {
        endpoint = new StateChangeEndpoint(AgentConfigs.of(props(statePath, keyValues)));
        endpoint.bindSink(sink);
        return endpoint;
    }

    private static Map<String, Object> props(Path statePath, String... keyValues) {
        Map<String, Object> props = new HashMap<>();
        props.put("state_path", statePath.toString());
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        return props;
    }

    private static int post(Path socket, String state) throws IOException {
        return UdsClient.exchange(socket, UdsClient.curlRequest(ID, state)).status();
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static long endpointThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("l3ha-endpoint")).count();
    }

    @Test
    void missingParentDirectoryIsCreatedWithMode0755() throws IOException {
        Path statePath = dir.resolve("a").resolve("b");
        start(statePath);
        assertEquals("rwxr-xr-x", mode(dir.resolve("a")));
        assertEquals("rwxr-xr-x", mode(statePath));
        assertEquals(200, post(statePath.resolve("keepalived-state-change"), "primary"));
    }

    @Test
    void socketHasMode0600ByDefaultAnd0660WhenConfigured() throws IOException {
        start(dir);
        Path socket = dir.resolve("keepalived-state-change");
        assertEquals("rw-------", mode(socket));
        endpoint.deactivate();

        start(dir, "socket_mode", "0660");
        assertEquals("rw-rw----", mode(socket));
        assertEquals(200, post(socket, "backup"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(socket), files.toList(), "no temporary directory is left behind");
        }
    }

    @Test
    void staleSocketIsReplaced() throws IOException {
        Path socket = dir.resolve("keepalived-state-change");
        try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            old.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket), "closing a unix server socket leaves its file behind");
        start(dir);
        assertEquals(200, post(socket, "primary"));
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.PRIMARY)), sink.events());
    }

    @Test
    void liveListenerAtThePathFailsActivationAndIsLeftAlone() throws IOException {
        Path socket = dir.resolve("keepalived-state-change");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(socket));
            IOException e = assertThrows(IOException.class, () -> new StateChangeEndpoint(AgentConfigs.of(props(dir))));
            assertTrue(e.getMessage().contains("another process is listening on " + socket), e.getMessage());
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                assertTrue(c.isConnected(), "the other listener still owns the path");
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(socket), files.toList(), "no temporary directory is left behind");
        }
    }

    @Test
    void regularFileOrDirectoryAtThePathFailsActivation() throws IOException {
        Path socket = dir.resolve("keepalived-state-change");
        Files.writeString(socket, "precious");
        IOException e = assertThrows(IOException.class, () -> new StateChangeEndpoint(AgentConfigs.of(props(dir))));
        assertTrue(e.getMessage().contains(socket + " exists and is not a socket"), e.getMessage());
        assertEquals("precious", Files.readString(socket));

        Files.delete(socket);
        Files.createDirectory(socket);
        e = assertThrows(IOException.class, () -> new StateChangeEndpoint(AgentConfigs.of(props(dir))));
        assertTrue(e.getMessage().contains("is not a socket"), e.getMessage());
        assertTrue(Files.isDirectory(socket));
        assertEquals(0, endpointThreads(), "a failed activation leaves no thread");
    }

    @Test
    void invalidConfigurationFailsActivationNamingKeyAndValue() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new StateChangeEndpoint(AgentConfigs.of(props(dir, "socket_mode", "0999"))));
        assertTrue(e.getMessage().contains("socket_mode='0999'"), e.getMessage());
    }

    @Test
    void deactivateRemovesTheSocketAndEndsEveryThread() throws IOException {
        start(dir);
        Path socket = dir.resolve("keepalived-state-change");
        assertEquals(200, post(socket, "primary"));
        assertTrue(endpointThreads() > 0, "the server runs on l3ha-endpoint threads");
        endpoint.deactivate();
        assertFalse(Files.exists(socket));
        await().atMost(Duration.ofSeconds(10)).until(() -> endpointThreads() == 0);
        endpoint.deactivate(); // idempotent
        assertFalse(Files.exists(socket));
    }

    @Test
    void deactivateClosesIdleKeepAliveConnectionsWithinTheBound() throws Exception {
        start(dir);
        Path socket = dir.resolve("keepalived-state-change");
        UdsClient c = UdsClient.connect(socket);
        c.write("GET / HTTP/1.1\r\nHost: x\r\nX-Neutron-Router-Id: " + ID + "\r\nX-Neutron-State: backup\r\n\r\n");
        assertEquals(200, c.readReply().status());
        long t0 = System.nanoTime();
        Thread stopper = new Thread(endpoint::deactivate, "test-deactivate");
        stopper.start();
        try (c) {
            assertTrue(c.awaitClose(Duration.ofSeconds(5)), "the server closes the idle connection");
        } // and the client closes its end, as curl does
        stopper.join(10_000);
        assertFalse(stopper.isAlive());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < SocketServer.STOP_TIMEOUT_MS, "graceful stop finished early, took " + ms + " ms");
        await().atMost(Duration.ofSeconds(10)).until(() -> endpointThreads() == 0);
    }

    @Test
    void requestInFlightAtDeactivateIsAnswered() throws Exception {
        start(dir);
        Path socket = dir.resolve("keepalived-state-change");
        try (UdsClient c = UdsClient.connect(socket)) {
            String request = UdsClient.curlRequest(ID, "primary");
            c.write(request.substring(0, 60));
            SocketServer server = endpoint.server();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.cap().open() == 1);
            Thread stopper = new Thread(endpoint::deactivate, "test-deactivate");
            stopper.start();
            // the stop has begun: no new connections are accepted, this one is in flight
            await().atMost(Duration.ofSeconds(5)).until(server::isStopping);
            c.write(request.substring(60));
            UdsClient.Reply r = c.readReply();
            assertEquals(200, r.status());
            assertEquals("close", r.header("Connection"));
            stopper.join(10_000);
            assertFalse(stopper.isAlive());
        }
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.PRIMARY)), sink.events());
    }

    @Test
    void deactivateLeavesASocketThatReplacedOurs() throws IOException {
        start(dir);
        Path socket = dir.resolve("keepalived-state-change");
        Files.delete(socket);
        try (ServerSocketChannel successor = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            successor.bind(UnixDomainSocketAddress.of(socket));
            endpoint.deactivate();
            assertTrue(Files.exists(socket), "the successor's socket is not deleted");
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                assertTrue(c.isConnected());
            }
        }
    }

    @Test
    void invalidModifiedConfigurationIsLoggedAndTheOldSocketKeepsServing() throws IOException {
        start(dir);
        Path socket = dir.resolve("keepalived-state-change");
        try (LogCapture log = new LogCapture()) {
            endpoint.modified(AgentConfigs.of(props(dir.resolve("elsewhere"), "socket_mode", "rwx")));
            assertTrue(log.text().lines().anyMatch(l -> l.contains("ERROR") && l.contains("socket_mode='rwx'")),
                    log.text());
        }
        assertEquals(200, post(socket, "primary"));
        assertEquals("rw-------", mode(socket));
        assertFalse(Files.exists(dir.resolve("elsewhere")), "nothing of the bad configuration was applied");
    }

    @Test
    void changedStatePathMovesTheSocket() throws IOException {
        start(dir);
        Path oldSocket = dir.resolve("keepalived-state-change");
        Path newDir = dir.resolve("moved");
        endpoint.modified(AgentConfigs.of(props(newDir, "socket_mode", "0660")));
        Path newSocket = newDir.resolve("keepalived-state-change");
        assertFalse(Files.exists(oldSocket), "the old socket is removed");
        assertEquals(200, post(newSocket, "backup"));
        assertEquals("rw-rw----", mode(newSocket));
        assertEquals(newSocket, endpoint.socketPath());
        assertEquals(List.of(new RecordingSink.Event(ID, HaState.BACKUP)), sink.events());
        endpoint.deactivate();
        assertFalse(Files.exists(newSocket));
        await().atMost(Duration.ofSeconds(10)).until(() -> endpointThreads() == 0);
    }

    @Test
    void moveToABusyPathKeepsTheOldSocket() throws IOException {
        start(dir);
        Path oldSocket = dir.resolve("keepalived-state-change");
        Path busyDir = Files.createDirectory(dir.resolve("busy"));
        Files.writeString(busyDir.resolve("keepalived-state-change"), "not a socket");
        try (LogCapture log = new LogCapture()) {
            endpoint.modified(AgentConfigs.of(props(busyDir)));
            assertTrue(log.text().contains("Cannot move the state-change endpoint"), log.text());
        }
        assertEquals(200, post(oldSocket, "primary"));
        assertEquals(oldSocket, endpoint.socketPath());
    }

    @Test
    void changedSocketModeIsAppliedToTheLiveSocket() throws IOException {
        start(dir);
        Path socket = dir.resolve("keepalived-state-change");
        endpoint.modified(AgentConfigs.of(props(dir, "socket_mode", "660")));
        assertEquals("rw-rw----", mode(socket));
        assertEquals(200, post(socket, "primary"));
        endpoint.modified(AgentConfigs.of(props(dir)));
        assertEquals("rw-------", mode(socket));
    }
}
