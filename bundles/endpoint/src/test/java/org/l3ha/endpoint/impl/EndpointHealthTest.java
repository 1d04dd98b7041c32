package org.l3ha.endpoint.impl;

import org.l3ha.common.testing.AgentConfigs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HealthResult;
import org.l3ha.common.testing.UdsClient;

class EndpointHealthTest {
    static final String ID = "0b2c6e3a-1111-2222-3333-444455556666";

    @TempDir
    Path state;

    @Test
    void healthTellsWhetherTheSocketIsServedAndNotificationsReachAnEngine() throws Exception {
        StateChangeEndpoint e = new StateChangeEndpoint(AgentConfigs.of(Map.of("state_path", state.toString())));
        Path socket = state.resolve("keepalived-state-change");
        try {
            assertEquals(HealthResult.ok("listening on " + socket), e.check());
            assertEquals(200, UdsClient.exchange(socket, UdsClient.curlRequest(ID, "backup")).status());
            HealthResult held = e.check();
            assertEquals(HealthResult.Status.WARN, held.status(), held.message());
            assertTrue(held.message().contains("1 routers' notifications held"), held.message());
            RecordingSink sink = new RecordingSink();
            e.bindSink(sink);
            assertEquals(HealthResult.Status.OK, e.check().status());
            Files.delete(socket);
            assertEquals(HealthResult.Status.CRITICAL, e.check().status(), "socket file removed by someone");
            assertEquals(1L, e.counters().get("accepted"));
        } finally {
            e.deactivate();
        }
        assertEquals(HealthResult.critical("not listening (stopped)"), e.check());
    }
}
