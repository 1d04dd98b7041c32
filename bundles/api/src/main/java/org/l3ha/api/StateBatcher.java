package org.l3ha.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Rate-limits state reports: collects applied states and hands them, in batches with the newest
 * state per router, to every bound {@link StateReporter} (implemented by the notifier).
 */
@ProviderType
public interface StateBatcher {

    /**
     * Queues the state of one router for the next batch. Never blocks on a reporter.
     * A later state for the same router replaces an earlier one not yet delivered.
     *
     * @param routerId the router id
     * @param state the state to report
     */
    void queue(String routerId, HaState state);

    /**
     * Drops every state of one router not yet delivered, for every reporter, and the state kept to
     * give reporters that bind later, so the router is reported no more (it has left this node).
     * A batch already being delivered is not recalled, but if it fails the router's state in it
     * is not retried. A later {@link #queue} for the router is reported as usual. Never blocks on
     * a reporter.
     *
     * <p>The default does nothing, for a batcher that keeps no state per router.
     *
     * @param routerId the router id
     */
    default void forget(String routerId) {
    }
}
