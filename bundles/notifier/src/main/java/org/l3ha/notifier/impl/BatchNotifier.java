package org.l3ha.notifier.impl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.l3ha.api.HaState;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HistogramProvider;
import org.l3ha.api.HistogramSnapshot;
import org.l3ha.api.HealthResult;
import org.l3ha.api.StateBatcher;
import org.l3ha.api.StateReporter;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.AgentConfig;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigGate;
import org.l3ha.common.ConfigException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link StateBatcher}: hands the newest state of every router, in rate-limited batches, to
 * every bound {@link StateReporter}.
 *
 * <p>It remembers the newest queued state of every router ({@code lastKnown}, bounded by the
 * number of routers) and keeps one {@link ReporterChannel} per bound reporter, each with its own
 * sender thread, pending states and timing. A reporter that binds (late, or replacing another in a
 * hot swap) gets a channel seeded with {@code lastKnown}, so it receives the full current picture;
 * an unbound reporter's channel is stopped and discarded, which loses nothing because its successor
 * is seeded the same way.
 */
@Component(name = "org.l3ha.notifier", configurationPid = AgentSettings.PID,
        service = {StateBatcher.class, StatsProvider.class, HistogramProvider.class, HealthCheck.class},
        property = {StatsProvider.NAME + "=notifier", HealthCheck.NAME + "=notifier"}, immediate = true)
public final class BatchNotifier implements StateBatcher, StatsProvider, HistogramProvider, HealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(BatchNotifier.class);
    private static final String COMPONENT_NAME = "component.name";
    private static final String SERVICE_ID = "service.id";

    /** Time deactivate gives all reporters together for their last delivery, and unbind for one in-flight report. */
    static final Duration STOP_DEADLINE = Duration.ofSeconds(5);
    /** Time to wait for a sender thread after it was interrupted. */
    private static final long JOIN_AFTER_INTERRUPT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Duration stopDeadline;
    private final Object lock = new Object();
    /* guarded by lock */
    private final LinkedHashMap<String, HaState> lastKnown = new LinkedHashMap<>();
    private final Map<StateReporter, ReporterChannel> channels = new IdentityHashMap<>();
    private long intervalNanos;
    private boolean closed;

    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final AtomicLong forgotten = new AtomicLong();
    private final AtomicBoolean ignoredWarned = new AtomicBoolean();
    private final ReporterChannel.Totals totals = new ReporterChannel.Totals();
    /** By reporter name, kept when a channel goes: a reporter swapped under the same name carries on. */
    private final Map<String, ReporterHistograms> histograms = new ConcurrentHashMap<>();

    /**
     * @param config the options of PID {@code org.l3ha.agent}
     * @throws ConfigException if they are invalid (logged at ERROR); DS retries when they change
     */
    @Activate
    public BatchNotifier(AgentConfig config) {
        this(config, STOP_DEADLINE);
    }

    BatchNotifier(AgentConfig config, Duration stopDeadline) {
        this.stopDeadline = stopDeadline;
        AgentSettings settings = ConfigGate.atStart(LOG, "Batch notifier", () -> AgentSettings.of(config));
        intervalNanos = settings.batchInterval().toNanos();
        LOG.info("Batch notifier active, batch_interval {} ms", TimeUnit.NANOSECONDS.toMillis(intervalNanos));
    }

    /** A new {@code batch_interval} applies from the next batch; an invalid configuration is rejected. */
    @Modified
    void modified(AgentConfig config) {
        Optional<AgentSettings> settings = ConfigGate.onModify(LOG, () -> AgentSettings.of(config),
                () -> "batch_interval " + TimeUnit.NANOSECONDS.toMillis(intervalNanos()) + " ms");
        if (settings.isEmpty()) {
            return;
        }
        long nanos = settings.get().batchInterval().toNanos();
        synchronized (lock) {
            if (nanos == intervalNanos) {
                return;
            }
            intervalNanos = nanos;
            channels.values().forEach(c -> c.setIntervalNanos(nanos));
        }
        LOG.info("Batch notifier: batch_interval now {} ms", TimeUnit.NANOSECONDS.toMillis(nanos));
    }

    /** @return the batch interval in force, nanoseconds */
    long intervalNanos() {
        synchronized (lock) {
            return intervalNanos;
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindReporter(StateReporter reporter, Map<String, Object> props) {
        ReporterChannel channel;
        int seeded;
        synchronized (lock) {
            if (closed || channels.containsKey(reporter)) {
                return;
            }
            String name = uniqueName(reporterName(reporter, props), props);
            ChannelQueue queue = new ChannelQueue(System::nanoTime, intervalNanos);
            queue.offerAll(lastKnown);
            seeded = lastKnown.size();
            channel = new ReporterChannel(name, reporter, queue, totals,
                    histograms.computeIfAbsent(name, ReporterHistograms::new));
            channels.put(reporter, channel);
            channel.start();
        }
        LOG.info("Reporter {} bound; it receives the current state of {} routers", channel.name(), seeded);
    }

    void unbindReporter(StateReporter reporter, Map<String, Object> props) {
        ReporterChannel channel;
        synchronized (lock) {
            channel = channels.remove(reporter);
        }
        if (channel == null) {
            return;
        }
        // What it still holds is not lost: the next reporter's channel is seeded from lastKnown.
        channel.requestStop();
        int left = stop(List.of(channel), System.nanoTime() + stopDeadline.toNanos());
        LOG.info("Reporter {} unbound ({} states it had not delivered are dropped with it)", channel.name(), left);
    }

    @Deactivate
    void deactivate() {
        List<ReporterChannel> toStop;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            toStop = new ArrayList<>(channels.values());
            channels.clear();
        }
        try {
            long deadline = System.nanoTime() + stopDeadline.toNanos();
            toStop.forEach(ReporterChannel::requestFlushAndStop);
            int undelivered = stop(toStop, deadline);
            if (undelivered > 0) {
                // Not lost: the engine resyncs every router's state to a batcher when one binds again.
                LOG.warn("Batch notifier stopped; {} router states could not be delivered before the deadline"
                        + " (they are reported again at the next resync)", undelivered);
            } else {
                LOG.info("Batch notifier stopped");
            }
        } catch (RuntimeException e) {
            LOG.error("Batch notifier: error while stopping", e);
        }
    }

    /**
     * Waits for the channels' threads until {@code deadline}, then interrupts what is left and waits
     * a little more.
     *
     * @return states the channels still hold
     */
    private static int stop(List<ReporterChannel> toStop, long deadline) {
        for (ReporterChannel c : toStop) {
            c.join(deadline - System.nanoTime());
        }
        List<ReporterChannel> late = new ArrayList<>();
        for (ReporterChannel c : toStop) {
            if (c.isAlive()) {
                LOG.warn("Reporter {} did not finish within the deadline; interrupting it", c.name());
                c.forceStop();
                late.add(c);
            }
        }
        long graceEnd = System.nanoTime() + JOIN_AFTER_INTERRUPT_NANOS;
        for (ReporterChannel c : late) {
            if (!c.join(graceEnd - System.nanoTime())) {
                LOG.warn("Reporter {} ignores interruption; its thread {} is left to end by itself",
                        c.name(), "l3ha-notifier-" + c.name());
            }
        }
        int undelivered = 0;
        for (ReporterChannel c : toStop) {
            undelivered += c.pending();
        }
        return undelivered;
    }

    @Override
    public void queue(String routerId, HaState state) {
        if (routerId == null || routerId.isEmpty() || state == null) {
            ignored.incrementAndGet();
            if (ignoredWarned.compareAndSet(false, true)) {
                LOG.warn("Ignoring a state without router id or state (router id '{}', state {});"
                        + " further ones are only counted", routerId, state);
            }
            return;
        }
        synchronized (lock) {
            lastKnown.remove(routerId);
            lastKnown.put(routerId, state);
            for (ReporterChannel c : channels.values()) {
                c.offer(routerId, state);
            }
        }
        queued.incrementAndGet();
    }

    /**
     * Drops the router from the states kept for reporters that bind later and from every
     * reporter's pending states; a batch already in delivery is not recalled, but the router's
     * state in it is not retried if it fails ({@link ChannelQueue#forget}).
     */
    @Override
    public void forget(String routerId) {
        if (routerId == null) {
            return;
        }
        synchronized (lock) {
            lastKnown.remove(routerId);
            for (ReporterChannel c : channels.values()) {
                c.forget(routerId);
            }
        }
        forgotten.incrementAndGet();
        LOG.debug("Router {}: forgotten, no state of it is reported any more", routerId);
    }

    /**
     * @return {@code queued}, {@code ignored}, {@code forgotten}, {@code routers}, {@code reporters},
     *         {@code batches_sent}, {@code states_reported}, {@code report_failures},
     *         {@code bad_entries}, and per bound reporter {@code reporter.<name>.pending},
     *         {@code .batches_sent}, {@code .states_reported}, {@code .report_failures}
     */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> out = new TreeMap<>();
        out.put("queued", queued.get());
        out.put("ignored", ignored.get());
        out.put("forgotten", forgotten.get());
        out.put("batches_sent", totals.batchesSent.get());
        out.put("states_reported", totals.statesReported.get());
        out.put("report_failures", totals.reportFailures.get());
        out.put("bad_entries", totals.badEntries.get());
        List<ReporterChannel> bound;
        synchronized (lock) {
            out.put("routers", (long) lastKnown.size());
            bound = new ArrayList<>(channels.values());
        }
        out.put("reporters", (long) bound.size());
        for (ReporterChannel c : bound) {
            String p = "reporter." + c.name() + ".";
            out.put(p + "pending", (long) c.pending());
            out.put(p + "batches_sent", c.batchesSent());
            out.put(p + "states_reported", c.statesReported());
            out.put(p + "report_failures", c.reportFailures());
        }
        return out;
    }

    /**
     * @return per reporter name that was ever bound: {@code report_delay_seconds} (queued →
     *         delivered), {@code report_batch_size} and {@code report_outage_wait_seconds} (for
     *         routers a failed delivery held back)
     */
    @Override
    public List<HistogramSnapshot> histograms() {
        List<HistogramSnapshot> out = new ArrayList<>();
        new TreeMap<>(histograms).values().forEach(h -> out.addAll(h.snapshots()));
        return out;
    }

    /**
     * WARN while no reporter is bound (states are kept) or a reporter fails (it is retried);
     * OK with when each reporter last delivered.
     */
    @Override
    public HealthResult check() {
        List<ReporterChannel> bound;
        synchronized (lock) {
            bound = new ArrayList<>(channels.values());
        }
        if (bound.isEmpty()) {
            return HealthResult.warn("no reporter bound: router states are kept until one binds");
        }
        StringBuilder failing = new StringBuilder();
        StringBuilder ok = new StringBuilder();
        for (ReporterChannel c : bound) {
            String error = c.lastError();
            if (error != null) {
                failing.append(failing.length() == 0 ? "" : "; ").append(c.name()).append(" failing (")
                        .append(c.pending()).append(" states kept): ").append(error);
            } else {
                long t = c.lastSuccessMillis();
                ok.append(ok.length() == 0 ? "" : ", ").append(c.name()).append(" last delivered ")
                        .append(t == 0 ? "never (nothing to send yet)" : java.time.Instant.ofEpochMilli(t).toString());
            }
        }
        return failing.length() > 0 ? HealthResult.warn(failing.toString()) : HealthResult.ok(ok.toString());
    }

    private static String reporterName(StateReporter reporter, Map<String, Object> props) {
        Object name = props == null ? null : props.get(StateReporter.NAME);
        if (name == null || String.valueOf(name).isBlank()) {
            name = props == null ? null : props.get(COMPONENT_NAME);
        }
        if (name == null || String.valueOf(name).isBlank()) {
            name = reporter.getClass().getName();
        }
        return String.valueOf(name).trim();
    }

    /** Two bound reporters with the same name are told apart by service id. Called under lock. */
    private String uniqueName(String name, Map<String, Object> props) {
        Object id = props == null ? null : props.get(SERVICE_ID);
        String candidate = name;
        for (int i = 1; nameTaken(candidate); i++) {
            candidate = name + "#" + (id != null ? id + (i > 1 ? "-" + i : "") : String.valueOf(i));
        }
        return candidate;
    }

    private boolean nameTaken(String name) {
        return channels.values().stream().anyMatch(c -> c.name().equals(name));
    }
}
