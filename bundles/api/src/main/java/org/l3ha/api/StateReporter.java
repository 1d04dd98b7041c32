package org.l3ha.api;

import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Delivers batches of router states somewhere (a journal file, neutron-server). Registered as a
 * whiteboard service; the batcher calls every bound reporter.
 */
@ConsumerType
public interface StateReporter {

    /**
     * Optional service property: a short name for this reporter in logs and counters
     * ({@code journal}, {@code oslo}). Defaults to the component name.
     */
    String NAME = "l3ha.reporter";

    /**
     * Delivers one batch. Called from one thread at a time per reporter.
     *
     * @param states router id to server-side state name ({@code active}, {@code standby},
     *        {@code unknown}); unmodifiable, in the order the states were queued
     * @throws Exception if the batch could not be delivered: the batcher keeps the newest state
     *         per router and offers it again later
     */
    void report(Map<String, String> states) throws Exception;
}
