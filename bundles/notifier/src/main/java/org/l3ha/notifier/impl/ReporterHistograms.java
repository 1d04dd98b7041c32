package org.l3ha.notifier.impl;

import java.util.List;
import java.util.Map;

import org.l3ha.api.HistogramSnapshot;
import org.l3ha.common.Histogram;

/**
 * The histograms of one reporter name, kept by the notifier across the reporter's channels (a
 * reporter swapped for a new one under the same name carries on with them): how long a state
 * waited from the engine's report to its delivery, how many states a delivered batch held, and how
 * long a router's report waited while deliveries failed (the broker or the journal was down).
 */
final class ReporterHistograms implements ChannelQueue.Waits {
    private final Histogram delay;
    private final Histogram batchSize;
    private final Histogram outageWait;

    ReporterHistograms(String reporter) {
        Map<String, String> labels = Map.of("reporter", reporter);
        delay = new Histogram("report_delay_seconds",
                "Time from a transition queued for reporting to the end of the batch that delivered it", labels,
                Histogram.SECONDS, Histogram.NANOS_AS_SECONDS);
        batchSize = new Histogram("report_batch_size", "Router states in a delivered batch", labels, Histogram.SIZES, 1);
        outageWait = new Histogram("report_outage_wait_seconds",
                "For a router whose report a failed delivery held back (the broker or the journal down): time from"
                + " its oldest undelivered state queued to its delivery", labels,
                Histogram.SECONDS, Histogram.NANOS_AS_SECONDS);
    }

    @Override
    public void delivered(long sinceQueued, long sinceFirstHeld) {
        delay.record(sinceQueued);
        if (sinceFirstHeld >= 0) {
            outageWait.record(sinceFirstHeld);
        }
    }

    /** A batch of {@code states} states was delivered. */
    void batch(int states) {
        batchSize.record(states);
    }

    List<HistogramSnapshot> snapshots() {
        return List.of(delay.snapshot(), batchSize.snapshot(), outageWait.snapshot());
    }
}
