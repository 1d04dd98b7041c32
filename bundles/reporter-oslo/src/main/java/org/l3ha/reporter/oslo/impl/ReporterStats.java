package org.l3ha.reporter.oslo.impl;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import org.l3ha.api.HealthResult;
import org.l3ha.oslo.OsloClient;
import org.l3ha.oslo.RpcException;

/**
 * Counters and the health verdict of the oslo reporter. Lives as long as the component, across
 * reconfigurations that replace the client.
 */
final class ReporterStats implements OsloClient.Listener {
    /** A reporter that has delivered nothing for this long while failing is CRITICAL. */
    static final Duration CRITICAL_AFTER = Duration.ofMinutes(10);

    private final Clock clock;
    private final AtomicLong batchesDelivered = new AtomicLong();
    private final AtomicLong statesDelivered = new AtomicLong();
    private final AtomicLong connectionsOpened = new AtomicLong();
    private final AtomicLong connectionsLost = new AtomicLong();
    private final AtomicLong recoveries = new AtomicLong();
    private final Map<RpcException.Kind, AtomicLong> failures = new EnumMap<>(RpcException.Kind.class);
    /* guarded by this */
    private long lastSuccessMillis;
    private long lastFailureMillis;
    private long failingSinceMillis;
    private boolean failing;
    private boolean everConnected;
    private String lastError = "";

    ReporterStats(Clock clock) {
        this.clock = clock;
        for (RpcException.Kind k : RpcException.Kind.values()) {
            failures.put(k, new AtomicLong());
        }
    }

    void delivered(int states) {
        batchesDelivered.incrementAndGet();
        statesDelivered.addAndGet(states);
        synchronized (this) {
            lastSuccessMillis = clock.millis();
            failing = false;
        }
    }

    void failed(RpcException e) {
        failures.get(e.kind()).incrementAndGet();
        synchronized (this) {
            long now = clock.millis();
            if (!failing) {
                failing = true;
                failingSinceMillis = now;
            }
            lastFailureMillis = now;
            lastError = e.getMessage();
        }
    }

    @Override
    public void connected() {
        connectionsOpened.incrementAndGet();
        synchronized (this) {
            everConnected = true;
        }
    }

    @Override
    public void connectionLost() {
        connectionsLost.incrementAndGet();
    }

    @Override
    public void recovered() {
        recoveries.incrementAndGet();
        synchronized (this) {
            everConnected = true;
        }
    }

    /** @return whether the last attempt failed */
    synchronized boolean failing() {
        return failing;
    }

    /** @return the message of the last failure, empty if none */
    synchronized String lastError() {
        return lastError;
    }

    /**
     * @param connected whether the client has an open connection now (1/0 in {@code connected})
     * @return {@code batches_delivered}, {@code states_delivered}, {@code failures_<kind>} for
     *         every {@link RpcException.Kind}, {@code failures}, {@code connections_opened},
     *         {@code connections_lost}, {@code connection_recoveries}, {@code connected},
     *         {@code last_success_time} and {@code last_failure_time} (epoch ms, 0 = never),
     *         {@code failing} (1 while the last attempt failed)
     */
    Map<String, Long> counters(boolean connected) {
        Map<String, Long> out = new TreeMap<>();
        out.put("batches_delivered", batchesDelivered.get());
        out.put("states_delivered", statesDelivered.get());
        long total = 0;
        for (Map.Entry<RpcException.Kind, AtomicLong> e : failures.entrySet()) {
            long n = e.getValue().get();
            total += n;
            out.put("failures_" + e.getKey().counter(), n);
        }
        out.put("failures", total);
        out.put("connections_opened", connectionsOpened.get());
        out.put("connections_lost", connectionsLost.get());
        out.put("connection_recoveries", recoveries.get());
        out.put("connected", connected ? 1L : 0L);
        synchronized (this) {
            out.put("last_success_time", lastSuccessMillis);
            out.put("last_failure_time", lastFailureMillis);
            out.put("failing", failing ? 1L : 0L);
        }
        return out;
    }

    /**
     * @param target where the reporter reports to (for the message), null when inactive
     * @return OK when the last report succeeded (or nothing was reported yet, or the reporter is
     *         inactive); WARN while retrying, with the last error; CRITICAL when it has never
     *         connected, or has delivered nothing for {@link #CRITICAL_AFTER}
     */
    synchronized HealthResult health(String target) {
        if (target == null) {
            return HealthResult.ok("inactive: transport_url is not set");
        }
        if (!failing) {
            return lastSuccessMillis == 0
                    ? HealthResult.ok("nothing reported yet to " + target)
                    : HealthResult.ok("delivering to " + target + ": " + batchesDelivered.get() + " batches, last at "
                            + Instant.ofEpochMilli(lastSuccessMillis));
        }
        if (!everConnected) {
            return HealthResult.critical("never connected to " + target + " (failing since "
                    + Instant.ofEpochMilli(failingSinceMillis) + "): " + lastError);
        }
        long since = lastSuccessMillis == 0 ? failingSinceMillis : lastSuccessMillis;
        if (clock.millis() - since >= CRITICAL_AFTER.toMillis()) {
            return HealthResult.critical("nothing delivered to " + target + " since " + Instant.ofEpochMilli(since)
                    + ": " + lastError);
        }
        return HealthResult.warn("retrying to " + target + " since " + Instant.ofEpochMilli(failingSinceMillis) + ": "
                + lastError);
    }
}
