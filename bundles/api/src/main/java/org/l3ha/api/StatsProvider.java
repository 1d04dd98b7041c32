package org.l3ha.api;

import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service: a component's counters for the operator ({@code l3ha:stats}). Every l3ha
 * component that counts something registers one.
 */
@ConsumerType
public interface StatsProvider {

    /** Service property (string): the section the counters are shown under, e.g. {@code endpoint}. */
    String NAME = "l3ha.stats.name";

    /**
     * @return a snapshot of the counters, name to value; cheap, never blocks on I/O
     */
    Map<String, Long> counters();
}
