package org.l3ha.registry.neutron.impl;

import org.l3ha.common.Scheduler;
import java.util.List;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.registry.neutron.impl.ServerCalls.CallFailed;

/**
 * Decides what the registry does next and runs it on the {@link Scheduler}: removals notified
 * (also while calls wait for their retry), then, once the backoff allows a call, a full sync if one
 * is requested, else a fetch of pending routers (at most one chunk), else the periodic drift check
 * if due. Also keeps the periodic timer that makes the drift check due every
 * {@link NeutronSettings#periodicInterval()}, and hands failures to {@link Retries}.
 *
 * <p><b>Threads.</b> {@link #kick} may be called from any thread with the registry's lock held; it
 * never waits. Only one pump runs at a time ({@code pumpScheduled}), so every call to neutron-server
 * runs on the scheduler, one at a time; the lock is held while choosing a step, never while running
 * one.
 */
final class Pump {
    /* the registry's logger: these lines are the registry's */
    private static final Logger LOG = LoggerFactory.getLogger(NeutronRouters.class);

    private enum StepKind { FULL, FETCH, DRIFT, REMOVE }

    private record Step(StepKind kind, List<String> ids) {
    }

    private final RegistryState state;
    private final Retries retries;
    private final SnapshotWriter writer;
    private final FullSync fullSync;
    private final Fetches fetches;
    private final DriftCheck driftCheck;
    /* guarded by state.lock */
    private boolean pumpScheduled;
    private Runnable periodicTimer;

    Pump(RegistryState state, Retries retries, SnapshotWriter writer, FullSync fullSync, Fetches fetches,
            DriftCheck driftCheck) {
        this.state = state;
        this.retries = retries;
        this.writer = writer;
        this.fullSync = fullSync;
        this.fetches = fetches;
        this.driftCheck = driftCheck;
    }

    /** Caller holds lock: runs the pump soon unless it is scheduled or the registry stopped. */
    void kick() {
        if (!pumpScheduled && !state.stopped) {
            pumpScheduled = true;
            state.scheduler.execute(this::pump);
        }
    }

    /** Caller holds lock: arms the periodic timer (at start). */
    void schedulePeriodic() {
        periodicTimer = state.scheduler.schedule(this::periodicDue, state.settings.periodicInterval());
    }

    /** Caller holds lock: cancels the periodic timer and the retry timer (at stop). */
    void cancelTimers() {
        Scheduler.cancel(periodicTimer);
        periodicTimer = null;
        retries.cancelTimer();
    }

    /** Runs steps until there is nothing to do now; only one pump runs at a time (pumpScheduled). */
    private void pump() {
        boolean idle = false;
        try {
            while (true) {
                Step step;
                synchronized (state.lock) {
                    step = nextStep();
                    if (step == null) {
                        pumpScheduled = false;
                        idle = true;
                        return;
                    }
                }
                run(step);
            }
        } finally {
            if (!idle) {
                synchronized (state.lock) {
                    pumpScheduled = false;
                }
            }
        }
    }

    /* caller holds lock */
    private Step nextStep() {
        if (state.stopped) {
            return null;
        }
        List<String> removals = state.pending.takeRemovals();
        if (!removals.isEmpty()) {
            return new Step(StepKind.REMOVE, removals);   // no call: also while calls wait for their retry
        }
        if (!state.backoff.mayCall(state.scheduler.nanoTime())) {
            return null;   // the retry timer kicks the pump
        }
        if (state.fullSyncRequested) {
            state.fullSyncRequested = false;
            state.fullSyncRunning = true;
            return new Step(StepKind.FULL, List.of());
        }
        List<String> fetch = state.pending.fetchBatch(state.chunk);
        if (!fetch.isEmpty()) {
            return new Step(StepKind.FETCH, fetch);
        }
        if (state.driftCheckDue) {
            state.driftCheckDue = false;
            return new Step(StepKind.DRIFT, List.of());
        }
        return null;
    }

    private void run(Step step) {
        try {
            switch (step.kind()) {
                case REMOVE:
                    writer.applyRemovals(step.ids());
                    break;
                case FULL:
                    fullSync.run();
                    break;
                case FETCH:
                    fetches.fetch(step.ids());
                    break;
                case DRIFT:
                    driftCheck.run();
                    break;
                default:
                    throw new IllegalStateException(step.kind().name());
            }
        } catch (CallFailed e) {
            synchronized (state.lock) {
                failed(step.kind(), e);
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.error("Neutron router registry: unexpected failure in {}; retrying", step.kind(), e);
            synchronized (state.lock) {
                failed(step.kind(), new CallFailed(step.kind().name().toLowerCase(Locale.ROOT),
                        new NeutronRpcException(NeutronRpcException.Kind.OTHER, e.toString(), e)));
            }
        } finally {
            if (step.kind() == StepKind.FULL) {
                synchronized (state.lock) {
                    state.fullSyncRunning = false;
                }
            }
        }
    }

    /* caller holds lock */
    private void failed(StepKind kind, CallFailed e) {
        retries.failed(kind == StepKind.FULL || kind == StepKind.DRIFT, e, this::retryDue);
    }

    private void retryDue() {
        synchronized (state.lock) {
            retries.timerFired();
            kick();
        }
    }

    private void periodicDue() {
        synchronized (state.lock) {
            if (state.stopped) {
                return;
            }
            if (!state.fullSyncRequested && !state.fullSyncRunning) {
                state.driftCheckDue = true;
            }
            schedulePeriodic();
            kick();
        }
    }
}
