package org.l3ha.notifier.impl;

import org.l3ha.common.testing.AgentConfigs;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.l3ha.api.HaState;
import org.l3ha.api.StateReporter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Notifier batching with the real classes: {@link BatchNotifier#queue} (newest state per router,
 * fanned out to a bound reporter's channel, which holds them for its next batch), and one
 * channel's batch cycle in {@link ChannelQueue}: {@code routers} states coalesced, taken as a
 * batch, delivered.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NotifierBench {
    @Param("1000")
    public int routers;

    private BatchNotifier notifier;
    private final LongAdder delivered = new LongAdder();
    private String[] ids;
    private int next;

    @Setup
    public void setUp() {
        ids = new String[routers];
        for (int i = 0; i < routers; i++) {
            ids[i] = UUID.randomUUID().toString();
        }
        // a long batch interval: after the first batch the channel coalesces what is queued
        notifier = new BatchNotifier(AgentConfigs.of(Map.of("ha_vrrp_advert_int", 2, "batch_interval", "3600")), Duration.ofSeconds(1));
        StateReporter reporter = states -> delivered.add(states.size());
        notifier.bindReporter(reporter, Map.of("service.id", 1L, StateReporter.NAME, "bench"));
    }

    @TearDown
    public void tearDown() {
        notifier.deactivate();
    }

    /** One state queued (coalesced per router, fanned out to the reporter's channel). */
    @Benchmark
    public void queue() {
        int k = next++;
        notifier.queue(ids[k % routers], (k / routers & 1) == 0 ? HaState.PRIMARY : HaState.BACKUP);
    }

    /** A batch cycle per router: offer {@code routers} states, take them as a batch, succeed; per state. */
    @Benchmark
    @OperationsPerInvocation(1000)
    public int batchCycle1000() {
        ChannelQueue q = new ChannelQueue(System::nanoTime, 0);
        for (int i = 0; i < 1000; i++) {
            q.offer(ids[i % routers], (i & 1) == 0 ? HaState.PRIMARY : HaState.BACKUP);
        }
        Map<String, HaState> batch = q.poll();
        q.succeeded();
        return batch.size();
    }
}
