package org.l3ha.endpoint.impl;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.Counters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running server on the state-change socket: Netty's NIO unix-domain transport on one
 * event-loop thread, each connection's pipeline (its {@link HeaderDeadline.Watch}, Netty's HTTP/1
 * codec, a {@link NotificationHandler}), the {@link ConnectionCap}, and the socket file.
 * {@link #open} builds, starts and publishes it; {@link #close} stops it gracefully and removes the
 * socket file. The endpoint component keeps one (two for a moment while it moves the socket).
 *
 * <p>Why one thread: a notification costs a few microseconds of parsing and a hand-over that never
 * blocks, so one thread accepts, reads and answers at the rate of the machine's connection
 * handling, and a second would only add hand-offs between threads on a node with few cores (the
 * benchmark in README compares it with the machine's floor).
 */
final class SocketServer {
    /* the endpoint's log, as before this class was split off */
    private static final Logger LOG = LoggerFactory.getLogger(StateChangeEndpoint.class);

    /** Longest request line accepted; a longer one is answered 414. */
    static final int MAX_REQUEST_LINE_BYTES = 2048;
    /** Longest request head (the header lines) accepted (a monitor sends about 180 bytes); more is answered 431. */
    static final int MAX_HEADER_BYTES = 2048;
    /** How long a stop lets open connections finish before closing them. */
    static final long STOP_TIMEOUT_MS = 2_000;
    /** Listen backlog (Neutron's 5 loses notifications under a burst). */
    static final int ACCEPT_QUEUE = 1024;
    /** Event-loop threads (see the class comment). */
    static final int EVENT_LOOP_THREADS = 1;
    /**
     * The connections' buffers: plain ones, without Netty's leak detection (which records a stack
     * trace for one buffer in 128) and without pools that would outlive a burst: a request is
     * about 180 bytes and its buffer is released as soon as it is decoded.
     */
    private static final ByteBufAllocator BUFFERS = new UnpooledByteBufAllocator(false, true);
    /** Bounds on the event loop's graceful shutdown: no quiet period, and at most this long. */
    private static final long SHUTDOWN_TIMEOUT_MS = 2_000;

    private final EventLoopGroup group;
    private final Channel server;
    private final SocketFile file;
    private final ConnectionCap cap;
    private final HeaderDeadline deadline;
    private final Stopping stopping;

    /** Whether the server is stopping: every reply then ends its connection. */
    static final class Stopping {
        private volatile boolean now;

        boolean now() {
            return now;
        }
    }

    private SocketServer(EventLoopGroup group, Channel server, SocketFile file, ConnectionCap cap, HeaderDeadline deadline,
            Stopping stopping) {
        this.group = group;
        this.server = server;
        this.file = file;
        this.cap = cap;
        this.deadline = deadline;
        this.stopping = stopping;
    }

    SocketFile file() {
        return file;
    }

    ConnectionCap cap() {
        return cap;
    }

    HeaderDeadline deadline() {
        return deadline;
    }

    /** @return whether the server channel is open and not stopping */
    boolean isRunning() {
        return server.isActive() && !stopping.now();
    }

    /** @return whether a stop has begun (no new connection is accepted) */
    boolean isStopping() {
        return stopping.now();
    }

    /**
     * Stops accepting; closes idle connections at once and lets those in the middle of a request
     * finish (their reply ends the connection) for at most {@value #STOP_TIMEOUT_MS} ms, then
     * closes what is left; ends the event loop and removes the socket file.
     */
    void close() {
        stopping.now = true;
        cap.stop();
        server.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS);
        for (Channel c : cap.openChannels()) {
            c.eventLoop().execute(() -> {
                HeaderDeadline.Watch w = c.pipeline().get(HeaderDeadline.Watch.class);
                if (w == null || !w.busy()) {
                    c.close();
                }
            });
        }
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_TIMEOUT_MS);
        for (Channel c : cap.openChannels()) {
            long left = until - System.nanoTime();
            if (left <= 0 || !c.closeFuture().awaitUninterruptibly(TimeUnit.NANOSECONDS.toMillis(left) + 1)) {
                break;
            }
        }
        int left = cap.closeRemaining();
        if (left > 0) {
            LOG.info("Closed {} connection(s) on {} still open {} ms after the stop began", left, file.path(),
                    STOP_TIMEOUT_MS);
        }
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(2 * SHUTDOWN_TIMEOUT_MS);
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
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(EVENT_LOOP_THREADS,
                new DefaultThreadFactory("l3ha-endpoint", true), NioIoHandler.newFactory());
        try {
            ConnectionCap cap = new ConnectionCap(limits.maxConnections(), counters, group);
            HeaderDeadline deadline = new HeaderDeadline(limits.headerDeadlineMs(), group, counters, cap::open);
            Stopping stopping = new Stopping();
            HttpDecoderConfig http = new HttpDecoderConfig().setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES)
                    .setMaxHeaderSize(MAX_HEADER_BYTES).setMaxChunkSize(NotificationHandler.MAX_BODY_BYTES + 1);
            ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerDomainSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, ACCEPT_QUEUE)
                    .option(ChannelOption.RECVBUF_ALLOCATOR, cap.allocator())
                    .handler(cap.acceptor())
                    .childOption(ChannelOption.ALLOCATOR, BUFFERS)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            HeaderDeadline.Watch watch = deadline.watch();
                            ch.pipeline().addLast(watch, new HttpServerCodec(http),
                                    new NotificationHandler(buffer, holdCapacity, counters, watch, stopping));
                        }
                    });
            ChannelFuture bound = bootstrap.bind(UnixDomainSocketAddress.of(file.bindPath())).awaitUninterruptibly();
            if (!bound.isSuccess()) {
                throw new IOException("Cannot listen on " + s.socketPath() + ": " + bound.cause(), bound.cause());
            }
            SocketServer fresh = new SocketServer(group, bound.channel(), file, cap, deadline, stopping);
            try {
                file.publish(s.socketMode());
            } catch (IOException | RuntimeException e) {
                fresh.close();
                throw e;
            }
            return fresh;
        } catch (IOException | RuntimeException e) {
            if (!group.isShuttingDown()) {
                group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                        .awaitUninterruptibly(2 * SHUTDOWN_TIMEOUT_MS);
                file.remove();
            }
            if (e instanceof IOException) {
                throw (IOException) e;
            }
            throw new IOException("Cannot start the state-change endpoint on " + s.socketPath() + ": " + e, e);
        }
    }
}
