package org.l3ha.common.testing;

import java.io.ByteArrayOutputStream;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.1 client on a unix socket (JDK channels only): writes exact bytes, reads with a
 * deadline, and parses replies strictly (CRLF line ends, Content-Length body). For the monitors'
 * side of the state-change socket ({@link #notify}, {@link Sender}) a reply is read until the
 * server closes, as curl does with {@code Connection: close}.
 */
public final class UdsClient implements AutoCloseable {
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** One parsed reply. Header names are lower case. */
    public record Reply(String statusLine, int status, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : String.join(",", v);
        }
    }

    private final SocketChannel channel;
    private final Selector selector;
    private final boolean ownSelector;
    private final SelectionKey key;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean eof;

    private UdsClient(SocketChannel channel, Selector selector, boolean ownSelector) throws IOException {
        this.channel = channel;
        this.selector = selector;
        this.ownSelector = ownSelector;
        channel.configureBlocking(false);
        key = channel.register(selector, SelectionKey.OP_READ);
    }

    public static UdsClient connect(Path socket) throws IOException {
        Selector selector = Selector.open();
        try {
            return connect(socket, selector, true);
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    private static UdsClient connect(Path socket, Selector selector, boolean ownSelector) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new UdsClient(ch, selector, ownSelector);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Sends one request on a fresh connection and reads one reply. */
    public static Reply exchange(Path socket, byte[] request) throws IOException {
        try (UdsClient c = connect(socket)) {
            c.write(request);
            return c.readReply();
        }
    }

    public static Reply exchange(Path socket, String request) throws IOException {
        return exchange(socket, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** What Neutron's shell monitor sends through curl 7.88.1 ({@code curl -X POST -H ... --unix-socket}), byte-exact. */
    public static String curlRequest(String id, String state) {
        return "POST / HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n"
                + "User-Agent: curl/7.88.1\r\n"
                + "Accept: */*\r\n"
                + "X-Neutron-Router-Id: " + id + "\r\n"
                + "X-Neutron-State: " + state + "\r\n"
                + "Connection: close\r\n"
                + "\r\n";
    }

    /** What the old Python monitor sends through httplib2, byte-exact. */
    public static String httplib2Request(String id, String state) {
        return "GET / HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n"
                + "x-neutron-router-id: " + id + "\r\n"
                + "x-neutron-state: " + state + "\r\n"
                + "connection: close\r\n"
                + "user-agent: Python-httplib2/0.22.0 (gzip)\r\n"
                + "accept-encoding: gzip, deflate\r\n"
                + "\r\n";
    }

    /**
     * One notification as curl sends it, on a fresh connection of a fresh {@link Sender} (for tests
     * that send a few), waiting up to 20 s for the server to answer and close.
     */
    public static Reply notify(Path socket, String routerId, String state) throws IOException {
        try (Sender s = new Sender()) {
            return s.send(socket, curlRequest(routerId, state), Duration.ofSeconds(20));
        }
    }

    /**
     * Sends requests from one thread, one fresh connection each, as keepalived-state-change
     * monitors do, keeping one selector for the deadlines of all of them (a monitor under load
     * opens no selector per notification). Not thread-safe: one instance per client thread.
     */
    public static final class Sender implements AutoCloseable {
        private final Selector selector;

        public Sender() throws IOException {
            selector = Selector.open();
        }

        /**
         * Sends one request on a fresh connection and reads the reply until the server closes.
         *
         * @throws IOException on a connect failure (no socket, refused), an end before a complete
         *         status line and headers, or no end within {@code timeout}
         */
        public Reply send(Path socket, byte[] request, Duration timeout) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            try (UdsClient c = connect(socket, selector, false)) {
                c.write(request, deadline);
                return c.replyAtEof(deadline, timeout);
            }
        }

        public Reply send(Path socket, String request, Duration timeout) throws IOException {
            return send(socket, request.getBytes(StandardCharsets.ISO_8859_1), timeout);
        }

        @Override
        public void close() throws IOException {
            selector.close();
        }
    }

    public void write(String s) throws IOException {
        write(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    public void write(byte[] bytes) throws IOException {
        write(bytes, System.nanoTime() + TIMEOUT.toNanos());
    }

    private void write(byte[] bytes, long deadline) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            if (channel.write(b) == 0 && !await(SelectionKey.OP_WRITE, deadline)) {
                throw new IOException("write timed out");
            }
        }
    }

    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    public boolean isOpen() {
        return !eof;
    }

    /** Reads until the server closes; returns everything not consumed yet. */
    public byte[] readToEof(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!eof) {
            if (!fill(deadline)) {
                throw new IOException("no EOF within " + timeout);
            }
        }
        byte[] all = pending.toByteArray();
        pending.reset();
        return all;
    }

    /** @return whether the server closed the connection within {@code timeout} (data read is kept) */
    public boolean awaitClose(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!eof) {
            if (!fill(deadline)) {
                return false;
            }
        }
        return true;
    }

    /** Waits for data or the end; @return false if the connection ended with nothing left to read */
    public boolean hasMore() throws IOException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (pending.size() == 0 && !eof) {
            if (!fill(deadline)) {
                throw new IOException("neither data nor EOF within " + TIMEOUT);
            }
        }
        return pending.size() > 0;
    }

    /**
     * @return whether any byte (or the end) arrived within {@code timeout}; what arrived is kept
     *         for the next read
     */
    public boolean hasDataWithin(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending.size() == 0 && !eof) {
            if (!fill(deadline)) {
                return false;
            }
        }
        return true;
    }

    /** Reads and parses one reply; fails unless it is well-formed HTTP/1.1 with CRLF and a length. */
    public Reply readReply() throws IOException {
        return readReply(false);
    }

    /** As {@link #readReply()}, waiting up to {@code timeout} instead of {@link #TIMEOUT}. */
    public Reply readReply(Duration timeout) throws IOException {
        return readReply(false, timeout);
    }

    /**
     * Reads and parses one reply: HTTP/1.x, CRLF line ends, a single Content-Length (none for a
     * 1xx interim reply), and no body for a reply to HEAD.
     */
    public Reply readReply(boolean toHead) throws IOException {
        return readReply(toHead, TIMEOUT);
    }

    private Reply readReply(boolean toHead, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int end;
        while ((end = indexOf(pending.toByteArray(), "\r\n\r\n")) < 0) {
            if (eof) {
                throw new IOException("connection closed before a complete reply: "
                        + new String(pending.toByteArray(), StandardCharsets.ISO_8859_1));
            }
            if (!fill(deadline)) {
                throw new IOException("no reply within " + timeout);
            }
        }
        byte[] buf = pending.toByteArray();
        Head head = head(new String(buf, 0, end, StandardCharsets.ISO_8859_1));
        List<String> cl = head.headers().get("content-length");
        boolean interim = head.status() < 200;
        if (interim ? cl != null : cl == null || cl.size() != 1) {
            throw new IOException("reply without a single Content-Length: " + head.text());
        }
        int length = interim ? 0 : Integer.parseInt(cl.get(0));
        int bodyStart = end + 4;
        if (toHead && !interim) {
            // no body is due after a reply to HEAD, but Jetty's reply to a malformed HEAD request
            // carries one: take it if exactly that much follows before the server closes, or
            // before the next reply (pipelined requests)
            awaitClose(TIMEOUT);
            byte[] after = pending.toByteArray();
            int following = after.length - bodyStart;
            boolean bodyThenNext = following > length && startsWith(after, bodyStart + length, "HTTP/1.")
                    && !startsWith(after, bodyStart, "HTTP/1.");
            if (following != length && !bodyThenNext) {
                length = 0;
            }
        }
        while (pending.size() < bodyStart + length) {
            if (eof) {
                throw new IOException("connection closed within the body of " + shown());
            }
            if (!fill(deadline)) {
                throw new IOException("body incomplete after " + timeout + ": " + shown());
            }
        }
        buf = pending.toByteArray();
        String body = new String(buf, bodyStart, length, StandardCharsets.UTF_8);
        pending.reset();
        pending.write(buf, bodyStart + length, buf.length - bodyStart - length);
        return new Reply(head.statusLine(), head.status(), head.headers(), body);
    }

    /**
     * Reads until the server closes and parses what came as one reply: a well-formed head, and
     * everything after it as the body (no Content-Length needed).
     */
    private Reply replyAtEof(long deadline, Duration timeout) throws IOException {
        while (!eof) {
            if (!fill(deadline)) {
                throw new IOException("no reply within " + timeout + ": '" + shown() + "'");
            }
        }
        byte[] buf = pending.toByteArray();
        String text = new String(buf, StandardCharsets.ISO_8859_1);
        if (!text.matches("(?s)HTTP/1\\.[01] \\d{3}.*")) {
            throw new IOException("no status line (connection closed early): '" + shown() + "'");
        }
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("incomplete headers: '" + shown() + "'");
        }
        Head head = head(text.substring(0, end));
        pending.reset();
        return new Reply(head.statusLine(), head.status(), head.headers(), new String(buf, end + 4, buf.length - end - 4,
                StandardCharsets.UTF_8));
    }

    /** A reply's head: status line, status, headers (names lower case, in order) and its text. */
    private record Head(String text, String statusLine, int status, Map<String, List<String>> headers) {
    }

    /** Parses a head strictly: CRLF line ends only, an HTTP/1.x status line, "name: value" headers. */
    private static Head head(String head) throws IOException {
        String[] lines = head.split("\r\n", -1);
        for (String line : lines) {
            if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
                throw new IOException("bare CR or LF in reply head: " + head);
            }
        }
        String statusLine = lines[0];
        if (!statusLine.matches("HTTP/1\\.[01] \\d{3} .*")) {
            throw new IOException("bad status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                throw new IOException("bad header line: " + lines[i]);
            }
            headers.computeIfAbsent(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        return new Head(head, statusLine, status, headers);
    }

    private String shown() {
        return new String(pending.toByteArray(), StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
    }

    /** @return false on timeout */
    private boolean fill(long deadline) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8192);
        while (true) {
            int n;
            try {
                n = channel.read(b);
            } catch (IOException e) {
                // connection reset: treat as closed
                eof = true;
                return true;
            }
            if (n < 0) {
                eof = true;
                return true;
            }
            if (n > 0) {
                pending.write(b.array(), 0, n);
                return true;
            }
            if (!await(SelectionKey.OP_READ, deadline)) {
                return false;
            }
        }
    }

    /** Waits until the channel is ready for {@code op} or the deadline; @return false if the deadline passed */
    private boolean await(int op, long deadline) throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            return false;
        }
        key.interestOps(op);
        selector.select(left);
        selector.selectedKeys().clear();
        return true;
    }

    public static int indexOf(byte[] hay, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.ISO_8859_1);
        outer:
        for (int i = 0; i + n.length <= hay.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (hay[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Closes the connection (and the selector, unless a {@link Sender}'s). */
    @Override
    public void close() throws IOException {
        try {
            key.cancel();
            if (ownSelector) {
                selector.close();
            } else {
                selector.selectNow(); // deregisters the cancelled key before the channel closes
            }
        } finally {
            channel.close();
        }
    }

    private static boolean startsWith(byte[] buf, int from, String prefix) {
        if (buf.length - from < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (buf[from + i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
