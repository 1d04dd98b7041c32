package org.l3ha.endpoint.impl;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;

/**
 * Jetty's unix-socket connector, with a way to take its acceptor thread out of {@code accept()}
 * before the server stops.
 *
 * <p>Why: Jetty stops a connector by closing its server channel and then interrupting its acceptor
 * threads. When the interrupt reaches a thread whose blocking {@code accept()} has just taken a
 * connection from the kernel, the JDK throws {@code ClosedByInterruptException} and the accepted
 * descriptor is never closed: a connected socket that stays open for as long as the JVM runs.
 * Under load, when clients connect all the time, every stop risks one. {@link #quiesce} prevents
 * it: it stops accepting and, if the acceptor is blocked in {@code accept()}, wakes it with a
 * connection of its own, so that the acceptor hands over what it accepted as usual and then waits
 * for accepting to resume (where an interrupt costs nothing).
 */
final class EndpointConnector extends UnixDomainServerConnector {
    /** How often {@link #quiesce} checks the acceptor, and how long it waits before waking it again. */
    private static final long POLL_MS = 2;
    private static final long WAKE_AGAIN_MS = 100;

    /** The acceptor thread (there is one), once it ran. */
    private volatile Thread acceptor;
    /** Whether the acceptor is inside {@link #accept(int)}. */
    private volatile boolean accepting;

    EndpointConnector(Server server, int acceptors, ConnectionFactory... factories) {
        super(server, acceptors, 1, factories);
    }

    @Override
    protected void accept(int acceptorID) throws IOException {
        acceptor = Thread.currentThread();
        accepting = true;
        try {
            super.accept(acceptorID);
        } finally {
            accepting = false;
        }
    }

    /**
     * Stops accepting and waits until the acceptor thread is outside {@code accept()} and waiting
     * (or gone), waking it with a connection to {@code wakePath} while it is blocked there. The
     * caller must make sure nothing turns accepting on again.
     *
     * @param wakePath the path clients connect to (the published socket), or null if it is not
     *        this connector's any more (then the acceptor cannot be woken, only waited for)
     * @param timeoutMs how long to try
     * @return whether the acceptor is out of {@code accept()}; false after the timeout
     * @throws InterruptedException if interrupted while waiting
     */
    boolean quiesce(Path wakePath, long timeoutMs) throws InterruptedException {
        setAccepting(false);
        List<SocketChannel> wakers = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            long nextWake = System.nanoTime();
            while (true) {
                Thread t = acceptor;
                if (t == null || !t.isAlive() || (!accepting && t.getState() == Thread.State.WAITING)) {
                    return true;
                }
                long now = System.nanoTime();
                if (now - deadline >= 0) {
                    return false;
                }
                if (accepting && wakePath != null && now - nextWake >= 0) {
                    wake(wakePath, wakers);
                    nextWake = now + TimeUnit.MILLISECONDS.toNanos(WAKE_AGAIN_MS);
                }
                Thread.sleep(POLL_MS);
            }
        } finally {
            for (SocketChannel w : wakers) {
                try {
                    w.close();
                } catch (IOException e) {
                    // nothing to do: the server closes its end when it stops
                }
            }
        }
    }

    private static void wake(Path path, List<SocketChannel> wakers) {
        try {
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            wakers.add(c);
            c.configureBlocking(false); // a full backlog must not stall the stop
            c.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            // the socket is gone or not listening: the acceptor can only be waited for
        }
    }
}
