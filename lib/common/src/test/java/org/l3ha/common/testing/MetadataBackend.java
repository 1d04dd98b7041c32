package org.l3ha.common.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for Neutron's metadata agent: an HTTP server on the unix socket
 * {@code metadata_proxy_socket} that haproxy forwards to. It records each request's line and
 * headers and answers {@code 200} with {@link #body(String)} for the router id haproxy added.
 * One thread serves connections one after the other; {@link #close()} stops it and removes the
 * socket file. The socket gets the process's default mode: a test that needs another sets it.
 */
public final class MetadataBackend implements AutoCloseable {
    /** The instance id every answer names. */
    public static final String INSTANCE_ID = "i-l3ha-test";

    /** A request as received: request line and headers (names lower-cased, in order). */
    public record Request(String line, Map<String, List<String>> headers) {
        public List<String> header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();

    public MetadataBackend(Path socket) throws IOException {
        this.socket = socket;
        Files.createDirectories(socket.getParent());
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        thread = new Thread(this::serve, "l3ha-test-metadata-backend");
        thread.setDaemon(true);
        thread.start();
    }

    /** @return what the backend answers to a request carrying {@code X-Neutron-Router-ID: routerId} ("-" for none) */
    public static String body(String routerId) {
        return "instance-id: " + INSTANCE_ID + "\nrouter: " + routerId + "\n";
    }

    public Path socket() {
        return socket;
    }

    /** @return the requests received so far, oldest first */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                String head = readHead(c);
                if (head == null) {
                    continue;
                }
                String[] lines = head.split("\r\n");
                Map<String, List<String>> headers = new LinkedHashMap<>();
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    if (colon > 0) {
                        headers.computeIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                                k -> new ArrayList<>()).add(lines[i].substring(colon + 1).strip());
                    }
                }
                Request request = new Request(lines[0], headers);
                requests.add(request);
                List<String> router = request.header("X-Neutron-Router-ID");
                byte[] body = body(router.isEmpty() ? "-" : router.get(0)).getBytes(StandardCharsets.UTF_8);
                String head200 = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n";
                ByteBuffer out = ByteBuffer.allocate(head200.length() + body.length);
                out.put(head200.getBytes(StandardCharsets.US_ASCII)).put(body).flip();
                while (out.hasRemaining()) {
                    c.write(out);
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // one broken connection; keep serving
            }
        }
    }

    /** @return the request head up to the blank line, or null if the peer closed first */
    private static String readHead(SocketChannel c) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(1024);
        while (head.size() < 64 * 1024) {
            buf.clear();
            if (c.read(buf) < 0) {
                return null;
            }
            head.write(buf.array(), 0, buf.position());
            String s = head.toString(StandardCharsets.ISO_8859_1);
            int end = s.indexOf("\r\n\r\n");
            if (end >= 0) {
                return s.substring(0, end);
            }
        }
        return null;
    }

    /** Stops serving and removes the socket file; fails if the serving thread does not end. */
    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(5));
        Files.deleteIfExists(socket);
        if (thread.isAlive()) {
            throw new IllegalStateException("backend thread did not stop");
        }
    }
}
