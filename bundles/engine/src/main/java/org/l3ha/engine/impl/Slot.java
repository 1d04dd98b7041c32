package org.l3ha.engine.impl;

import org.l3ha.api.HaState;

/**
 * What the engine keeps of one router ({@link Transitions}): its applied, desired and persisted
 * states, where its serial work stands, and a removal to carry out. Every field is guarded by the
 * slot's monitor.
 */
final class Slot {
    /** {@link #phase}: no task queued or running for the router. */
    static final byte IDLE = 0;
    /** {@link #phase}: a task is queued or running. */
    static final byte QUEUED = 1;
    /** {@link #phase}: a primary waits out its debounce on a timer. */
    static final byte WAITING = 2;

    /** {@link #removeAfter} when no removal is to be carried out: no listener is newer. */
    static final long NO_REMOVAL = Long.MAX_VALUE;
    /** {@link #removeAfter} of a removal that every listener is to be told of. */
    static final long ALL_LISTENERS = Long.MIN_VALUE;

    final String id;
    HaState applied;
    HaState desired;
    HaState persisted;
    long desiredSince;
    long lastChangeMillis;
    byte phase;
    /** The stamp of the last sighting as unknown to the registry ({@link UnknownRouters}); 0 = not held as unknown. */
    long unknownStamp;
    /** Dropped from the engine's slots as an unknown router: never applied; a notification takes a fresh slot. */
    boolean dropped;
    int timerToken;
    /** The listener generation this router's applied state was last given to. */
    long listenerGen;
    Runnable cancelTimer;
    /** The registry's data of the router changed since its state was last given to the listeners. */
    boolean routerChanged;
    /**
     * A removal to carry out: the listeners bound after this generation are told of it
     * ({@link #ALL_LISTENERS}: every one; {@link #NO_REMOVAL}: none, no removal asked for).
     */
    long removeAfter = NO_REMOVAL;
    /** Whether that removal was asked for by the registry (else it is one given to listeners bound since). */
    boolean removalAnnounced;
    /** The desired state when the registry asked for the removal: restored if the router is not removed. */
    HaState desiredBeforeRemoval;

    Slot(String id) {
        this.id = id;
    }
}
