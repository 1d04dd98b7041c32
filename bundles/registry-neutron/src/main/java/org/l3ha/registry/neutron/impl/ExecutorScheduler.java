package org.l3ha.registry.neutron.impl;

import org.l3ha.common.Scheduler;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Scheduler}: one daemon thread of its own, so the registry's RPC calls run
 * one at a time and never on a caller's thread. A task that throws is logged and does not stop the
 * thread or later tasks.
 */
final class ExecutorScheduler implements Scheduler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorScheduler.class);

    private final ScheduledThreadPoolExecutor executor;
    private final String threadName;

    /** @param threadName the thread's name, e.g. {@code l3ha-registry-neutron} */
    ExecutorScheduler(String threadName) {
        this.threadName = threadName;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public void execute(Runnable task) {
        executor.execute(guarded(task));
    }

    @Override
    public Runnable schedule(Runnable task, long delayNanos) {
        Future<?> f = executor.schedule(guarded(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
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
     * Stops the thread: queued tasks are dropped; a task still running (an RPC call waiting for its
     * reply) is interrupted after {@code wait}.
     *
     * @return whether the thread ended within {@code wait} plus a moment
     */
    boolean close(Duration wait) {
        executor.shutdown();
        try {
            if (executor.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            executor.shutdownNow();
            if (executor.awaitTermination(1, TimeUnit.SECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        LOG.warn("Thread {} did not stop; it ends when its current call returns", threadName);
        return false;
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | LinkageError e) {
                LOG.error("Task of the neutron router registry failed", e);
            }
        };
    }
}
