package org.l3ha.notifier.impl;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.l3ha.api.HaState;

/**
 * Drives a {@link ChannelQueue} in virtual time the way {@link ReporterChannel}'s sender loop
 * drives it in real time: whenever a batch is due the sender takes it, the report takes
 * {@code sendSeconds} (events arriving meanwhile are offered while the batch is in flight), then
 * the outcome is recorded. When an event and a due batch fall on the same instant, the sender
 * goes first (the less favourable order for coalescing). No threads, no sleeping.
 */
final class VirtualSender {
    /** One call of the reporter. */
    record Send(double start, double end, Map<String, String> states, boolean ok) {
    }

    private record Event(long at, String routerId, HaState state) {
    }

    long now;
    final ChannelQueue queue;
    final List<Send> sends = new ArrayList<>();
    /** Per delivered state: seconds since queued, and since its router's oldest undelivered state if a failed send held it back (else -1). */
    final List<double[]> waits = new ArrayList<>();
    private final List<Event> events = new ArrayList<>();
    private final Deque<Boolean> outcomes = new ArrayDeque<>();
    private long sendNanos;

    VirtualSender(double intervalSeconds) {
        queue = new ChannelQueue(() -> now, nanos(intervalSeconds));
    }

    static long nanos(double seconds) {
        return Math.round(seconds * TimeUnit.SECONDS.toNanos(1));
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    VirtualSender sendTakes(double seconds) {
        sendNanos = nanos(seconds);
        return this;
    }

    /** The next reports fail (false) or succeed (true), in order; afterwards they succeed. */
    VirtualSender outcomes(Boolean... next) {
        outcomes.addAll(List.of(next));
        return this;
    }

    VirtualSender at(double seconds, String routerId, HaState state) {
        events.add(new Event(nanos(seconds), routerId, state));
        events.sort((a, b) -> Long.compare(a.at, b.at)); // stable: same instant keeps call order
        return this;
    }

    /** Runs until nothing is left to do or virtual time passes {@code untilSeconds}. */
    VirtualSender runUntil(double untilSeconds) {
        long until = nanos(untilSeconds);
        while (true) {
            long due = queue.nanosUntilDue();
            long tDue = due == ChannelQueue.NOTHING_DUE ? Long.MAX_VALUE : now + due;
            long tEvent = events.isEmpty() ? Long.MAX_VALUE : events.get(0).at;
            long next = Math.min(tDue, tEvent);
            if (next == Long.MAX_VALUE || next > until) {
                return this;
            }
            if (tDue <= tEvent) {
                now = tDue;
                send(queue.poll());
            } else {
                now = tEvent;
                Event e = events.remove(0);
                queue.offer(e.routerId, e.state);
            }
        }
    }

    private void send(Map<String, HaState> batch) {
        long start = now;
        long end = start + sendNanos;
        // events during the report are queued while the batch is in flight
        while (!events.isEmpty() && events.get(0).at < end) {
            Event e = events.remove(0);
            now = e.at;
            queue.offer(e.routerId, e.state);
            if (queue.nanosUntilDue() != ChannelQueue.NOTHING_DUE) {
                throw new AssertionError("a batch was due while one is in flight");
            }
        }
        now = end;
        boolean ok = outcomes.isEmpty() || outcomes.poll();
        Map<String, String> states = new LinkedHashMap<>();
        batch.forEach((id, s) -> states.put(id, s.serverName()));
        sends.add(new Send(seconds(start), seconds(end), states, ok));
        if (ok) {
            queue.succeeded((sinceQueued, sinceFirstHeld) -> waits.add(new double[] {seconds(sinceQueued),
                sinceFirstHeld < 0 ? -1 : seconds(sinceFirstHeld)}));
        } else {
            queue.failed();
        }
    }
}
