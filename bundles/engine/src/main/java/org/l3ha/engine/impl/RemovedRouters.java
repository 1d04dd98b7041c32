package org.l3ha.engine.impl;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Routers removed recently (the registry said they left this node), each with the listener
 * generation its removal was given to, so that a listener bound a little later (a hot swap of a
 * data-plane bundle during the removal) is told too and stops what it still runs for the router.
 * Bounded whatever is removed: at most {@code max} routers (default {@value #DEFAULT_MAX}; beyond
 * that the one removed longest ago is forgotten first), each for {@code hold} after its removal
 * (default 10 minutes: a swapped listener binds again within seconds). A router applied again (the
 * registry has it back) is forgotten at once.
 */
final class RemovedRouters {
    static final int DEFAULT_MAX = 10_000;
    static final long DEFAULT_HOLD_NANOS = TimeUnit.MINUTES.toNanos(10);

    /** A removed router and the listener generation its removal was given to. */
    record Removed(String routerId, long generation) {
    }

    private record Entry(long generation, long nanos) {
    }

    private final int max;
    private final long holdNanos;
    /** Router id to its removal, removed longest ago first; guarded by this. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    /** {@code entries.size()}, read without the lock on the apply path. */
    private volatile int size;

    RemovedRouters() {
        this(DEFAULT_MAX, DEFAULT_HOLD_NANOS);
    }

    RemovedRouters(int max, long holdNanos) {
        this.max = max;
        this.holdNanos = holdNanos;
    }

    /** Records that {@code routerId} was removed at {@code nanos} and its removal given to listeners up to {@code generation}. */
    synchronized void removed(String routerId, long generation, long nanos) {
        entries.remove(routerId);
        entries.put(routerId, new Entry(generation, nanos));
        prune(nanos);
    }

    /** The removal of a router held here was given to listeners up to {@code generation} now. */
    synchronized void told(String routerId, long generation) {
        Entry e = entries.get(routerId);
        if (e != null && e.generation() < generation) {
            entries.put(routerId, new Entry(generation, e.nanos()));
        }
    }

    /** The router is applied again, or cannot be told any more: nothing to give to later listeners. */
    void forget(String routerId) {
        if (size == 0) {
            return;
        }
        synchronized (this) {
            entries.remove(routerId);
            size = entries.size();
        }
    }

    /**
     * @return the routers removed within the hold whose removal was given only to listeners older
     *         than {@code generation}, removed longest ago first
     */
    synchronized List<Removed> toldBefore(long generation, long nanos) {
        prune(nanos);
        List<Removed> out = new ArrayList<>();
        entries.forEach((id, e) -> {
            if (e.generation() < generation) {
                out.add(new Removed(id, e.generation()));
            }
        });
        return out;
    }

    private void prune(long nanos) {
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Entry> e = it.next();
            if (entries.size() > max || nanos - e.getValue().nanos() >= holdNanos) {
                it.remove();
            } else {
                break;
            }
        }
        size = entries.size();
    }
}
