package org.l3ha.endpoint.impl;

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
 * deadline, and parses replies strictly (CRLF line ends, Content-Length body).
 */
final class UdsClient implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** One parsed reply. Header names are lower case. */
    record Reply(String statusLine, int status, Map<String, List<String>> headers, String body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : String.join(",", v);
        }
    }

    private final SocketChannel channel;
    private final Selector selector;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean eof;

    private UdsClient(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
    }

    static UdsClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new UdsClient(ch);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /** Sends one request on a fresh connection and reads one reply. */
    static Reply exchange(Path socket, byte[] request) throws IOException {
        try (UdsClient c = connect(socket)) {
            c.write(request);
            return c.readReply();
        }
    }

    static Reply exchange(Path socket, String request) throws IOException {
        return exchange(socket, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(String s) throws IOException {
        write(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (b.hasRemaining()) {
            if (channel.write(b) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("write timed out");
                }
                Thread.onSpinWait();
            }
        }
    }

    void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    boolean isOpen() {
        return !eof;
    }

    /** Reads until the server closes; returns everything not consumed yet. */
    byte[] readToEof(Duration timeout) throws IOException {
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
    boolean awaitClose(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!eof) {
            if (!fill(deadline)) {
                return false;
            }
        }
        return true;
    }

    /** Waits for data or the end; @return false if the connection ended with nothing left to read */
    boolean hasMore() throws IOException {
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
    boolean hasDataWithin(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending.size() == 0 && !eof) {
            if (!fill(deadline)) {
                return false;
            }
        }
        return true;
    }

    /** Reads and parses one reply; fails unless it is well-formed HTTP/1.1 with CRLF and a length. */
    Reply readReply() throws IOException {
        return readReply(false);
    }

    /** As {@link #readReply()}, waiting up to {@code timeout} instead of {@link #TIMEOUT}. */
    Reply readReply(Duration timeout) throws IOException {
        return readReply(false, timeout);
    }

    /**
     * Reads and parses one reply: HTTP/1.x, CRLF line ends, a single Content-Length (none for a
     * 1xx interim reply), and no body for a reply to HEAD.
     */
    Reply readReply(boolean toHead) throws IOException {
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
        String head = new String(buf, 0, end, StandardCharsets.ISO_8859_1);
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
        List<String> cl = headers.get("content-length");
        boolean interim = status < 200;
        if (interim ? cl != null : cl == null || cl.size() != 1) {
            throw new IOException("reply without a single Content-Length: " + head);
        }
        int length = interim ? 0 : Integer.parseInt(cl.get(0));
        int bodyStart = end + 4;
        if (toHead && !interim) {
            // no body is due after a reply to HEAD, but Jetty's reply to a malformed HEAD request
            // carries one: take it if exactly that much follows before the server closes
            awaitClose(TIMEOUT);
            if (pending.size() - bodyStart != length) {
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
        return new Reply(statusLine, status, headers, body);
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
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return false;
            }
            selector.select(left);
            selector.selectedKeys().clear();
        }
    }

    static int indexOf(byte[] hay, String needle) {
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

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
