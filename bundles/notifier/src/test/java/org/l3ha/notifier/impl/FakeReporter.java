package org.l3ha.notifier.impl;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.l3ha.api.StateReporter;

/** A reporter that records what it is given, and can fail or block on request. */
final class FakeReporter implements StateReporter {
    /** Batches delivered (a failed or blocked call records nothing). */
    final List<Map<String, String>> batches = new CopyOnWriteArrayList<>();
    final AtomicInteger calls = new AtomicInteger();
    /** Counted down each time report is entered. */
    volatile CountDownLatch entered = new CountDownLatch(1);
    /** When set, the next call blocks (interruptibly) until it opens. */
    volatile CountDownLatch gate;
    /** When true, a blocked call ignores interruption and keeps waiting for the gate. */
    volatile boolean ignoreInterrupts;
    volatile boolean failing;

    @Override
    public void report(Map<String, String> states) throws Exception {
        calls.incrementAndGet();
        entered.countDown();
        CountDownLatch g = gate;
        if (g != null) {
            gate = null;
            if (ignoreInterrupts) {
                while (true) {
                    try {
                        g.await();
                        break;
                    } catch (InterruptedException e) {
                        // deliberately ignored: a badly behaved reporter
                    }
                }
            } else {
                g.await();
            }
        }
        if (failing) {
            throw new IOException("reporter down");
        }
        batches.add(new LinkedHashMap<>(states));
    }

    /** Blocks the next call until the returned latch opens. */
    CountDownLatch blockNext() {
        CountDownLatch g = new CountDownLatch(1);
        entered = new CountDownLatch(1);
        gate = g;
        return g;
    }

    /** @return the newest state per router over all delivered batches */
    Map<String, String> picture() {
        Map<String, String> all = new LinkedHashMap<>();
        batches.forEach(all::putAll);
        return all;
    }

    /** @return router ids in delivery order over all batches */
    List<String> deliveredIds() {
        List<String> ids = new ArrayList<>();
        batches.forEach(b -> ids.addAll(b.keySet()));
        return ids;
    }
}
