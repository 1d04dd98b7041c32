package org.l3ha.engine.impl;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks on a pool's threads without waking a thread per task: tasks wait in one queue, and a
 * pool thread that takes one (a drainer) runs queued tasks until the queue is empty. A further
 * drainer is started only while more tasks wait than drainers run, up to {@code maxDrainers}.
 *
 * <p>Why: the engine's tasks (a transition's bookkeeping, a state file, the listeners) take well
 * under a millisecond without a data plane, so in a storm of notifications a pool that wakes one
 * of its threads per task spends more on the wake-ups (a futex wake, a context switch, the thread
 * going back to sleep) than on the task. Slow tasks (listeners that fork commands) still run in
 * parallel: while they block, tasks pile up and further drainers start; and while tasks wait, a
 * check every {@value #STALL_CHECK_MS} ms starts one more drainer if no task finished since the
 * last check (every drainer is held up by a slow task), so a task never waits behind another
 * router's slow one for longer than that.
 *
 * <p>Thread-safe and lock-free. A task is never stranded: a drainer that finds the queue empty
 * leaves, then looks again, and carries on if a task came in meanwhile and no other drainer runs.
 */
final class DrainingExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(DrainingExecutor.class);

    /** How often waiting tasks are checked for drainers that are all held up. */
    static final long STALL_CHECK_MS = 10;

    private final Executor pool;
    private final ScheduledExecutorService timer;
    private final int maxDrainers;
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    /** Tasks in {@link #queue} (its size() walks the queue). */
    private final AtomicInteger queued = new AtomicInteger();
    /** Drainers started and not yet finished. */
    private final AtomicInteger drainers = new AtomicInteger();
    /** Tasks finished (the stall check's sign of progress). */
    private final AtomicLong finished = new AtomicLong();
    /** Whether a stall check is scheduled (at most one is). */
    private final AtomicBoolean checking = new AtomicBoolean();

    /**
     * @param pool runs the drainers; it must have at least {@code maxDrainers} threads for them to
     *        run in parallel
     * @param timer runs the stall checks
     * @param maxDrainers most drainers at once (at least 1)
     */
    DrainingExecutor(Executor pool, ScheduledExecutorService timer, int maxDrainers) {
        if (maxDrainers < 1) {
            throw new IllegalArgumentException("maxDrainers " + maxDrainers);
        }
        this.pool = pool;
        this.timer = timer;
        this.maxDrainers = maxDrainers;
    }

    /**
     * @throws RejectedExecutionException if a drainer was needed and the pool refused it (it is
     *         shut down); the task is then not run
     */
    @Override
    public void execute(Runnable task) {
        queue.add(task);
        int waiting = queued.incrementAndGet();
        while (true) {
            int running = drainers.get();
            if (running != 0 && (running >= maxDrainers || waiting <= running)) {
                checkForStall(); // a running drainer takes it, unless all are held up
                return;
            }
            if (drainers.compareAndSet(running, running + 1)) {
                break;
            }
            waiting = queued.get();
        }
        try {
            pool.execute(this::drain);
        } catch (RejectedExecutionException e) {
            drainers.decrementAndGet();
            if (queue.remove(task)) {
                queued.decrementAndGet();
            }
            throw e;
        }
    }

    private void checkForStall() {
        if (!checking.compareAndSet(false, true)) {
            return;
        }
        long seen = finished.get();
        try {
            timer.schedule(() -> stallCheck(seen), STALL_CHECK_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            checking.set(false); // stopping
        }
    }

    /** Starts one more drainer if tasks wait and none finished since {@code seen}; checks again while tasks wait. */
    private void stallCheck(long seen) {
        checking.set(false);
        if (queued.get() == 0) {
            return;
        }
        if (finished.get() == seen) {
            int running = drainers.get();
            if (running < maxDrainers && drainers.compareAndSet(running, running + 1)) {
                try {
                    pool.execute(this::drain);
                } catch (RejectedExecutionException e) {
                    drainers.decrementAndGet(); // stopping: the running drainers finish the queue
                    return;
                }
            }
        }
        checkForStall();
    }

    /** @return tasks waiting for a drainer (for tests) */
    int queued() {
        return queued.get();
    }

    private void drain() {
        do {
            for (Runnable t; (t = queue.poll()) != null;) {
                queued.decrementAndGet();
                try {
                    t.run();
                } catch (RuntimeException | Error e) {
                    LOG.error("Engine task failed", e);
                } finally {
                    finished.incrementAndGet();
                }
            }
        } while (stillNeeded());
    }

    /** Leaves, unless a task came in after the last poll and no other drainer is left to take it. */
    private boolean stillNeeded() {
        drainers.decrementAndGet();
        while (!queue.isEmpty()) {
            int running = drainers.get();
            if (running > 0) {
                return false; // that drainer polls until the queue is empty
            }
            if (drainers.compareAndSet(0, 1)) {
                return true;
            }
        }
        return false;
    }
}
