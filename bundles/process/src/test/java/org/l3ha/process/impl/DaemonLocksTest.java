package org.l3ha.process.impl;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InterruptedIOException;
import java.util.concurrent.locks.ReentrantLock;

import org.junit.jupiter.api.Test;

/** The stripe locks: one lock per daemon, taken interruptibly. */
class DaemonLocksTest {

    static final DaemonRecord.Key KEY = new DaemonRecord.Key("radvd", "11111111-1111-4111-8111-111111111111");

    @Test
    void aDaemonAlwaysGetsTheSameLockHeldByTheCaller() throws Exception {
        DaemonLocks locks = new DaemonLocks();
        ReentrantLock first = locks.lock(KEY);
        try {
            assertTrue(first.isHeldByCurrentThread());
        } finally {
            first.unlock();
        }
        ReentrantLock again = locks.lock(new DaemonRecord.Key("radvd", KEY.uuid()));
        try {
            assertSame(first, again, "an equal key, the same stripe");
        } finally {
            again.unlock();
        }
    }

    @Test
    void anInterruptedWaitFailsAndKeepsTheInterrupt() {
        DaemonLocks locks = new DaemonLocks();
        Thread.currentThread().interrupt();
        try {
            InterruptedIOException e = assertThrows(InterruptedIOException.class, () -> locks.lock(KEY));
            assertTrue(e.getMessage().contains(KEY.toString()), e.getMessage());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept for the caller");
        } finally {
            Thread.interrupted();
        }
    }
}
