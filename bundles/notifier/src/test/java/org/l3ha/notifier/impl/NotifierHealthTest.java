package org.l3ha.notifier.impl;

import org.l3ha.common.testing.AgentConfigs;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.l3ha.api.HaState;
import org.l3ha.api.HealthResult;
import org.l3ha.api.StateReporter;

class NotifierHealthTest {

    @Test
    void healthFollowsTheReporters() {
        BatchNotifier n = new BatchNotifier(AgentConfigs.of(Map.of("batch_interval", "0")));
        try {
            HealthResult r = n.check();
            assertEquals(HealthResult.Status.WARN, r.status());
            assertTrue(r.message().startsWith("no reporter bound"), r.message());

            AtomicBoolean fail = new AtomicBoolean(true);
            StateReporter flaky = states -> {
                if (fail.get()) {
                    throw new IllegalStateException("broker down");
                }
            };
            n.bindReporter(flaky, Map.of("l3ha.reporter", "oslo"));
            n.queue("0b2c6e3a-1111-2222-3333-444455556666", HaState.PRIMARY);
            await().atMost(Duration.ofSeconds(10)).until(() -> n.check().status() == HealthResult.Status.WARN
                    && n.check().message().contains("oslo failing"));
            assertTrue(n.check().message().contains("broker down"), n.check().message());
            fail.set(false);
            await().atMost(Duration.ofSeconds(30)).until(() -> n.check().status() == HealthResult.Status.OK);
            assertTrue(n.check().message().startsWith("oslo last delivered 20"), n.check().message());
            assertEquals(1L, n.counters().get("reporter.oslo.batches_sent"));
        } finally {
            n.deactivate();
        }
    }
}
