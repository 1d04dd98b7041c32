package org.l3ha.engine.impl;

import org.l3ha.api.HaState;

/**
 * What the engine keeps of one router ({@link Transitions}): its applied, desired and persisted
 * states, where its serial work stands, and a removal to carry out. Every field and accessor is
 * guarded by the slot's monitor.
 *
 * <p>The engine keeps one slot per router, so its size counts: the three states are held as one
 * byte each, the phase and the three flags share a byte, and what only a router held as unknown or
 * one being removed needs lives in a {@link Rare} part that exists only meanwhile. That keeps a
 * slot at 56 bytes (12-byte header, compressed references).
 */
final class Slot {
    /** {@link #phase()}: no task queued or running for the router. */
    static final byte IDLE = 0;
    /** {@link #phase()}: a task is queued or running. */
    static final byte QUEUED = 1;
    /** {@link #phase()}: a primary waits out its debounce on a timer. */
    static final byte WAITING = 2;

    /** {@link #removeAfter()} when no removal is to be carried out: no listener is newer. */
    static final long NO_REMOVAL = Long.MAX_VALUE;
    /** {@link #removeAfter()} of a removal that every listener is to be told of. */
    static final long ALL_LISTENERS = Long.MIN_VALUE;

    private static final HaState[] STATES = HaState.values();
    private static final int PHASE_BITS = 0b11;
    private static final int DROPPED = 0b100;
    private static final int ROUTER_CHANGED = 0b1000;
    private static final int FROM_FILE = 0b10000;

    final String id;
    long desiredSince;
    long lastChangeMillis;
    /** The listener generation this router's applied state was last given to. */
    long listenerGen;
    int timerToken;
    Runnable cancelTimer;
    /** Null while the router is neither held as unknown nor has a removal to carry out. */
    private Rare rare;
    /** The states, each 0 for none or its ordinal + 1. */
    private byte applied;
    private byte desired;
    private byte persisted;
    /** The phase in the low two bits, then {@link #DROPPED}, {@link #ROUTER_CHANGED} and {@link #FROM_FILE}. */
    private byte flags;

    /** The part of a slot that only a router held as unknown, or one with a removal to carry out, needs. */
    private static final class Rare {
        long unknownStamp;
        long removeAfter = NO_REMOVAL;
        boolean removalAnnounced;
        HaState desiredBeforeRemoval;

        boolean isDefault() {
            return unknownStamp == 0 && removeAfter == NO_REMOVAL && !removalAnnounced && desiredBeforeRemoval == null;
        }
    }

    Slot(String id) {
        this.id = id;
    }

    private static byte code(HaState s) {
        return s == null ? 0 : (byte) (s.ordinal() + 1);
    }

    private static HaState state(byte code) {
        return code == 0 ? null : STATES[code - 1];
    }

    HaState applied() {
        return state(applied);
    }

    void applied(HaState s) {
        applied = code(s);
    }

    HaState desired() {
        return state(desired);
    }

    void desired(HaState s) {
        desired = code(s);
    }

    HaState persisted() {
        return state(persisted);
    }

    void persisted(HaState s) {
        persisted = code(s);
    }

    /** @return the desired state when it is not the applied one (a transition still to carry out), else null */
    HaState pending() {
        return desired != 0 && desired != applied ? state(desired) : null;
    }

    /** @return the applied state, else the one read from the router's state file; null if neither */
    HaState appliedOrPersisted() {
        return state(applied != 0 ? applied : persisted);
    }

    /** @return {@link #IDLE}, {@link #QUEUED} or {@link #WAITING} */
    byte phase() {
        return (byte) (flags & PHASE_BITS);
    }

    void phase(byte phase) {
        flags = (byte) (flags & ~PHASE_BITS | phase & PHASE_BITS);
    }

    /** @return whether the slot was dropped from the engine's slots: never applied; a notification takes a fresh slot */
    boolean dropped() {
        return (flags & DROPPED) != 0;
    }

    void drop() {
        flags |= DROPPED;
    }

    /** @return whether the registry's data of the router changed since its state was last given to the listeners */
    boolean routerChanged() {
        return (flags & ROUTER_CHANGED) != 0;
    }

    void routerChanged(boolean changed) {
        flags = (byte) (changed ? flags | ROUTER_CHANGED : flags & ~ROUTER_CHANGED);
    }

    /** @return whether the desired state was read from the router's state file, not notified */
    boolean desiredFromFile() {
        return (flags & FROM_FILE) != 0;
    }

    void desiredFromFile(boolean fromFile) {
        flags = (byte) (fromFile ? flags | FROM_FILE : flags & ~FROM_FILE);
    }

    /** @return the stamp of the last sighting as unknown to the registry ({@link UnknownRouters}); 0 = not held as unknown */
    long unknownStamp() {
        return rare == null ? 0 : rare.unknownStamp;
    }

    void unknownStamp(long stamp) {
        if (stamp != 0 || rare != null) {
            rare().unknownStamp = stamp;
            trim();
        }
    }

    /**
     * @return the removal to carry out: the listeners bound after this generation are told of it
     *         ({@link #ALL_LISTENERS}: every one; {@link #NO_REMOVAL}: none, no removal asked for)
     */
    long removeAfter() {
        return rare == null ? NO_REMOVAL : rare.removeAfter;
    }

    void removeAfter(long generation) {
        if (generation != NO_REMOVAL || rare != null) {
            rare().removeAfter = generation;
            trim();
        }
    }

    /** @return whether that removal was asked for by the registry (else it is one given to listeners bound since) */
    boolean removalAnnounced() {
        return rare != null && rare.removalAnnounced;
    }

    /** @return the desired state when the registry asked for the removal: restored if the router is not removed */
    HaState desiredBeforeRemoval() {
        return rare == null ? null : rare.desiredBeforeRemoval;
    }

    /**
     * Records a removal the registry asked for: every listener is to be told, and a desired state
     * is set aside until the removal is carried out or dropped.
     */
    void announceRemoval() {
        Rare r = rare();
        if (desired != 0) {
            r.desiredBeforeRemoval = desired();
            desired = 0;
        }
        r.removeAfter = ALL_LISTENERS;
        r.removalAnnounced = true;
    }

    /** Forgets the removal (taken to be carried out, or dropped). */
    void clearRemoval() {
        if (rare != null) {
            rare.removeAfter = NO_REMOVAL;
            rare.removalAnnounced = false;
            rare.desiredBeforeRemoval = null;
            trim();
        }
    }

    /** @return whether the rare part is held (for tests: it is released once nothing in it is set) */
    boolean holdsRarePart() {
        return rare != null;
    }

    private Rare rare() {
        if (rare == null) {
            rare = new Rare();
        }
        return rare;
    }

    private void trim() {
        if (rare != null && rare.isDefault()) {
            rare = null;
        }
    }
}
