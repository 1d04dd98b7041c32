package org.l3ha.common.testing;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

import org.l3ha.common.Scheduler;

/**
 * A {@link Scheduler} in virtual time: nothing runs until the test says so, and then on the test's
 * thread. The clock starts at 1000 s; timers due at the same time run in the order they were set.
 */
public final class ManualScheduler implements Scheduler {
    /** The wall clock at virtual time zero. */
    private static final long WALL_BASE = 1_764_000_000_000L;
    private static final long START = TimeUnit.SECONDS.toNanos(1000);

    private final Deque<Runnable> ready = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long now = START;
    private long order;

    private static final class Timer implements Comparable<Timer> {
        final long due;
        final long order;
        final Runnable task;
        boolean cancelled;

        Timer(long due, long order, Runnable task) {
            this.due = due;
            this.order = order;
            this.task = task;
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    @Override
    public synchronized void execute(Runnable task) {
        ready.add(task);
    }

    @Override
    public synchronized Runnable schedule(Runnable task, long delayNanos) {
        Timer t = new Timer(now + delayNanos, order++, task);
        timers.add(t);
        return () -> {
            synchronized (ManualScheduler.this) {
                t.cancelled = true;
            }
        };
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized long currentTimeMillis() {
        return WALL_BASE + TimeUnit.NANOSECONDS.toMillis(now);
    }

    /** Runs every task that is ready now (and those they make ready), not timers. */
    public void runReady() {
        while (true) {
            Runnable r;
            synchronized (this) {
                r = ready.poll();
            }
            if (r == null) {
                return;
            }
            r.run();
        }
    }

    /** Moves the clock forward by {@code d}, running ready tasks and timers as they come due. */
    public void advance(Duration d) {
        long target;
        synchronized (this) {
            target = now + d.toNanos();
        }
        runReady();
        while (true) {
            Timer t;
            synchronized (this) {
                t = timers.peek();
                if (t == null || t.due > target) {
                    break;
                }
                timers.poll();
                now = t.due;
                if (t.cancelled) {
                    continue;
                }
            }
            t.task.run();
            runReady();
        }
        synchronized (this) {
            now = target;
        }
        runReady();
    }

    /** As {@link #advance(Duration)}, by {@code seconds}. */
    public void advance(double seconds) {
        advance(Duration.ofNanos((long) (seconds * 1e9)));
    }

    /** @return seconds since virtual time zero (1000 s) */
    public synchronized double seconds() {
        return (now - START) / 1e9;
    }

    /** @return timers set and neither run nor cancelled */
    public synchronized int pendingTimers() {
        return (int) timers.stream().filter(t -> !t.cancelled).count();
    }
}
