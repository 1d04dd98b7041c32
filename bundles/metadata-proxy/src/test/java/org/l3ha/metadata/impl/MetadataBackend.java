package org.l3ha.metadata.impl;

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
 * A stand-in for the metadata agent: an HTTP server on a unix socket (the
 * {@code metadata_proxy_socket}) that records each request's line and headers and answers 200.
 * One thread serves connections one after the other; {@link #close()} stops it and removes the
 * socket file.
 */
final class MetadataBackend implements AutoCloseable {

    static final String BODY = "ami-id\nhostname\n";

    /** A request as received: request line and headers (names lower-cased, in order). */
    record Request(String line, Map<String, List<String>> headers) {
        List<String> header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread thread;
    final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();

    MetadataBackend(Path socket) throws IOException {
        this.socket = socket;
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        thread = new Thread(this::serve, "l3ha-test-metadata-backend");
        thread.setDaemon(true);
        thread.start();
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
                requests.add(new Request(lines[0], headers));
                byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
                String response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n" + BODY;
                ByteBuffer out = ByteBuffer.wrap(response.getBytes(StandardCharsets.US_ASCII));
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
