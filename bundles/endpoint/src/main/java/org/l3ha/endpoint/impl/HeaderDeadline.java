package org.l3ha.endpoint.impl;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the time a connection may take to deliver a complete request head: {@code deadline}
 * from its opening (right after the accept) and, on a keep-alive connection, from the end of its
 * previous response. A connection that misses it is closed, counted in
 * {@link Counters#CLOSED_HEADER_TIMEOUT} and reported by a rate-limited log line.
 *
 * <p>Jetty 12.1 has no such bound: its idle timeout restarts with every byte read, so a client
 * trickling a header line every few seconds holds a connection for ever, and
 * {@code HttpConfiguration.setMinRequestDataRate} is not enforced by its HTTP/1 connection.
 *
 * <p>How: a {@link Connection.Listener} bean of the connector, so every connection reports its
 * opening and closing here. Each open connection has one timer on the connector's
 * {@link Scheduler} (no thread per connection), re-armed at the end of every response (the
 * handlers wrap their callback with {@link #exchange}). When it fires, the connection's
 * {@link Connection#getMessagesIn()} (which Jetty's HTTP/1 connection counts up as soon as a
 * request head is complete, before the handler runs) tells whether a head arrived since it was
 * armed. If none did, the connection is closed. If one did but its response has not ended yet
 * (a handler still reading the body, a reply not yet written), the timer runs once more from
 * then: a request whose body or reply is still not done after that is closed too, counted in
 * {@link Counters#CLOSED_REQUEST_TIMEOUT} (the body is at most 1 KiB, the reply is written at
 * once, so only a client trickling its body or not reading its reply gets there).
 *
 * <p>A timer that fires more than {@value #LATE_MS} ms late means the JVM itself was stalled
 * (garbage collection, a starved machine): the bytes of a client that sent its head in time may
 * still be unread, so instead of closing it looks again {@value #LATE_MS} ms later.
 *
 * <p>Thread-safe: connections open and close on the selector and pool threads, timers fire on
 * the scheduler thread, responses end on pool threads. Each connection's state has its own lock;
 * connections are closed and lines logged outside it.
 */
final class HeaderDeadline implements Connection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadline.class);
    /** A timer this late means a JVM stall, not a slow client: look again rather than close. */
    static final long LATE_MS = 1_000;
    /** At most one line a minute about connections closed by the deadline. */
    static final long LOG_INTERVAL_MS = 60_000;
    /** The window in which closures are counted for the health check. */
    static final long RECENT_WINDOW_MS = 60_000;

    private final long deadlineMs;
    private final Scheduler scheduler;
    private final Counters counters;
    private final ConcurrentHashMap<Connection, Watch> watches = new ConcurrentHashMap<>();
    private final RateLimitedLog closedLog;

    /* guarded by this: closures in the current and the previous window (for the health check) */
    private long windowStartNanos = System.nanoTime();
    private int thisWindow;
    private int lastWindow;

    /**
     * @param deadlineMs the deadline for a complete request head, milliseconds (positive)
     * @param scheduler the connector's scheduler: runs the timers and the log's summary lines
     * @param counters where closures are counted
     * @param openConnections connections open now, for the log line
     */
    HeaderDeadline(long deadlineMs, Scheduler scheduler, Counters counters, IntSupplier openConnections) {
        if (deadlineMs <= 0) {
            throw new IllegalArgumentException("header deadline " + deadlineMs + " ms");
        }
        this.deadlineMs = deadlineMs;
        this.scheduler = scheduler;
        this.counters = counters;
        this.closedLog = new RateLimitedLog(LOG_INTERVAL_MS, scheduler, (count, first, seconds) -> {
            if (first) {
                LOG.warn("State-change endpoint: closed a connection that sent no complete request within {} ms"
                        + " (counted in closed_header_timeout and closed_request_timeout; at most one such line"
                        + " a minute); {} connections open", deadlineMs, openConnections.getAsInt());
            } else {
                LOG.warn("State-change endpoint: closed {} more connection(s) that sent no complete request within"
                        + " {} ms in the last {} s; {} connections open", count, deadlineMs, seconds,
                        openConnections.getAsInt());
            }
        });
    }

    @Override
    public void onOpened(Connection connection) {
        Watch w = new Watch(connection);
        watches.put(connection, w);
        w.arm(connection.getMessagesIn(), -1);
    }

    @Override
    public void onClosed(Connection connection) {
        Watch w = watches.remove(connection);
        if (w != null) {
            w.cancel();
        }
    }

    /**
     * Wraps the callback of one request so that the end of its response re-arms the deadline of
     * its connection (for the next request on a keep-alive connection). Call it first thing in a
     * handler, and use what it returns.
     *
     * @return the callback to complete the request with
     */
    Callback exchange(Request request, Callback callback) {
        Watch w = watches.get(request.getConnectionMetaData().getConnection());
        if (w == null) {
            return callback;
        }
        return new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                // before Jetty goes on to the next request on this connection
                w.responded();
                super.succeeded();
            }
        };
    }

    /** @return connections open now that this deadline watches */
    int watched() {
        return watches.size();
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

    /** The deadline of one connection. */
    private final class Watch {
        private final Connection connection;

        /* guarded by this */
        /** Request heads the connection had when the timer was armed. */
        private long armedIn;
        /** Request heads whose responses have ended. */
        private long answeredIn;
        /** When the timer is due (System.nanoTime). */
        private long dueNanos;
        /** Counts up with every arming; a timer of an earlier arming does nothing. */
        private long generation;
        private Scheduler.Task task;
        private boolean done;

        Watch(Connection connection) {
            this.connection = connection;
        }

        /** A response ended: the connection has a new deadline for its next request head. */
        void responded() {
            long in = connection.getMessagesIn();
            synchronized (this) {
                answeredIn = in;
            }
            arm(in, -1);
        }

        /**
         * (Re-)arms the timer: a head must arrive within the deadline of now.
         *
         * @param in the connection's request heads now
         * @param ifGeneration arm only if the watch is still at this generation (-1: always)
         */
        void arm(long in, long ifGeneration) {
            long gen;
            synchronized (this) {
                if (done || (ifGeneration >= 0 && ifGeneration != generation)) {
                    return;
                }
                armedIn = in;
                cancelTask();
                gen = ++generation;
                dueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMs);
            }
            schedule(gen, deadlineMs);
        }

        private void schedule(long gen, long delayMs) {
            Scheduler.Task t;
            try {
                t = scheduler.schedule(() -> check(gen), delayMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                return; // the scheduler is stopping with the server, which closes every connection
            }
            synchronized (this) {
                if (gen == generation && !done) {
                    task = t;
                    return;
                }
            }
            t.cancel(); // re-armed or closed meanwhile
        }

        void cancel() {
            synchronized (this) {
                done = true;
                cancelTask();
            }
        }

        private void cancelTask() {
            if (task != null) {
                task.cancel();
                task = null;
            }
        }

        /** The timer of arming {@code gen} fired. */
        void check(long gen) {
            long now = System.nanoTime();
            long in = connection.getMessagesIn();
            String counter;
            synchronized (this) {
                if (done || gen != generation) {
                    return;
                }
                task = null;
                if (now - dueNanos > TimeUnit.MILLISECONDS.toNanos(LATE_MS)) {
                    // a stalled JVM, not a slow client: give the selector a moment to read what arrived
                    dueNanos = now + TimeUnit.MILLISECONDS.toNanos(LATE_MS);
                    counter = null;
                } else if (in != armedIn) {
                    counter = ""; // a head arrived in time
                } else {
                    done = true;
                    counter = armedIn > answeredIn ? Counters.CLOSED_REQUEST_TIMEOUT : Counters.CLOSED_HEADER_TIMEOUT;
                }
            }
            if (counter == null) {
                schedule(gen, LATE_MS);
            } else if (counter.isEmpty()) {
                // its response has not ended (else it would have re-armed): one more deadline for it
                arm(in, gen);
            } else {
                close(counter);
            }
        }

        private void close(String counter) {
            counters.increment(counter);
            noteClosure();
            connection.getEndPoint().close(new TimeoutException("no complete request within " + deadlineMs + " ms"));
            closedLog.occurred();
        }
    }
}
