package org.l3ha.oslo.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of the machine's RabbitMQ that a test can cut and restore, so that a broker
 * outage is simulated without ever stopping the broker.
 * <ul>
 * <li>{@link Mode#PASS}: forwards both ways;</li>
 * <li>{@link Mode#CUT}: existing connections are closed, new ones are accepted and closed at once
 *     (the client sees the broker go away and come back refusing);</li>
 * <li>{@link Mode#BLACKHOLE}: new connections are accepted and never answered (a broker host
 *     that vanished from the network).</li>
 * </ul>
 */
public final class TcpProxy implements AutoCloseable {
    enum Mode { PASS, CUT, BLACKHOLE }

    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile Mode mode = Mode.PASS;
    private volatile boolean closed;

    public TcpProxy(String host, int port) throws IOException {
        this.target = new InetSocketAddress(host, port);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        start("test-proxy-accept", this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Closes every connection and refuses (accepts and closes) new ones. */
    public void cut() {
        mode = Mode.CUT;
        closeAll();
    }

    /** New connections hang: accepted, never forwarded, never answered. */
    public void blackhole() {
        mode = Mode.BLACKHOLE;
    }

    public void restore() {
        mode = Mode.PASS;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Mode m = mode;
            if (m == Mode.CUT) {
                quietClose(client);
                continue;
            }
            sockets.add(client);
            if (m == Mode.BLACKHOLE) {
                continue;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 5000);
            } catch (IOException e) {
                quietClose(client);
                quietClose(upstream);
                continue;
            }
            sockets.add(upstream);
            start("test-proxy-up", () -> pump(client, upstream));
            start("test-proxy-down", () -> pump(upstream, client));
            if (mode == Mode.CUT) { // cut() ran while this connection was being set up
                quietClose(client);
                quietClose(upstream);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16384];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // closed by cut() or by the other side
        } finally {
            quietClose(from);
            quietClose(to);
        }
    }

    private void start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.removeIf(x -> !x.isAlive());
        threads.add(t);
        t.start();
    }

    private void closeAll() {
        for (Socket s : sockets) {
            quietClose(s);
        }
        sockets.clear();
    }

    private static void quietClose(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        closeAll();
        try {
            for (Thread t : threads) {
                t.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
