package org.l3ha.process.impl;

import java.io.InterruptedIOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The locks that serialise operations on one daemon ({@code enable}, {@code disable}, a respawn):
 * striped on (service, uuid), never held across daemons, so a slow start does not hold up others.
 *
 * <p>Lock order: a stripe lock first; the registry's lock ({@link DaemonRegistry}) may be taken
 * while a stripe lock is held, never the other way round. A respawn ({@link ChildProcessMonitor})
 * re-checks, under the daemon's stripe lock, that the registration it saw in its snapshot is still
 * the registered one, so a daemon disabled (unregistered, then stopped) while the monitor runs is
 * never brought back.
 */
final class DaemonLocks {

    private static final int STRIPES = 256;

    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    DaemonLocks() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /**
     * Takes the stripe lock of {@code key}; the caller unlocks it.
     *
     * @return the lock, held
     * @throws InterruptedIOException if interrupted while waiting (the interrupt is kept)
     */
    ReentrantLock lock(DaemonRecord.Key key) throws InterruptedIOException {
        ReentrantLock lock = stripes[Math.floorMod(key.hashCode(), STRIPES)];
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to act on " + key);
        }
        return lock;
    }
}
