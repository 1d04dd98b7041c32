package org.l3ha.endpoint.impl;

import org.l3ha.common.Counters;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the time a connection may take to deliver a complete request head: {@code deadline}
 * from its opening (right after the accept) and, on a keep-alive connection, from the end of its
 * previous exchange. A connection that misses it is closed, counted in
 * {@link CounterNames#CLOSED_HEADER_TIMEOUT} and reported by a rate-limited log line.
 *
 * <p>Jetty 12.1 has no such bound: its idle timeout restarts with every byte read, so a client
 * trickling a header line every few seconds holds a connection for ever, and
 * {@code HttpConfiguration.setMinRequestDataRate} is not enforced by its HTTP/1 connection.
 *
 * <p>How: a {@link Connection.Listener} bean of the connector, so every connection reports its
 * opening and closing here. Each open connection has one timer on the connector's
 * {@link Scheduler} (no thread per connection). The handlers report the end of every exchange
 * ({@link #watchExchange}, through Jetty's request completion listener); that only records the
 * time, and the timer moves its window there when it fires, so nothing is scheduled or cancelled
 * on the request path. When the window is up, the connection's {@link Connection#getMessagesIn()}
 * (which Jetty's HTTP/1 connection counts up as soon as a request head is complete, before the
 * handler runs) tells whether a head arrived in it. If none did, the connection is closed. If one
 * did but its exchange has not ended yet (a handler still reading the body, a reply not yet
 * written), it gets one more window from then: a request whose body or reply is still not done
 * after that is closed too, counted in {@link CounterNames#CLOSED_REQUEST_TIMEOUT} (the body is at
 * most 1 KiB and the reply is written at once, so only a client trickling its body or not reading
 * its reply gets there).
 *
 * <p>Closing goes through Jetty's own idle-timeout path, as Jetty's connection limits do: the end
 * point's idle timeout is cut to {@value #EXPIRE_MS} ms, so Jetty expires it on its scheduler and
 * its HTTP/1 connection fails a request in progress and closes in order. (Closing the end point
 * from this thread instead could race with a thread parsing on the same connection.) If the end
 * point is still open {@value #LATE_MS} ms later, it is closed outright.
 *
 * <p>A timer that fires more than {@value #LATE_MS} ms late means the JVM itself was stalled
 * (garbage collection, a starved machine): the bytes of a client that sent its head in time may
 * still be unread, so instead of closing it looks again {@value #LATE_MS} ms later.
 *
 * <p>Thread-safe: connections open and close on the selector and pool threads, timers fire on
 * the scheduler thread, exchanges end on pool threads. Each connection's state has its own lock,
 * held for a few field accesses; connections are expired and lines logged outside it.
 */
final class HeaderDeadline implements Connection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadline.class);
    /** A timer this late means a JVM stall, not a slow client: look again rather than close. */
    static final long LATE_MS = 1_000;
    /** The idle timeout an expired connection gets, so that Jetty expires it at once. */
    static final long EXPIRE_MS = 1;
    /** At most one line a minute about connections closed by the deadline. */
    static final long LOG_INTERVAL_MS = 60_000;
    /** The window in which closures are counted for the health check. */
    static final long RECENT_WINDOW_MS = 60_000;

    private final long deadlineMs;
    private final long deadlineNanos;
    private final Scheduler scheduler;
    private final Counters counters;
    private final ConcurrentHashMap<Connection, Watch> watches = new ConcurrentHashMap<>();
    private final RateLimitedLog closedLog;
    /** What the connection closed last had sent, for the log line: bytes read and complete request heads. */
    private volatile String lastClosed = "";

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
        this.deadlineNanos = TimeUnit.MILLISECONDS.toNanos(deadlineMs);
        this.scheduler = scheduler;
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

    @Override
    public void onOpened(Connection connection) {
        Watch w = new Watch(connection);
        watches.put(connection, w);
        w.start();
    }

    @Override
    public void onClosed(Connection connection) {
        Watch w = watches.remove(connection);
        if (w != null) {
            w.cancel();
        }
    }

    /**
     * Has the end of this request's exchange start a new window on its connection (for the next
     * request on a keep-alive connection). Call it first thing in a handler.
     */
    void watchExchange(Request request) {
        Watch w = watches.get(request.getConnectionMetaData().getConnection());
        if (w != null) {
            Request.addCompletionListener(request, failure -> w.exchangeEnded());
        }
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
        /** Request heads the connection had when the current window opened. */
        private long windowIn;
        /** When the current window opened (System.nanoTime). */
        private long windowStart;
        /** Exchanges ended, and how many of them the windows have taken into account. */
        private long ended;
        private long endedSeen;
        /** Request heads the connection had when its last exchange ended, and when that was. */
        private long endedIn;
        private long endedAt;
        /** When the timer was set to fire. */
        private long firesAt;
        private Scheduler.Task task;
        private boolean done;

        Watch(Connection connection) {
            this.connection = connection;
        }

        void start() {
            long in = connection.getMessagesIn();
            long now = System.nanoTime();
            synchronized (this) {
                windowIn = in;
                windowStart = now;
                firesAt = now + deadlineNanos;
            }
            schedule(deadlineNanos);
        }

        /** An exchange ended (on a pool thread, inside Jetty's completion): only note it. */
        void exchangeEnded() {
            long in = connection.getMessagesIn();
            long now = System.nanoTime();
            synchronized (this) {
                ended++;
                endedIn = in;
                endedAt = now;
            }
        }

        /** The timer fired. */
        void check() {
            long now = System.nanoTime();
            long in = connection.getMessagesIn();
            long delay = -1;
            String counter = null;
            synchronized (this) {
                if (done) {
                    return;
                }
                task = null;
                if (ended != endedSeen) {
                    // the window starts again at the end of the last exchange
                    endedSeen = ended;
                    windowIn = endedIn;
                    windowStart = endedAt;
                }
                long due = windowStart + deadlineNanos;
                if (due - now > 0) {
                    delay = due - now;
                } else if (now - firesAt > TimeUnit.MILLISECONDS.toNanos(LATE_MS)) {
                    // a stalled JVM, not a slow client: give the selector a moment to read what arrived
                    delay = TimeUnit.MILLISECONDS.toNanos(LATE_MS);
                } else if (in != windowIn) {
                    // a head arrived in time and its exchange is under way: one more window for it
                    windowIn = in;
                    windowStart = now;
                    delay = deadlineNanos;
                } else {
                    done = true;
                    counter = windowIn > endedIn ? CounterNames.CLOSED_REQUEST_TIMEOUT : CounterNames.CLOSED_HEADER_TIMEOUT;
                }
                if (delay >= 0) {
                    firesAt = now + delay;
                }
            }
            if (counter != null) {
                expire(counter);
            } else {
                schedule(delay);
            }
        }

        private void schedule(long delayNanos) {
            Scheduler.Task t;
            try {
                t = scheduler.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                return; // the scheduler is stopping with the server, which closes every connection
            }
            keep(t);
        }

        private void keep(Scheduler.Task t) {
            synchronized (this) {
                if (task == null) {
                    task = t;
                    return;
                }
            }
            t.cancel(); // cannot happen with one timer at a time; never leave two
        }

        /** Counts, logs, and has Jetty expire the connection; closes it outright if that does not. */
        private void expire(String counter) {
            counters.increment(counter);
            noteClosure();
            lastClosed = "it had sent " + connection.getBytesIn() + " bytes, " + connection.getMessagesIn()
                    + " complete request head(s)";
            closedLog.occurred();
            EndPoint endPoint = connection.getEndPoint();
            endPoint.setIdleTimeout(EXPIRE_MS);
            try {
                keep(scheduler.schedule(() -> {
                    if (endPoint.isOpen()) {
                        endPoint.close(new TimeoutException("no complete request within " + deadlineMs + " ms"));
                    }
                }, LATE_MS, TimeUnit.MILLISECONDS));
            } catch (RejectedExecutionException e) {
                // stopping: the server closes every connection
            }
        }

        /** The connection closed: no more timers. */
        void cancel() {
            Scheduler.Task t;
            synchronized (this) {
                done = true;
                t = task;
                task = null;
            }
            if (t != null) {
                t.cancel();
            }
        }
    }
}
