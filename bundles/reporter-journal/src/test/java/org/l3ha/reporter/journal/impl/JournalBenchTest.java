package org.l3ha.reporter.journal.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.l3ha.common.testing.BenchSmoke;

/** {@link JournalBench} still works: each benchmark once with its setup and teardown, untimed (profile bench times them). */
class JournalBenchTest {
    @Test
    void everyBenchmarkRunsOnce() throws Exception {
        assertEquals(List.of("append1", "append1000", "line1000"), BenchSmoke.runOnce(JournalBench.class));
    }
}
