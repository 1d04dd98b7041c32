package org.l3ha.notifier.impl;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.l3ha.api.HaState;
import org.l3ha.api.StateReporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bound reporter with its own pending states and its own long-lived sender thread
 * {@code l3ha-notifier-<name>}, so a slow or failing reporter never delays another.
 *
 * <p>The thread is a single loop that waits on a {@link Condition} with the deadline
 * {@link ChannelQueue} computes and re-checks after every send, so an event queued during a send
 * always goes out with the next batch (Neutron's stranded-event race cannot happen). The lock is
 * never held while the reporter runs: {@link #offer} never waits for a reporter.
 */
final class ReporterChannel {
    private static final Logger LOG = LoggerFactory.getLogger(ReporterChannel.class);

    /** Counters shared by all channels of one notifier, kept when a channel goes. */
    static final class Totals {
        final AtomicLong batchesSent = new AtomicLong();
        final AtomicLong statesReported = new AtomicLong();
        final AtomicLong reportFailures = new AtomicLong();
        final AtomicLong badEntries = new AtomicLong();
    }

    private final String name;
    private final StateReporter reporter;
    private final Totals totals;
    private final ReporterHistograms histograms;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /* guarded by lock */
    private final ChannelQueue queue;
    private boolean flushAndStop;
    private boolean stopNow;
    private boolean started;
    /* touched by the sender thread only */
    private boolean failing;
    private volatile long lastSuccessMillis;
    private volatile String lastError;

    private final AtomicLong batchesSent = new AtomicLong();
    private final AtomicLong statesReported = new AtomicLong();
    private final AtomicLong reportFailures = new AtomicLong();
    private final Thread thread;

    /**
     * @param name the reporter's name in logs, counters and the thread name
     * @param reporter the reporter
     * @param queue its pending states (seeded by the caller), owned by this channel from now on
     * @param totals notifier-wide counters
     * @param histograms where this reporter's delays and batch sizes are recorded
     */
    ReporterChannel(String name, StateReporter reporter, ChannelQueue queue, Totals totals,
            ReporterHistograms histograms) {
        this.name = name;
        this.reporter = reporter;
        this.queue = queue;
        this.totals = totals;
        this.histograms = histograms;
        this.thread = new Thread(this::run, "l3ha-notifier-" + name);
        this.thread.setDaemon(true);
    }

    String name() {
        return name;
    }

    void start() {
        lock.lock();
        try {
            if (!started) {
                started = true;
                thread.start();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records the newest state of a router for this reporter; never waits for the reporter. Wakes
     * the sender only when the queue was empty: with states already pending, the sender's wait
     * ends when their batch is due, which a further state does not change (in a storm, a wake-up
     * per state would cost the sender a context switch per transition).
     */
    void offer(String routerId, HaState state) {
        lock.lock();
        try {
            boolean wasEmpty = queue.pendingCount() == 0;
            queue.offer(routerId, state);
            if (wasEmpty) {
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Drops the router's state not yet delivered ({@link ChannelQueue#forget}); never waits for
     * the reporter.
     */
    void forget(String routerId) {
        lock.lock();
        try {
            queue.forget(routerId);
        } finally {
            lock.unlock();
        }
    }

    /** A new interval, used from the next batch on. */
    void setIntervalNanos(long intervalNanos) {
        lock.lock();
        try {
            queue.setIntervalNanos(intervalNanos);
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** @return states not yet delivered, including a batch in flight */
    int pending() {
        lock.lock();
        try {
            return queue.pendingCount() + queue.inFlightCount();
        } finally {
            lock.unlock();
        }
    }

    /** @return when a batch was last delivered, epoch millis, 0 if never */
    long lastSuccessMillis() {
        return lastSuccessMillis;
    }

    /** @return the last delivery failure if the latest attempt failed, else null */
    String lastError() {
        return lastError;
    }

    long batchesSent() {
        return batchesSent.get();
    }

    long statesReported() {
        return statesReported.get();
    }

    long reportFailures() {
        return reportFailures.get();
    }

    /** Asks the thread to make one last attempt with what it holds, ignoring the interval, then end. */
    void requestFlushAndStop() {
        lock.lock();
        try {
            flushAndStop = true;
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Asks the thread to end after an in-flight report returns, sending nothing more. */
    void requestStop() {
        lock.lock();
        try {
            stopNow = true;
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Ends the thread now: no more attempts, and a report in progress is interrupted. */
    void forceStop() {
        requestStop();
        thread.interrupt();
    }

    /**
     * Waits for the thread to end.
     *
     * @return whether it has ended (or never started)
     */
    boolean join(long nanos) {
        if (!thread.isAlive()) {
            return true;
        }
        try {
            long millis = TimeUnit.NANOSECONDS.toMillis(nanos);
            if (millis > 0) {
                thread.join(millis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    private void run() {
        lock.lock();
        try {
            while (!stopNow) {
                if (flushAndStop) {
                    Map<String, HaState> last = queue.pollNow();
                    if (last != null) {
                        deliver(last);
                    }
                    break;
                }
                long wait = queue.nanosUntilDue();
                if (wait == 0) {
                    deliver(queue.poll());
                } else if (wait == ChannelQueue.NOTHING_DUE) {
                    changed.await();
                } else {
                    changed.awaitNanos(wait);
                }
            }
        } catch (InterruptedException e) {
            // forceStop(): end now; what is pending stays counted as undelivered
        } catch (RuntimeException e) {
            LOG.error("Sender of reporter {} failed and stops; {} states are not delivered", name,
                    queue.pendingCount() + queue.inFlightCount(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Called with the lock held and {@code batch} in flight; releases the lock while reporting. */
    private void deliver(Map<String, HaState> batch) throws InterruptedException {
        Map<String, String> states = serverNames(batch);
        Throwable failure = null;
        lock.unlock();
        try {
            if (!states.isEmpty()) {
                LOG.debug("Reporter {}: delivering {} states", name, states.size());
                reporter.report(states);
            }
        } catch (Throwable t) { // NOSONAR: a reporter's failure must never end the sender
            failure = t;
        } finally {
            lock.lock();
        }
        if (failure == null) {
            queue.succeeded(histograms);
            lastSuccessMillis = System.currentTimeMillis();
            lastError = null;
            if (!states.isEmpty()) {
                histograms.batch(states.size());
                batchesSent.incrementAndGet();
                statesReported.addAndGet(states.size());
                totals.batchesSent.incrementAndGet();
                totals.statesReported.addAndGet(states.size());
            }
            if (failing) {
                failing = false;
                LOG.info("Reporter {} delivers again ({} states)", name, states.size());
            }
            return;
        }
        queue.failed();
        lastError = failure.toString();
        reportFailures.incrementAndGet();
        totals.reportFailures.incrementAndGet();
        if (stopNow) {
            LOG.debug("Reporter {} interrupted while stopping: {}", name, failure.toString());
        } else if (!failing) {
            failing = true;
            LOG.warn("Reporter {} failed to deliver {} states; keeping them, next attempt in {} ms: {}",
                    name, states.size(), TimeUnit.NANOSECONDS.toMillis(queue.backoffNanos()), failure.toString());
        } else {
            LOG.debug("Reporter {} failed again ({} consecutive failures)", name, queue.failures(), failure);
        }
        if (failure instanceof VirtualMachineError) {
            throw (VirtualMachineError) failure;
        }
        if (failure instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("interrupted while reporting");
        }
    }

    /**
     * Builds the map handed to the reporter entry by entry, so one bad entry never costs the
     * others (docs/behaviour.md §2: Neutron loses the whole batch on one unmapped state).
     */
    private Map<String, String> serverNames(Map<String, HaState> batch) {
        Map<String, String> states = new LinkedHashMap<>(Math.max(16, batch.size() * 4 / 3 + 1));
        for (Map.Entry<String, HaState> e : batch.entrySet()) {
            try {
                states.put(e.getKey(), e.getValue().serverName());
            } catch (RuntimeException bad) {
                totals.badEntries.incrementAndGet();
                LOG.warn("Reporter {}: dropping unusable entry {}={}: {}", name, e.getKey(), e.getValue(), bad.toString());
            }
        }
        return Collections.unmodifiableMap(states);
    }
}
