package org.l3ha.endpoint.impl;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.HostPort;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.Counters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Jetty server on the state-change socket: its thread pool, the connector on the unix
 * socket with the connection cap and the header deadline, the notification handler, and the
 * socket file. {@link #open} builds, starts and publishes it; {@link #close} takes the acceptor out
 * of {@code accept()}, stops the server, closes what it left open and removes the socket file.
 * The endpoint component keeps one (two for a moment while it moves the socket).
 */
record SocketServer(Server server, EndpointConnector connector, SocketFile file, ConnectionCap cap,
        HeaderDeadline deadline) {
    /* the endpoint's log, as before this class was split off */
    private static final Logger LOG = LoggerFactory.getLogger(StateChangeEndpoint.class);

    /** Longest request head accepted (a monitor sends about 180 bytes). */
    static final int MAX_HEADER_BYTES = 2048;
    /** A connection with no byte read for this long is closed (Jetty's idle timeout). */
    static final long IDLE_TIMEOUT_MS = 5_000;
    /** How long a stop lets open connections finish before closing them. */
    static final long STOP_TIMEOUT_MS = 2_000;
    /** How long a stop waits for the acceptor to leave {@code accept()} (see {@link EndpointConnector}). */
    static final long QUIESCE_MS = 1_000;
    /** Most time a start waits for the pool to take the acceptor's and the selector's jobs. */
    private static final long START_WAIT_MS = 1_000;
    /** Listen backlog (Neutron's 5 loses notifications under a burst). */
    static final int ACCEPT_QUEUE = 1024;
    /**
     * One acceptor thread: it checks before every accept whether the connection cap allows one,
     * so the cap is exact and connections beyond it stay in the backlog (see {@link ConnectionCap}).
     */
    private static final int ACCEPTORS = 1;
    private static final int MAX_THREADS = 16;
    private static final int MIN_THREADS = 4;
    private static final long POOL_IDLE_MS = 10_000;

    void close() {
        // the acceptor out of accept() first: Jetty's interrupt could lose a connection accepted meanwhile
        cap.stop();
        try {
            if (!connector.quiesce(file.isOurs() ? file.path() : null, QUIESCE_MS)) {
                LOG.debug("The endpoint's acceptor on {} did not leave accept() within {} ms", file.path(),
                        QUIESCE_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            server.stop();
        } catch (TimeoutException e) {
            LOG.info("Connections on {} still open after {} ms were closed", file.path(), STOP_TIMEOUT_MS);
        } catch (Exception e) {
            LOG.warn("Stopping the endpoint on {} did not finish cleanly: {}", file.path(), e.toString());
        }
        int left = cap.closeRemaining();
        if (left > 0) {
            LOG.info("Closed {} connection(s) on {} accepted while the server stopped (the stopped server"
                    + " would have kept them open)", left, file.path());
        }
        file.remove();
    }

    /**
     * Builds the server for {@code s}'s socket, starts it and publishes the socket with
     * {@code socket_mode}; closes what it opened when that fails.
     *
     * @throws IOException if the socket cannot be created or the server does not start
     */
    static SocketServer open(AgentSettings s, StateChangeEndpoint.Limits limits, HoldingBuffer buffer, int holdCapacity,
            Counters counters) throws IOException {
        SocketFile file = SocketFile.prepare(s.socketPath());
        SocketServer fresh = build(file, limits, buffer, holdCapacity, counters);
        try {
            fresh.server().start();
            awaitPoolJobsTaken(fresh.server());
            file.publish(s.socketMode());
            return fresh;
        } catch (Exception e) {
            fresh.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (e instanceof IOException) {
                throw (IOException) e;
            }
            throw new IOException("Cannot start the state-change endpoint on " + s.socketPath() + ": " + e, e);
        }
    }

    /**
     * Waits (at most {@value #START_WAIT_MS} ms) until the pool's threads have taken the jobs the
     * start queued, the acceptor's among them: a stop right after the start then finds none left
     * in the queue (Jetty warns about such a job).
     */
    private static void awaitPoolJobsTaken(Server server) throws InterruptedException {
        if (!(server.getThreadPool() instanceof QueuedThreadPool pool)) {
            return;
        }
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_WAIT_MS);
        while (pool.getQueueSize() > 0 && System.nanoTime() - until < 0) {
            Thread.sleep(1);
        }
    }

    private static SocketServer build(SocketFile file, StateChangeEndpoint.Limits limits, HoldingBuffer buffer,
            int holdCapacity, Counters counters) {
        // bounded threads; the task queue stays unbounded as Jetty requires (its tasks are bounded by connections)
        // threads above the minimum end after 10 s idle
        QueuedThreadPool pool = new QueuedThreadPool(MAX_THREADS, MIN_THREADS, (int) POOL_IDLE_MS);
        // ...all of them: by default Jetty ends one idle thread per idle timeout (16 -> 4 took 2 minutes)
        pool.setMaxEvictCount(MAX_THREADS);
        pool.setName("l3ha-endpoint");
        Server server = new Server(pool, new ScheduledExecutorScheduler("l3ha-endpoint-scheduler", false), null);
        server.setStopAtShutdown(false);
        server.setStopTimeout(STOP_TIMEOUT_MS);

        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        http.setSendServerVersion(false);
        // the authority of requests without Host (else Jetty tries the socket path, and warns)
        http.setServerAuthority(new HostPort("localhost"));
        EndpointConnector connector = new EndpointConnector(server, ACCEPTORS, new HttpConnectionFactory(http));
        connector.setUnixDomainPath(file.bindPath());
        connector.setAcceptQueueSize(ACCEPT_QUEUE);
        connector.setIdleTimeout(IDLE_TIMEOUT_MS);
        // beans of the connector: the cap hears of accepts and closes, the deadline of every connection
        ConnectionCap cap = new ConnectionCap(limits.maxConnections(), connector, counters);
        HeaderDeadline deadline = new HeaderDeadline(limits.headerDeadlineMs(), connector.getScheduler(), counters,
                cap::open);
        connector.addBean(cap);
        connector.addBean(deadline);
        server.addConnector(connector);

        server.setHandler(new NotificationHandler(buffer, holdCapacity, counters, deadline));
        server.setErrorHandler(new NotificationHandler.ErrorReplies(counters, deadline));
        return new SocketServer(server, connector, file, cap, deadline);
    }
}
