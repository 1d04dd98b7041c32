package org.l3ha.endpoint.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.l3ha.common.testing.BenchSmoke;

/** {@link EndpointBench} still works: each benchmark once with its setup and teardown, untimed (profile bench times them). */
class EndpointBenchTest {
    @Test
    void everyBenchmarkRunsOnce() throws Exception {
        assertEquals(List.of("httpParseValidateCurl", "httpParseValidateHttplib2", "parseAndValidateHttplib2", "validateAndHandOver"), BenchSmoke.runOnce(EndpointBench.class));
    }
}
