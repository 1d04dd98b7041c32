package org.l3ha.engine.impl;

import org.l3ha.common.Scheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.l3ha.api.HaState;
import org.l3ha.common.testing.TestRouters;
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
 * The engine's enqueue path with its debounce bookkeeping ({@link Transitions#accept}, the real
 * class): a router flaps backup → primary → backup inside {@code ha_vrrp_advert_int}, so the
 * primary arms the debounce timer and the backup cancels it and is absorbed (nothing applied, no
 * state file written, nothing reported). Work runs inline on the calling thread (the scheduler
 * seam the engine's own tests use), timers are recorded and never fire.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EngineBench {
    @Param("1000")
    public int routers;

    private Path dir;
    private Transitions transitions;
    private String[] ids;
    private int next;

    /** Runs work inline; a timer is a no-op handle (the debounce never expires in the benchmark). */
    static final class InlineScheduler implements Scheduler {
        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public Runnable schedule(Runnable task, long delayNanos) {
            return () -> { };
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }
    }

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("l3ha-jmh-engine");
        ids = new String[routers];
        for (int i = 0; i < routers; i++) {
            ids[i] = TestRouters.uuid();
        }
        transitions = new Transitions(new InlineScheduler(), new StateFiles(dir), 2);
        transitions.setRegistry(new Fakes.Registry().with(ids));
        transitions.setBatcher((id, state) -> { });
        for (String id : ids) {
            transitions.accept(id, HaState.BACKUP); // applied at once: state file written once, here
        }
        if (transitions.counters().get("applied") != routers) {
            throw new IllegalStateException("setup: " + transitions.counters().get("applied") + " applied");
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        long applied = transitions.counters().get("applied");
        transitions.close();
        if (applied != routers) {
            throw new IllegalStateException("a flap was applied: " + applied + " applies for " + routers + " routers");
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Two notifications (primary then backup) of one router; reported per notification. */
    @Benchmark
    @OperationsPerInvocation(2)
    public boolean flapAbsorbed() {
        String id = ids[next++ % routers];
        transitions.accept(id, HaState.PRIMARY);
        return transitions.accept(id, HaState.BACKUP);
    }
}
