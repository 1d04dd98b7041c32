package org.l3ha.endpoint.impl;

import org.l3ha.common.Counters;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.AbstractConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the connections the endpoint holds at once. When {@code max} are open the connector stops
 * accepting: further clients wait in the kernel's listen backlog, where they hold no descriptor
 * of this process, and are accepted in arrival order as connections close.
 *
 * <p>An accept listener on the connector (a bean of it, handed to its selector manager): a
 * connection counts from its accept ({@link #onAccepting}) until its end point is closed
 * ({@link #onClosed}) or its set-up failed ({@link #onAcceptFailed}). The connector must have an
 * acceptor thread: that thread checks {@link AbstractConnector#isAccepting()} before every
 * {@code accept()} and {@link #onAccepting} runs on it right after, so the cap is exact. (With
 * no acceptor thread, Jetty's selector accepts the whole backlog in one go and a limit can only be
 * kept by closing what it accepted beyond it, which is what Jetty's own
 * {@code NetworkConnectionLimit} does; it also logs every time the limit is reached or cleared.)
 *
 * <p>While the cap is reached, a check every {@value #RECONCILE_MS} ms compares the count with the
 * connector's end points; if fewer are open for two checks in a row (a close Jetty did not report),
 * the count is corrected, with a WARN, so the endpoint can never stop accepting for good.
 *
 * <p>It also keeps the accepted channels themselves until they close, so that a stop can close
 * those Jetty never will ({@link #closeRemaining}): a connection accepted in the moment the server
 * stops may reach the selector after the selector stopped, or be registered with it before its end
 * point is attached, and Jetty's stop then closes neither; without this each such connection would
 * keep its descriptor for as long as the JVM runs.
 *
 * <p>Thread-safe: the callbacks come from the acceptor thread, the selector and the pool; one
 * lock guards the count, and only {@link AbstractConnector#setAccepting} (a short lock of its
 * own, never held while calling out) is called under it.
 */
final class ConnectionCap implements SelectorManager.AcceptListener {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionCap.class);
    /** How often the count is checked against the connector while the cap is reached. */
    static final long RECONCILE_MS = 1_000;
    /** At most one line a minute about the cap being reached. */
    static final long LOG_INTERVAL_MS = 60_000;

    private final int max;
    private final AbstractConnector connector;
    private final Counters counters;
    private final RateLimitedLog reachedLog;

    /* guarded by this */
    private int open;
    private int peak;
    private boolean capped;
    private int strikes;
    /** Whether the connector is stopping: accepting is never turned on again. */
    private boolean stopped;
    /** Whether a {@link #reconcile} is scheduled (at most one is). */
    private boolean reconciling;
    /** The accepted channels not yet reported closed. */
    private final Set<SelectableChannel> channels = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * @param max most connections open at once (at least 1)
     * @param connector the connector to stop and restart accepting; its scheduler runs the checks
     * @param counters where {@link CounterNames#CAP_REACHED} is counted
     */
    ConnectionCap(int max, AbstractConnector connector, Counters counters) {
        if (max < 1) {
            throw new IllegalArgumentException("connection cap " + max);
        }
        this.max = max;
        this.connector = connector;
        this.counters = counters;
        this.reachedLog = new RateLimitedLog(LOG_INTERVAL_MS, connector.getScheduler(), (count, first, seconds) -> {
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

    @Override
    public void onAccepting(SelectableChannel channel) {
        boolean reached = false;
        boolean schedule = false;
        synchronized (this) {
            if (channels.size() >= 2 * max) {
                channels.removeIf(c -> !c.isOpen()); // closes Jetty did not report (see reconcile)
            }
            if (channel != null) {
                channels.add(channel);
            }
            open++;
            peak = Math.max(peak, open);
            if (open >= max && !capped) {
                capped = true;
                strikes = 0;
                connector.setAccepting(false);
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

    @Override
    public void onAcceptFailed(SelectableChannel channel, Throwable cause) {
        released(channel);
    }

    @Override
    public void onClosed(SelectableChannel channel) {
        released(channel);
    }

    private synchronized void released(SelectableChannel channel) {
        channels.remove(channel);
        open--;
        resumeIfBelowCap();
    }

    /**
     * Closes every accepted channel that is still open; called once the server has stopped, when
     * Jetty has closed all it knows of.
     *
     * @return how many were still open (and are closed now)
     */
    int closeRemaining() {
        SelectableChannel[] left;
        synchronized (this) {
            left = channels.toArray(new SelectableChannel[0]);
            channels.clear();
        }
        int closed = 0;
        for (SelectableChannel c : left) {
            if (c.isOpen()) {
                closed++;
                try {
                    c.close();
                } catch (IOException e) {
                    LOG.debug("Closing a connection left after the stop failed: {}", e.toString());
                }
            }
        }
        return closed;
    }

    /** From now on the cap never turns accepting on again (the connector is stopping). */
    synchronized void stop() {
        stopped = true;
    }

    private void resumeIfBelowCap() {
        if (capped && open < max && !stopped) {
            capped = false;
            connector.setAccepting(true);
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

    /** @return whether the cap is reached now (the connector does not accept) */
    synchronized boolean isCapped() {
        return capped;
    }

    int max() {
        return max;
    }

    private void scheduleReconcile() {
        try {
            connector.getScheduler().schedule(this::reconcile, RECONCILE_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                reconciling = false; // stopping
            }
        }
    }

    /**
     * While capped: corrects the count if the connector has had fewer end points than counted
     * for two checks in a row (nothing is accepted while capped, so they must agree), and checks
     * again later. Package-private for tests.
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
            int actual = connector.getConnectedEndPoints().size();
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
            LOG.warn("State-change endpoint: counted {} open connections but the connector has {}; corrected,"
                    + " accepting again", was, corrected);
        }
        if (again) {
            scheduleReconcile();
        }
    }
}
