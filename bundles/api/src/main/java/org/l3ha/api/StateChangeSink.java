package org.l3ha.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Takes validated state-change notifications from the endpoint (implemented by the engine).
 */
@ProviderType
public interface StateChangeSink {

    /**
     * Records that keepalived reported {@code state} for {@code routerId}. Never blocks on
     * downstream work: the event is recorded and the work scheduled.
     *
     * @param routerId the router id, already validated as a lower-case UUID
     * @param state the reported state, never {@link HaState#UNKNOWN}
     * @return {@code true} if the event was taken; {@code false} if this sink is shutting down
     *         and did not take it, in which case the caller keeps the event and offers it again
     *         to the next sink
     */
    boolean accept(String routerId, HaState state);
}
