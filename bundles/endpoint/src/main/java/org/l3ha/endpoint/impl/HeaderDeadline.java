package org.l3ha.endpoint.impl;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.l3ha.common.Counters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the time a connection may take to deliver a complete request head: {@code deadline}
 * from its opening (right after the accept) and, on a keep-alive connection, from the end of its
 * previous exchange. A connection that misses it is closed, counted in
 * {@link CounterNames#CLOSED_HEADER_TIMEOUT} and reported by a rate-limited log line. An idle
 * timeout that restarts with every byte read would not do: a client trickling a header line every
 * few seconds would hold its connection for ever.
 *
 * <p>Each connection has a {@link Watch}, the first handler of its pipeline, with one timer on
 * the connection's own event loop (no thread per connection, no lock: the connection's events and
 * its timer run on the same thread). The request handler tells it when a request head arrived and
 * when an exchange ended; the timer moves its window there when it fires, so nothing is scheduled
 * or cancelled on the request path. When the window is up without a new request head, the
 * connection is closed. If a head did arrive but its exchange has not ended yet (a body still
 * being read, a reply the client does not take), it gets one more window from then: a request
 * whose body or reply is still not done after that is closed too, counted in
 * {@link CounterNames#CLOSED_REQUEST_TIMEOUT} (the body is at most 1 KiB and the reply is written
 * at once, so only a client trickling its body or not reading its reply gets there).
 *
 * <p>A timer that fires more than {@value #LATE_MS} ms late means the JVM itself was stalled
 * (garbage collection, a starved machine): the bytes of a client that sent its head in time may
 * still be unread, so instead of closing it looks again {@value #LATE_MS} ms later.
 *
 * <p>This class keeps what the connections share: the counters, the log line and the closures of
 * the last minute or two for the health check (thread-safe).
 */
final class HeaderDeadline {
    private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadline.class);
    /** A timer this late means a JVM stall, not a slow client: look again rather than close. */
    static final long LATE_MS = 1_000;
    /** At most one line a minute about connections closed by the deadline. */
    static final long LOG_INTERVAL_MS = 60_000;
    /** The window in which closures are counted for the health check. */
    static final long RECENT_WINDOW_MS = 60_000;

    private final long deadlineMs;
    private final long deadlineNanos;
    private final Counters counters;
    private final RateLimitedLog closedLog;
    /** What the connection closed last had sent, for the log line: bytes read and complete request heads. */
    private volatile String lastClosed = "";

    /* guarded by this: closures in the current and the previous window (for the health check) */
    private long windowStartNanos = System.nanoTime();
    private int thisWindow;
    private int lastWindow;

    /**
     * @param deadlineMs the deadline for a complete request head, milliseconds (positive)
     * @param scheduler runs the log's summary lines
     * @param counters where closures are counted
     * @param openConnections connections open now, for the log line
     */
    HeaderDeadline(long deadlineMs, ScheduledExecutorService scheduler, Counters counters, IntSupplier openConnections) {
        if (deadlineMs <= 0) {
            throw new IllegalArgumentException("header deadline " + deadlineMs + " ms");
        }
        this.deadlineMs = deadlineMs;
        this.deadlineNanos = TimeUnit.MILLISECONDS.toNanos(deadlineMs);
        this.counters = counters;
        this.closedLog = new RateLimitedLog(LOG_INTERVAL_MS, scheduler, (count, first, seconds) -> {
            if (first) {
                LOG.warn("State-change endpoint: closed a connection that sent no complete request within {} ms"
                        + " ({}; counted in closed_header_timeout and closed_request_timeout; at most one such line"
                        + " a minute); {} connections open", deadlineMs, lastClosed, openConnections.getAsInt());
            } else {
                LOG.warn("State-change endpoint: closed {} more connection(s) that sent no complete request within"
                        + " {} ms in the last {} s; {} connections open", count, deadlineMs, seconds,
                        openConnections.getAsInt());
            }
        });
    }

    /** @return a watch for one new connection (the first handler of its pipeline) */
    Watch watch() {
        return new Watch();
    }

    /** @return connections closed by the deadline within the last one to two minutes */
    synchronized int recentClosures() {
        roll(System.nanoTime());
        return thisWindow + lastWindow;
    }

    long deadlineMs() {
        return deadlineMs;
    }

    private synchronized void noteClosure() {
        roll(System.nanoTime());
        thisWindow++;
    }

    private void roll(long now) {
        long window = TimeUnit.MILLISECONDS.toNanos(RECENT_WINDOW_MS);
        long elapsed = now - windowStartNanos;
        if (elapsed >= window) {
            lastWindow = elapsed < 2 * window ? thisWindow : 0;
            thisWindow = 0;
            windowStartNanos = now;
        }
    }

    /** The deadline of one connection; every method runs on the connection's event loop. */
    final class Watch extends ChannelInboundHandlerAdapter {
        private ChannelHandlerContext ctx;
        private long bytesIn;
        /** Complete request heads, and how many the current window started with. */
        private long heads;
        private long windowHeads;
        /** When the current window opened (System.nanoTime). */
        private long windowStart;
        /** Exchanges ended, and how many of them the windows have taken into account. */
        private long ended;
        private long endedSeen;
        /** Request heads when the last exchange ended, and when that was. */
        private long endedHeads;
        private long endedAt;
        /** Bytes read when the last exchange ended. */
        private long bytesAtEnd;
        /** When the timer was set to fire. */
        private long firesAt;
        private ScheduledFuture<?> task;
        private boolean expired;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            long now = System.nanoTime();
            windowStart = now;
            firesAt = now + deadlineNanos;
            task = ctx.executor().schedule(this::check, deadlineNanos, TimeUnit.NANOSECONDS);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) {
                bytesIn += b.readableBytes();
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (task != null) {
                task.cancel(false);
                task = null;
            }
            ctx.fireChannelInactive();
        }

        /** A complete request head was read. */
        void headArrived() {
            heads++;
        }

        /** A reply was written: the next window starts now. */
        void exchangeEnded() {
            ended++;
            endedHeads = heads;
            endedAt = System.nanoTime();
            bytesAtEnd = bytesIn;
        }

        /** @return whether a request is under way: bytes read since the last exchange ended, or a head not yet answered */
        boolean busy() {
            return bytesIn > bytesAtEnd || heads > endedHeads;
        }

        /** @return whether the deadline closed this connection (what the decoder emits then is not a request) */
        boolean expired() {
            return expired;
        }

        private void check() {
            task = null;
            if (!ctx.channel().isActive()) {
                return;
            }
            long now = System.nanoTime();
            if (ended != endedSeen) {
                // the window starts again at the end of the last exchange
                endedSeen = ended;
                windowHeads = endedHeads;
                windowStart = endedAt;
            }
            long due = windowStart + deadlineNanos;
            long delay;
            if (due - now > 0) {
                delay = due - now;
            } else if (now - firesAt > TimeUnit.MILLISECONDS.toNanos(LATE_MS)) {
                // a stalled JVM, not a slow client: give the event loop a moment to read what arrived
                delay = TimeUnit.MILLISECONDS.toNanos(LATE_MS);
            } else if (heads != windowHeads) {
                // a head arrived in time and its exchange is under way: one more window for it
                windowHeads = heads;
                windowStart = now;
                delay = deadlineNanos;
            } else {
                expire(windowHeads > endedHeads ? CounterNames.CLOSED_REQUEST_TIMEOUT : CounterNames.CLOSED_HEADER_TIMEOUT);
                return;
            }
            firesAt = now + delay;
            task = ctx.executor().schedule(this::check, delay, TimeUnit.NANOSECONDS);
        }

        private void expire(String counter) {
            expired = true;
            counters.increment(counter);
            noteClosure();
            lastClosed = "it had sent " + bytesIn + " bytes, " + heads + " complete request head(s)";
            closedLog.occurred();
            ctx.close();
        }
    }
}
