package org.l3ha.oslo;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the named daemon threads of one reporter client (the RabbitMQ client's connection reader,
 * heartbeat and recovery threads) and remembers the live ones, so that closing the client can
 * interrupt and join whatever is still running, e.g. a recovery attempt sleeping between retries.
 */
public final class TrackingThreadFactory implements ThreadFactory {
    private final String prefix;
    private final AtomicInteger count = new AtomicInteger();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    /** @param prefix thread name prefix, e.g. {@code l3ha-reporter-oslo-amqp-} */
    public TrackingThreadFactory(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable task) {
        String name = prefix + count.incrementAndGet();
        Thread t = new Thread(() -> {
            Thread self = Thread.currentThread();
            // the RabbitMQ client renames its threads after making them ("AMQP Connection host:port"):
            // keep our prefix in front of its name
            if (!self.getName().startsWith(name)) {
                self.setName(name + " " + self.getName());
            }
            try {
                task.run();
            } finally {
                threads.remove(self);
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        return t;
    }

    /** @return threads made by this factory that are running */
    public int alive() {
        return (int) threads.stream().filter(Thread::isAlive).count();
    }

    /**
     * Interrupts every running thread of this factory and waits for them until the deadline.
     *
     * @return whether all have ended
     */
    public boolean stop(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Thread t : threads) {
            if (t.isAlive()) {
                t.interrupt();
            }
        }
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0 && t.isAlive()) {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        threads.removeIf(t -> !t.isAlive());
        return threads.isEmpty();
    }
}
