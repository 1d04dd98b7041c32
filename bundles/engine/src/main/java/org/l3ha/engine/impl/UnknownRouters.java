package org.l3ha.engine.impl;

import org.l3ha.common.Scheduler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.l3ha.api.HaState;
import org.l3ha.common.Counters;
import org.l3ha.common.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routers the engine holds a state for although the registry does not know them (so that the
 * state is applied if the registry learns the router), kept bounded whatever is notified:
 * <ul>
 * <li>at most {@code max} of them (default {@value #DEFAULT_MAX}, far above a real node's router
 * count): beyond that, the one notified longest ago is dropped first;</li>
 * <li>each for {@code hold} (default 10 minutes) after its last notification: a registry normally
 * learns a new router within seconds;</li>
 * <li>the "not managed by this agent" WARN names the first router and then at most one line per
 * {@value #LOG_INTERVAL_SECONDS} s says how many more were seen and dropped, with a few example
 * ids: never one line per id.</li>
 * </ul>
 * Dropping is done by {@code dropper}, on a worker and outside this object's lock, and only for a
 * router that is still unknown, idle and not seen again since the drop was decided (each sighting
 * has its own stamp, which the router's entry keeps); dropped held states are counted as
 * {@code unknown_dropped}.
 *
 * <p>Locking: {@link #seen} is called under a router's monitor, so this object's lock is always
 * taken after a router's and never held while the dropper takes one.
 */
final class UnknownRouters {
    static final int DEFAULT_MAX = 10_000;
    static final long DEFAULT_HOLD_NANOS = TimeUnit.MINUTES.toNanos(10);
    static final int LOG_INTERVAL_SECONDS = 10;
    static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(LOG_INTERVAL_SECONDS);
    /** Router ids named as examples in a summary line. */
    static final int EXAMPLES = 3;

    private static final Logger LOG = LoggerFactory.getLogger(UnknownRouters.class);

    /**
     * Drops the held state of a router if it is still unknown, idle and last seen with
     * {@code stamp}; says whether it did.
     */
    interface Dropper {
        boolean dropIfUnknown(String routerId, long stamp);
    }

    /** When a router was last seen unknown, and the stamp of that sighting. */
    private record Seen(long nanos, long stamp) {
    }

    private record Drop(String routerId, long stamp, boolean expired) {
    }

    private final Scheduler scheduler;
    private final Dropper dropper;
    private final int max;
    private final long holdNanos;
    private final LongAdder dropped;

    // every field below is guarded by this
    /** Router id to when it was last seen unknown, least recently seen first. */
    private final LinkedHashMap<String, Seen> held = new LinkedHashMap<>();
    private long stamps;
    private final ArrayDeque<Drop> toDrop = new ArrayDeque<>();
    private boolean drainQueued;
    private Runnable cancelSweep;
    private Runnable cancelSummary;
    private boolean everLogged;
    private long lastLogNanos;
    private int seenSinceLog;
    private final List<String> examples = new ArrayList<>(EXAMPLES);
    private int cappedSinceLog;
    private int expiredSinceLog;
    private boolean closed;

    /** @param counters where the dropped held states are counted ({@code unknown_dropped}) */
    UnknownRouters(Scheduler scheduler, Dropper dropper, int max, long holdNanos, Counters counters) {
        this.scheduler = scheduler;
        this.dropper = dropper;
        this.max = max;
        this.holdNanos = holdNanos;
        this.dropped = counters.counter("unknown_dropped");
    }

    /**
     * Records that the registry does not know {@code routerId}, which now holds {@code state}.
     *
     * @param newly whether the router was not already held as unknown (it is then logged or
     *        counted for the next summary line)
     * @return the stamp of this sighting (never 0), for the router's entry to keep
     */
    synchronized long seen(String routerId, HaState state, boolean newly) {
        long stamp = ++stamps;
        if (closed) {
            return stamp;
        }
        long now = scheduler.nanoTime();
        held.remove(routerId);
        held.put(routerId, new Seen(now, stamp));
        if (held.size() > max) {
            Iterator<Map.Entry<String, Seen>> eldest = held.entrySet().iterator();
            for (int n = held.size() - max; n > 0; n--) {
                Map.Entry<String, Seen> e = eldest.next();
                toDrop.add(new Drop(e.getKey(), e.getValue().stamp(), false));
                eldest.remove();
            }
            queueDrain();
        }
        scheduleSweep(now);
        if (!newly) {
            return stamp;
        }
        if (cancelSummary == null && (!everLogged || now - lastLogNanos >= LOG_INTERVAL_NANOS)) {
            everLogged = true;
            lastLogNanos = now;
            LOG.warn("Router {} is not managed by this agent (not in the registry): its state {} is held and applied if"
                    + " the registry learns the router within {} min (other routers not in the registry are summed up"
                    + " at most every {} s)", LogText.escape(routerId), state == null ? "-" : state.word(), holdMinutes(),
                    LOG_INTERVAL_SECONDS);
        } else {
            seenSinceLog++;
            if (examples.size() < EXAMPLES) {
                examples.add(LogText.escape(routerId));
            }
            scheduleSummary(now);
        }
        return stamp;
    }

    /** The registry knows {@code routerId} (again): it is no longer held as unknown. */
    synchronized void forget(String routerId) {
        held.remove(routerId);
    }

    /** @return how many routers are held as unknown */
    synchronized int size() {
        return held.size();
    }

    /** Stops the timers; nothing is dropped or logged any more. */
    synchronized void close() {
        closed = true;
        cancel(cancelSweep);
        cancel(cancelSummary);
        cancelSweep = null;
        cancelSummary = null;
        held.clear();
        toDrop.clear();
    }

    // ------------------------------------------------------------------ expiry

    private void scheduleSweep(long now) {
        if (cancelSweep != null || held.isEmpty()) {
            return;
        }
        long due = held.values().iterator().next().nanos() + holdNanos;
        cancelSweep = scheduler.schedule(this::sweep, Math.max(0, due - now));
    }

    /** Drops what was held longer than {@code hold} since its last notification. */
    private void sweep() {
        synchronized (this) {
            cancelSweep = null;
            if (closed) {
                return;
            }
            long now = scheduler.nanoTime();
            Iterator<Map.Entry<String, Seen>> it = held.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, Seen> e = it.next();
                if (now - e.getValue().nanos() < holdNanos) {
                    break;
                }
                toDrop.add(new Drop(e.getKey(), e.getValue().stamp(), true));
                it.remove();
            }
            scheduleSweep(now);
        }
        drain();
    }

    private void queueDrain() {
        if (!drainQueued) {
            drainQueued = true;
            scheduler.execute(this::drain);
        }
    }

    /** Hands the routers to drop to the dropper, outside this object's lock. */
    private void drain() {
        List<Drop> batch;
        synchronized (this) {
            drainQueued = false;
            batch = new ArrayList<>(toDrop);
            toDrop.clear();
        }
        int capped = 0;
        int expired = 0;
        for (Drop d : batch) {
            if (dropper.dropIfUnknown(d.routerId(), d.stamp())) {
                dropped.increment();
                if (d.expired()) {
                    expired++;
                } else {
                    capped++;
                }
            }
        }
        if (capped + expired > 0) {
            synchronized (this) {
                cappedSinceLog += capped;
                expiredSinceLog += expired;
                if (!closed) {
                    scheduleSummary(scheduler.nanoTime());
                }
            }
        }
    }

    // ------------------------------------------------------------------ the summary line

    private void scheduleSummary(long now) {
        if (cancelSummary != null) {
            return;
        }
        long due = everLogged ? lastLogNanos + LOG_INTERVAL_NANOS : now;
        cancelSummary = scheduler.schedule(this::summary, Math.max(0, due - now));
    }

    /** One WARN line for everything since the last line: routers seen, states dropped. */
    private synchronized void summary() {
        cancelSummary = null;
        if (closed || seenSinceLog + cappedSinceLog + expiredSinceLog == 0) {
            return;
        }
        StringBuilder sb = new StringBuilder("Routers not managed by this agent (not in the registry): ");
        if (seenSinceLog > 0) {
            sb.append(seenSinceLog).append(" more seen in the last ").append(LOG_INTERVAL_SECONDS).append(" s (e.g. ")
                    .append(String.join(", ", examples)).append(seenSinceLog > examples.size() ? ", ..." : "")
                    .append("), their states held and applied if the registry learns them within ").append(holdMinutes())
                    .append(" min; ");
        }
        if (cappedSinceLog + expiredSinceLog > 0) {
            int n = cappedSinceLog + expiredSinceLog;
            sb.append(n).append(n == 1 ? " held state dropped (" : " held states dropped (");
            if (cappedSinceLog > 0) {
                sb.append(cappedSinceLog).append(" oldest beyond the limit of ").append(max)
                        .append(expiredSinceLog > 0 ? ", " : "");
            }
            if (expiredSinceLog > 0) {
                sb.append(expiredSinceLog).append(" held ").append(holdMinutes()).append(" min without the registry learning them");
            }
            sb.append("); ");
        }
        sb.append(held.size()).append(" held now (at most ").append(max).append("); see unknown_dropped in l3ha:stats");
        LOG.warn("{}", sb);
        everLogged = true;
        lastLogNanos = scheduler.nanoTime();
        seenSinceLog = 0;
        cappedSinceLog = 0;
        expiredSinceLog = 0;
        examples.clear();
    }

    private long holdMinutes() {
        return TimeUnit.NANOSECONDS.toMinutes(holdNanos);
    }

    private static void cancel(Runnable cancel) {
        if (cancel != null) {
            cancel.run();
        }
    }
}
