package org.l3ha.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.l3ha.common.testing.BenchSmoke;

/** {@link EngineBench} still works: each benchmark once with its setup and teardown, untimed (profile bench times them). */
class EngineBenchTest {
    @Test
    void everyBenchmarkRunsOnce() throws Exception {
        assertEquals(List.of("flapAbsorbed"), BenchSmoke.runOnce(EngineBench.class));
    }
}
