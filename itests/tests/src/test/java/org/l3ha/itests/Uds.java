package org.l3ha.itests;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP client over a unix socket with the JDK's channels, sending what Neutron's
 * keepalived-state-change monitor sends with {@code curl -X POST -H ... --unix-socket}: one fresh
 * connection per notification, {@code Connection: close}, the reply read to the end.
 *
 * <p>Not thread-safe: one instance per client thread (it keeps one selector for its timeouts).
 */
final class Uds implements AutoCloseable {
    /** A reply: status and body. */
    record Reply(int status, String body) {
    }

    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(8192);

    Uds() throws IOException {
        this.selector = Selector.open();
    }

    /** The request curl 7.88 sends for {@code curl -X POST -H <router> -H <state> -H "Connection: close"}. */
    static byte[] notification(String routerId, String state) {
        return ("POST / HTTP/1.1\r\n"
                + "Host: localhost\r\n"
                + "User-Agent: curl/7.88.1\r\n"
                + "Accept: */*\r\n"
                + "X-Neutron-Router-Id: " + routerId + "\r\n"
                + "X-Neutron-State: " + state + "\r\n"
                + "Connection: close\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Sends one request on a fresh connection and reads the reply until the server closes.
     *
     * @throws IOException on a connect failure (no socket, refused), a reset, an EOF before a
     *         complete status line, or no reply within {@code timeout}
     */
    Reply send(Path socket, byte[] request, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.configureBlocking(false);
            SelectionKey key = ch.register(selector, SelectionKey.OP_WRITE);
            try {
                ByteBuffer out = ByteBuffer.wrap(request);
                while (out.hasRemaining()) {
                    if (ch.write(out) == 0) {
                        await(key, SelectionKey.OP_WRITE, deadline);
                    }
                }
                StringBuilder reply = new StringBuilder(256);
                in.clear();
                while (true) {
                    int n = ch.read(in);
                    if (n < 0) {
                        break;
                    }
                    if (n == 0) {
                        await(key, SelectionKey.OP_READ, deadline);
                        continue;
                    }
                    in.flip();
                    reply.append(StandardCharsets.ISO_8859_1.decode(in));
                    in.clear();
                }
                return parse(reply.toString());
            } finally {
                key.cancel();
                selector.selectNow(); // deregisters the cancelled key before the channel closes
            }
        }
    }

    private void await(SelectionKey key, int op, long deadline) throws IOException {
        key.interestOps(op);
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            throw new IOException("no reply in time");
        }
        selector.select(Math.max(1, left));
        selector.selectedKeys().clear();
    }

    private static Reply parse(String reply) throws IOException {
        // HTTP/1.1 200 OK
        if (!reply.startsWith("HTTP/1.1 ") || reply.length() < 12) {
            throw new IOException("no status line (connection closed early): '" + reply + "'");
        }
        int status;
        try {
            status = Integer.parseInt(reply.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("bad status line: " + reply.lines().findFirst().orElse(""), e);
        }
        int body = reply.indexOf("\r\n\r\n");
        if (body < 0) {
            throw new IOException("incomplete headers: '" + reply + "'");
        }
        return new Reply(status, reply.substring(body + 4));
    }

    @Override
    public void close() throws IOException {
        selector.close();
    }

    /** One notification with a fresh client (for tests that send a few). */
    static Reply notify(Path socket, String routerId, String state) throws IOException {
        try (Uds c = new Uds()) {
            return c.send(socket, notification(routerId, state), Duration.ofSeconds(20));
        }
    }
}
