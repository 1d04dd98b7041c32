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
}
