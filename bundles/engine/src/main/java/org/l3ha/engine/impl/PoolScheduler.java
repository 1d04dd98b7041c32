package org.l3ha.engine.impl;

import org.l3ha.common.Scheduler;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Scheduler}: a bounded pool of worker threads ({@code l3ha-engine-worker-*},
 * at least 4, twice the processors) that end when idle for 10 s, fed through a
 * {@link DrainingExecutor} (a worker runs queued tasks until none is left, so a storm does not
 * wake a thread per task), and one timer thread ({@code l3ha-engine-timer-*}) that hands due tasks
 * to the workers. All are daemon threads.
 */
final class PoolScheduler implements Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(PoolScheduler.class);

    private final ThreadPoolExecutor workers;
    private final DrainingExecutor tasks;
    private final ScheduledThreadPoolExecutor timer;

    PoolScheduler() {
        int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        // idle workers end after 10 s: an idle engine holds no worker thread
        this.workers = new ThreadPoolExecutor(threads, threads, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                named("l3ha-engine-worker"));
        this.workers.allowCoreThreadTimeOut(true);
        this.timer = new ScheduledThreadPoolExecutor(1, named("l3ha-engine-timer"));
        this.timer.setRemoveOnCancelPolicy(true);
        this.tasks = new DrainingExecutor(workers, timer, threads);
    }

    @Override
    public void execute(Runnable task) {
        tasks.execute(task);
    }

    @Override
    public Runnable schedule(Runnable task, long delayNanos) {
        ScheduledFuture<?> f = timer.schedule(() -> {
            try {
                tasks.execute(task);
            } catch (RuntimeException e) {
                LOG.debug("Timer task dropped: {}", e.toString());
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    /**
     * Drops the timer's tasks; the workers finish the tasks they were given, and those still
     * running after 10 s are interrupted and given 2 s more.
     */
    void shutdown() {
        timer.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Transitions still running after 10 s; interrupting them");
                workers.shutdownNow();
                workers.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
