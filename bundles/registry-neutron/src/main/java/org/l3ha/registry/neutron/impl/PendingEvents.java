package org.l3ha.registry.neutron.impl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The newest event per router not yet acted on: fetch it ({@code routers_updated},
 * {@code router_added_to_agent}, a lookup, a new id of the periodic check) or drop it
 * ({@code router_deleted}, {@code router_removed_from_agent}). A newer event replaces an older one
 * for the same router. Each event gets a sequence number, so that the answer of a call can be told
 * apart from events that arrived while it was in flight: a call made at sequence {@code s}
 * answers the events up to {@code s}, and events after {@code s} win over its answer.
 *
 * <p>Not thread-safe: the registry's lock guards it. Bounded by the number of distinct router ids
 * named, like the registry itself.
 */
final class PendingEvents {

    enum Action { FETCH, REMOVE }

    private record Event(Action action, long seq) {
    }

    private final LinkedHashMap<String, Event> events = new LinkedHashMap<>();
    private long seq;

    /** @return the sequence number of the newest event: take it just before a call */
    long seq() {
        return seq;
    }

    /** Records the newest event for {@code id}, after every other one. */
    void add(String id, Action action) {
        events.remove(id);
        events.put(id, new Event(action, ++seq));
    }

    boolean contains(String id) {
        return events.containsKey(id);
    }

    /** @return whether an event for {@code id} arrived after a call made at {@code callSeq} */
    boolean newerThan(String id, long callSeq) {
        Event e = events.get(id);
        return e != null && e.seq() > callSeq;
    }

    /** @return whether {@code id} was dropped by an event after a call made at {@code callSeq} */
    boolean removedAfter(String id, long callSeq) {
        Event e = events.get(id);
        return e != null && e.seq() > callSeq && e.action() == Action.REMOVE;
    }

    /** @return the routers to drop, forgetting those events */
    List<String> takeRemovals() {
        List<String> ids = new ArrayList<>();
        for (Iterator<Map.Entry<String, Event>> it = events.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Event> e = it.next();
            if (e.getValue().action() == Action.REMOVE) {
                ids.add(e.getKey());
                it.remove();
            }
        }
        return ids;
    }

    /**
     * @return up to {@code max} routers to fetch, oldest event first; their events stay until a call
     *         answers them ({@link #answered})
     */
    List<String> fetchBatch(int max) {
        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, Event> e : events.entrySet()) {
            if (ids.size() == max) {
                break;
            }
            if (e.getValue().action() == Action.FETCH) {
                ids.add(e.getKey());
            }
        }
        return ids;
    }

    /** Forgets the events for {@code ids} that a call made at {@code callSeq} answered. */
    void answered(Collection<String> ids, long callSeq) {
        for (String id : ids) {
            Event e = events.get(id);
            if (e != null && e.seq() <= callSeq) {
                events.remove(id);
            }
        }
    }

    /**
     * Forgets the events up to {@code callSeq} for routers not in {@code scheduled}: get_router_ids,
     * asked at {@code callSeq}, said they are not scheduled here.
     */
    void answeredNotScheduled(Set<String> scheduled, long callSeq) {
        events.entrySet().removeIf(e -> e.getValue().seq() <= callSeq && !scheduled.contains(e.getKey()));
    }

    void clear() {
        events.clear();
    }
}
