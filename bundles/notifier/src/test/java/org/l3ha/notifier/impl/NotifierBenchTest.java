package org.l3ha.notifier.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.l3ha.common.testing.BenchSmoke;

/** {@link NotifierBench} still works: each benchmark once with its setup and teardown, untimed (profile bench times them). */
class NotifierBenchTest {
    @Test
    void everyBenchmarkRunsOnce() throws Exception {
        assertEquals(List.of("batchCycle1000", "queue"), BenchSmoke.runOnce(NotifierBench.class));
    }
}
