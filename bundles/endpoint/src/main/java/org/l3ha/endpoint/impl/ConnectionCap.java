package org.l3ha.endpoint.impl;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import org.l3ha.common.Counters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the connections the endpoint holds at once. When {@code max} are open the server channel
 * stops accepting: further clients wait in the kernel's listen backlog, where they hold no
 * descriptor of this process, and are accepted in arrival order as connections close.
 *
 * <p>The cap is exact. Netty's server channel accepts in a loop of up to {@value #ACCEPTS_PER_WAKEUP} connections per
 * wake-up and asks its {@link RecvByteBufAllocator} handle after each whether to go on; the
 * handle of {@link #allocator()} counts every accepted connection there and says stop at the cap,
 * where the count also turns the channel's auto-read off (no more accept interest until it is
 * turned on again). A connection counts from its accept until its channel closes; the
 * {@link #acceptor()} handler, first in the server channel's pipeline, sees every accepted
 * channel and listens for its close.
 *
 * <p>While the cap is reached, a check every {@value #RECONCILE_MS} ms compares the count with
 * the accepted channels still open; if fewer are open for two checks in a row (a channel whose
 * close was never reported, as when it was accepted in the moment the event loop stopped), the
 * count is corrected, with a WARN, so the endpoint can never stop accepting for good.
 *
 * <p>It also keeps the accepted channels themselves until they close, so that a stop can close
 * any that Netty's stop did not ({@link #closeRemaining}).
 *
 * <p>Thread-safe: accepts and closes happen on the event loop, checks on the scheduler, the
 * counters are read from anywhere; one lock guards the count, and only the channel's
 * {@code setAutoRead} (which never blocks) is called under it.
 */
final class ConnectionCap {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionCap.class);
    /** How often the count is checked against the open channels while the cap is reached. */
    static final long RECONCILE_MS = 1_000;
    /** Connections accepted per wake-up of the event loop at most (fewer at the cap). */
    static final int ACCEPTS_PER_WAKEUP = 16;
    /** At most one line a minute about the cap being reached. */
    static final long LOG_INTERVAL_MS = 60_000;

    private final int max;
    private final Counters counters;
    private final ScheduledExecutorService scheduler;
    private final RateLimitedLog reachedLog;

    /* guarded by this */
    private Channel server;
    private int open;
    private int peak;
    private boolean capped;
    private int strikes;
    /** Whether the server is stopping: accepting is never turned on again. */
    private boolean stopped;
    /** Whether a {@link #reconcile} is scheduled (at most one is). */
    private boolean reconciling;
    /** The accepted channels not yet closed. */
    private final Set<Channel> channels = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * @param max most connections open at once (at least 1)
     * @param counters where {@link CounterNames#CAP_REACHED} is counted
     * @param scheduler runs the checks and the log's summary lines
     */
    ConnectionCap(int max, Counters counters, ScheduledExecutorService scheduler) {
        if (max < 1) {
            throw new IllegalArgumentException("connection cap " + max);
        }
        this.max = max;
        this.counters = counters;
        this.scheduler = scheduler;
        this.reachedLog = new RateLimitedLog(LOG_INTERVAL_MS, scheduler, (count, first, seconds) -> {
            if (first) {
                LOG.warn("State-change endpoint: {} connections open, the cap; new connections wait in the listen"
                        + " backlog until one closes (clients that send no request are closed after the header"
                        + " deadline)", max);
            } else {
                LOG.warn("State-change endpoint: the cap of {} connections was reached {} more time(s) in the last"
                        + " {} s; {} open now", max, count, seconds, open());
            }
        });
    }

    /** @return the server channel's allocator: counts accepts and ends an accept loop at the cap */
    @SuppressWarnings("deprecation") // Netty's DelegatingHandle implements the deprecated Handle its channels still call
    RecvByteBufAllocator allocator() {
        // 16 as Netty's own server channels take when left to their default allocator; this class
        // starts at 1, which would make every accept a wake-up of its own
        RecvByteBufAllocator base = new ServerChannelRecvByteBufAllocator().maxMessagesPerRead(ACCEPTS_PER_WAKEUP);
        return new RecvByteBufAllocator() {
            @Override
            public Handle newHandle() {
                return new DelegatingHandle(base.newHandle()) {
                    @Override
                    public void incMessagesRead(int n) {
                        super.incMessagesRead(n);
                        for (int i = 0; i < n; i++) {
                            accepted();
                        }
                    }

                    @Override
                    public boolean continueReading() {
                        return hasRoom() && super.continueReading();
                    }
                };
            }
        };
    }

    /** @return the first handler of the server channel's pipeline: tracks every accepted channel */
    ChannelHandler acceptor() {
        return new Acceptor();
    }

    @ChannelHandler.Sharable
    private final class Acceptor extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            synchronized (ConnectionCap.this) {
                server = ctx.channel();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Channel child) {
                track(child);
            }
            ctx.fireChannelRead(msg);
        }
    }

    private void track(Channel child) {
        synchronized (this) {
            channels.add(child);
        }
        child.closeFuture().addListener(f -> released(child));
    }

    private synchronized boolean hasRoom() {
        return open < max && !stopped;
    }

    /** One connection was accepted (on the event loop, inside the accept loop). */
    void accepted() {
        boolean reached = false;
        boolean schedule = false;
        synchronized (this) {
            open++;
            peak = Math.max(peak, open);
            if (open >= max && !capped) {
                capped = true;
                strikes = 0;
                if (server != null) {
                    server.config().setAutoRead(false);
                }
                reached = true;
                schedule = !reconciling;
                reconciling = true;
            }
        }
        if (reached) {
            counters.increment(CounterNames.CAP_REACHED);
            if (schedule) {
                scheduleReconcile();
            }
            reachedLog.occurred();
        }
    }

    private synchronized void released(Channel channel) {
        if (channels.remove(channel)) {
            open--;
            resumeIfBelowCap();
        }
    }

    /**
     * Closes every accepted channel that is still open; called once the server channel is closed.
     *
     * @return how many were still open (and are closed now)
     */
    int closeRemaining() {
        Channel[] left;
        synchronized (this) {
            left = channels.toArray(new Channel[0]);
        }
        int closed = 0;
        for (Channel c : left) {
            if (c.isOpen()) {
                closed++;
                c.close();
            }
        }
        return closed;
    }

    /** @return the accepted channels still open now */
    synchronized Channel[] openChannels() {
        return channels.stream().filter(Channel::isOpen).toArray(Channel[]::new);
    }

    /** From now on the cap never turns accepting on again (the server is stopping). */
    synchronized void stop() {
        stopped = true;
    }

    private void resumeIfBelowCap() {
        if (capped && open < max && !stopped) {
            capped = false;
            if (server != null) {
                server.config().setAutoRead(true);
            }
        }
    }

    /** @return connections open now (accepted and not yet closed) */
    synchronized int open() {
        return open;
    }

    /** @return the most connections that were open at once */
    synchronized int peak() {
        return peak;
    }

    /** @return whether the cap is reached now (the server does not accept) */
    synchronized boolean isCapped() {
        return capped;
    }

    int max() {
        return max;
    }

    private void scheduleReconcile() {
        try {
            scheduler.schedule(this::reconcile, RECONCILE_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                reconciling = false; // stopping
            }
        }
    }

    /**
     * While capped: corrects the count if fewer accepted channels than counted have been open for
     * two checks in a row (nothing is accepted while capped, so they must agree), and checks again
     * later. Package-private for tests.
     */
    void reconcile() {
        int corrected = -1;
        int was;
        boolean again;
        synchronized (this) {
            if (!capped) {
                reconciling = false;
                return;
            }
            was = open;
            int actual = (int) channels.stream().filter(Channel::isOpen).count();
            if (actual < open && ++strikes >= 2) {
                open = actual;
                channels.removeIf(c -> !c.isOpen());
                corrected = actual;
                strikes = 0;
                resumeIfBelowCap();
            } else if (actual >= open) {
                strikes = 0;
            }
            again = capped;
            reconciling = again;
        }
        if (corrected >= 0) {
            LOG.warn("State-change endpoint: counted {} open connections but {} are open; corrected, accepting again",
                    was, corrected);
        }
        if (again) {
            scheduleReconcile();
        }
    }
}
