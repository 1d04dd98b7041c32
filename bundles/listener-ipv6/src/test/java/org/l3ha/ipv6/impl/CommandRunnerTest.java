package org.l3ha.ipv6.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class CommandRunnerTest {
    @Test
    void systemRunnerReportsStatusAndOutput() throws Exception {
        CommandRunner.Result r = CommandRunner.SYSTEM.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"));
        assertEquals(3, r.status());
        assertEquals("out | err", r.output());
    }
}
