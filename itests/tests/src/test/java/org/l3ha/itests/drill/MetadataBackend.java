package org.l3ha.itests.drill;

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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stands in for Neutron's metadata agent: an HTTP server on the unix socket
 * {@code metadata_proxy_socket} that haproxy forwards to. It records the headers of every request
 * (names lower-cased) and answers {@code 200} with {@code instance-id} and the router id it was
 * given. One connection at a time is plenty for the drills.
 */
final class MetadataBackend implements AutoCloseable {
    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final List<Map<String, String>> requests = Collections.synchronizedList(new ArrayList<>());

    MetadataBackend(Path socket) throws IOException {
        this.socket = socket;
        Files.createDirectories(socket.getParent());
        // ...and reach it: JUnit's temporary directories are rwx------
        Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        // haproxy runs as an unprivileged account (the state_path owner, here nobody): like Neutron's
        // metadata agent with metadata_proxy_socket_mode=all, let any account connect
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        thread = new Thread(this::serve, "l3ha-drill-metadata-backend");
        thread.setDaemon(true);
        thread.start();
    }

    Path socket() {
        return socket;
    }

    /** @return the header maps of the requests received so far */
    List<Map<String, String>> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                handle(c);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // one bad connection: go on with the next one
            }
        }
    }

    private void handle(SocketChannel c) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        String head = "";
        while (buf.hasRemaining()) {
            if (c.read(buf) < 0) {
                break;
            }
            head = new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
            if (head.contains("\r\n\r\n")) {
                break;
            }
        }
        String[] lines = head.split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":request", lines.length > 0 ? lines[0] : "");
        for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
            }
        }
        requests.add(Collections.unmodifiableMap(headers));
        String body = "instance-id: i-drill\nrouter: " + headers.getOrDefault("x-neutron-router-id", "-") + "\n";
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + b.length
                + "\r\nConnection: close\r\n\r\n" + body;
        ByteBuffer out = ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            c.write(out);
        }
    }

    /** Stops serving and removes the socket file. Never throws. */
    @Override
    public void close() {
        try {
            server.close();
            thread.join(5000);
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // best effort: the scratch directory goes anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
