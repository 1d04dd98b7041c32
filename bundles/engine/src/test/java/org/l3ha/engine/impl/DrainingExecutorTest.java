package org.l3ha.engine.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.l3ha.common.testing.LogCapture;

/** The engine's task queue: every task runs once, none is stranded, slow tasks do not hold up others. */
class DrainingExecutorTest {
    static final int DRAINERS = 4;
    /** Generous: the machine running the tests is busy. */
    static final long WAIT_S = 60;

    final ExecutorService pool = Executors.newFixedThreadPool(DRAINERS);
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final DrainingExecutor tasks = new DrainingExecutor(pool, timer, DRAINERS);

    @AfterEach
    void stop() {
        pool.shutdownNow();
        timer.shutdownNow();
    }

    @Test
    void everyTaskFromManySubmittersRunsExactlyOnce() throws Exception {
        int submitters = 8;
        int each = 20_000;
        AtomicIntegerArray runs = new AtomicIntegerArray(submitters * each);
        CountDownLatch done = new CountDownLatch(submitters * each);
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < submitters; s++) {
            int base = s * each;
            threads.add(new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    int k = base + i;
                    tasks.execute(() -> {
                        runs.incrementAndGet(k);
                        done.countDown();
                    });
                    if (i % 1000 == 0) {
                        Thread.yield(); // let the drainers run dry now and then: the race at their exit
                    }
                }
            }, "submitter-" + s));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(done.await(WAIT_S, TimeUnit.SECONDS), done.getCount() + " tasks never ran, " + tasks.queued() + " queued");
        for (int k = 0; k < runs.length(); k++) {
            assertEquals(1, runs.get(k), "task " + k);
        }
        assertEquals(0, tasks.queued());
    }

    @Test
    void aTaskDoesNotWaitBehindAnotherThatBlocks() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocking = new CountDownLatch(1);
        tasks.execute(() -> {
            blocking.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocking.await(WAIT_S, TimeUnit.SECONDS));
        CountDownLatch second = new CountDownLatch(1);
        tasks.execute(second::countDown); // one task waits, one drainer runs: only the stall check helps
        try {
            assertTrue(second.await(WAIT_S, TimeUnit.SECONDS), "the second task ran while the first still blocks");
        } finally {
            release.countDown();
        }
    }

    @Test
    void slowTasksRunInParallelUpToTheDrainerCount() throws Exception {
        CyclicBarrier together = new CyclicBarrier(DRAINERS);
        CountDownLatch done = new CountDownLatch(DRAINERS);
        for (int i = 0; i < DRAINERS; i++) {
            tasks.execute(() -> {
                try {
                    together.await(WAIT_S, TimeUnit.SECONDS);
                    done.countDown();
                } catch (Exception e) {
                    // the barrier broke: done stays short and the assertion says so
                }
            });
        }
        assertTrue(done.await(2 * WAIT_S, TimeUnit.SECONDS), DRAINERS + " tasks that wait for each other all ran at once");
    }

    @Test
    void aFailingTaskIsLoggedAndTheNextOnesStillRun() throws Exception {
        CountDownLatch after = new CountDownLatch(1);
        try (LogCapture log = new LogCapture()) {
            tasks.execute(() -> {
                throw new IllegalStateException("boom");
            });
            tasks.execute(after::countDown);
            assertTrue(after.await(WAIT_S, TimeUnit.SECONDS));
            // the next task may run on a second drainer before the first one has logged
            await().atMost(Duration.ofSeconds(WAIT_S)).until(() -> log.has("ERROR", "Engine task failed"));
        }
    }

    @Test
    void aShutDownPoolRefusesAndTheTaskIsNotKept() {
        pool.shutdown();
        AtomicInteger ran = new AtomicInteger();
        assertThrows(RejectedExecutionException.class, () -> tasks.execute(ran::incrementAndGet));
        assertEquals(0, tasks.queued());
        assertFalse(ran.get() > 0);
    }

    @Test
    void aDrainerCountBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DrainingExecutor(pool, timer, 0));
    }
}
