package org.l3ha.engine.impl;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/** A scheduler in virtual time: nothing runs until the test says so. */
final class ManualScheduler implements Scheduler {
    private static final long WALL_BASE = 1_764_000_000_000L;

    private final Deque<Runnable> ready = new ArrayDeque<>();
    private final PriorityQueue<Timed> timers = new PriorityQueue<>();
    private long now = TimeUnit.SECONDS.toNanos(1000);
    private long seq;

    private static final class Timed implements Comparable<Timed> {
        final long due;
        final long seq;
        final Runnable task;
        boolean cancelled;

        Timed(long due, long seq, Runnable task) {
            this.due = due;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(Timed o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    @Override
    public synchronized void execute(Runnable task) {
        ready.add(task);
    }

    @Override
    public synchronized Runnable schedule(Runnable task, long delayNanos) {
        Timed t = new Timed(now + delayNanos, seq++, task);
        timers.add(t);
        return () -> t.cancelled = true;
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized long currentTimeMillis() {
        return WALL_BASE + TimeUnit.NANOSECONDS.toMillis(now);
    }

    /** Runs every task that is ready now (and those they make ready). */
    void runReady() {
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

    /** Moves the clock forward by {@code seconds}, running timers as they come due. */
    void advance(double seconds) {
        long target = now + (long) (seconds * 1e9);
        runReady();
        while (true) {
            Timed t;
            synchronized (this) {
                t = timers.peek();
                if (t == null || t.due > target) {
                    break;
                }
                timers.poll();
                now = t.due;
            }
            if (!t.cancelled) {
                t.task.run();
            }
            runReady();
        }
        synchronized (this) {
            now = target;
        }
        runReady();
    }

    /** @return seconds since the test's time zero (1000 s) */
    double seconds() {
        return (nanoTime() - TimeUnit.SECONDS.toNanos(1000)) / 1e9;
    }

    synchronized int pendingTimers() {
        return (int) timers.stream().filter(t -> !t.cancelled).count();
    }
}
