package org.l3ha.endpoint.impl;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Many raw client connections on a unix socket, driven by the calling thread through one selector
 * (no thread per connection): it connects them, writes the same bytes to every open one, and
 * notices when the server closes one (end of stream or reset), with the time. Whatever the server
 * sends is read and dropped. {@link #close()} closes every connection and the selector, also after
 * a failed {@link #connect}.
 *
 * <p>Not thread-safe: one test thread uses it.
 */
final class Crowd implements AutoCloseable {
    /** One connection. */
    static final class Member {
        final SocketChannel channel;
        /** Just before the connect (System.nanoTime). */
        final long connectedNanos;
        /** When the server's close was noticed (System.nanoTime), or 0 while open. */
        long closedNanos;
        /** Closed by this side ({@link #closeFirst}), not by the server. */
        boolean closedByUs;

        Member(SocketChannel channel, long connectedNanos) {
            this.channel = channel;
            this.connectedNanos = connectedNanos;
        }

        boolean isOpen() {
            return closedNanos == 0;
        }

        /** @return milliseconds from connect to the server's close */
        long lifetimeMs() {
            return (closedNanos - connectedNanos) / 1_000_000;
        }
    }

    private final Selector selector;
    private final List<Member> members = new ArrayList<>();
    private final ByteBuffer scratch = ByteBuffer.allocate(4096);
    private int open;

    private Crowd() throws IOException {
        selector = Selector.open();
    }

    /**
     * Opens {@code n} connections (blocking connects: each returns once the connection is in the
     * server's listen backlog, accepted or not), then makes them non-blocking.
     */
    static Crowd connect(Path socket, int n) throws IOException {
        Crowd crowd = new Crowd();
        try {
            for (int i = 0; i < n; i++) {
                crowd.add(socket);
            }
            return crowd;
        } catch (IOException | RuntimeException e) {
            crowd.close();
            throw e;
        }
    }

    private void add(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            // taken before the connect: the server may accept (and start its timers) before connect() returns
            long connecting = System.nanoTime();
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.configureBlocking(false);
            Member m = new Member(ch, connecting);
            ch.register(selector, SelectionKey.OP_READ, m);
            members.add(m);
            open++;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Writes {@code text} to every open connection; a connection the server has closed is noted. */
    void writeAll(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        for (Member m : members) {
            if (!m.isOpen()) {
                continue;
            }
            try {
                // a few bytes into an empty socket buffer: written at once or not at all
                m.channel.write(ByteBuffer.wrap(bytes));
            } catch (IOException e) {
                closed(m);
            }
        }
    }

    /**
     * Waits up to {@code maxMillis} for the server to send or close, and notes closes.
     *
     * @return connections still open
     */
    int poll(long maxMillis) throws IOException {
        if (open == 0) {
            return 0;
        }
        selector.select(Math.max(1, maxMillis));
        for (SelectionKey key : selector.selectedKeys()) {
            Member m = (Member) key.attachment();
            if (!m.isOpen()) {
                continue;
            }
            try {
                int n;
                do {
                    scratch.clear();
                    n = m.channel.read(scratch);
                } while (n > 0);
                if (n < 0) {
                    closed(m);
                }
            } catch (IOException e) {
                closed(m); // reset by the server
            }
        }
        selector.selectedKeys().clear();
        return open;
    }

    private void closed(Member m) {
        m.closedNanos = System.nanoTime();
        open--;
        SelectionKey key = m.channel.keyFor(selector);
        if (key != null) {
            key.cancel();
        }
    }

    /** Closes the first {@code n} connections still open, from this side. */
    void closeFirst(int n) throws IOException {
        for (Member m : members) {
            if (n == 0) {
                break;
            }
            if (m.isOpen()) {
                closed(m);
                m.closedByUs = true;
                m.channel.close();
                n--;
            }
        }
        // the JDK closes the descriptor of a channel registered with a selector only when that
        // selector next deregisters its cancelled keys: without this the server would see no end
        selector.selectNow();
        selector.selectedKeys().clear();
    }

    int open() {
        return open;
    }

    int size() {
        return members.size();
    }

    List<Member> members() {
        return members;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Member m : members) {
            try {
                m.channel.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        selector.close();
        if (first != null) {
            throw first;
        }
    }

    /** @return descriptors this process has open now */
    static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** @return the soft limit on this process's descriptors ({@code ulimit -n}) */
    static long descriptorLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
            }
        }
        throw new IOException("no 'Max open files' in /proc/self/limits");
    }
}
