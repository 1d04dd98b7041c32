package org.l3ha.endpoint.impl;

import java.util.ArrayList;
import java.util.List;
import org.l3ha.api.HaState;
import org.l3ha.api.StateChangeSink;

/** A fake sink: records what it takes; refuses everything while {@link #refuse} is set. */
final class RecordingSink implements StateChangeSink {
    record Event(String routerId, HaState state) {
    }

    volatile boolean refuse;
    private final List<Event> events = new ArrayList<>();

    @Override
    public synchronized boolean accept(String routerId, HaState state) {
        if (refuse) {
            return false;
        }
        events.add(new Event(routerId, state));
        return true;
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** @return the events taken since the first {@code from} */
    synchronized List<Event> eventsSince(int from) {
        return List.copyOf(events.subList(from, events.size()));
    }

    synchronized int size() {
        return events.size();
    }
}
