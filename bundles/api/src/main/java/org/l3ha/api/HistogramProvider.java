package org.l3ha.api;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service: a component's distributions (how long a step took, how large a batch was)
 * for an operator's monitoring, beside the counters of its {@link StatsProvider}. The component
 * keeps them, so they live as long as it does, whatever reads them. Registered with the same
 * {@link StatsProvider#NAME} property as the component's counters.
 */
@ConsumerType
public interface HistogramProvider {

    /**
     * @return a snapshot of every histogram the component keeps, each name and label set once;
     *         cheap, never blocks on I/O
     */
    List<HistogramSnapshot> histograms();
}
