package org.l3ha.reporter.oslo.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.l3ha.api.HealthResult.Status;
import org.l3ha.api.HealthResult;
import org.l3ha.oslo.RpcException.Kind;
import org.l3ha.oslo.RpcException;

class ReporterStatsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
    private final ReporterStats stats = new ReporterStats(clock);

    @Test
    void inactiveIsOk() {
        HealthResult h = stats.health(null);
        assertEquals(Status.OK, h.status());
        assertEquals("inactive: transport_url is not set", h.message());
    }

    @Test
    void nothingReportedYetIsOk() {
        assertEquals(Status.OK, stats.health("rabbit://x").status());
    }

    @Test
    void okAfterSuccessWarnWhileRetryingCriticalWhenStale() {
        stats.connected();
        stats.delivered(3);
        assertEquals(Status.OK, stats.health("t").status());
        clock.advance(Duration.ofSeconds(5));
        stats.failed(new RpcException(Kind.TIMEOUT, "no reply within 60 s"));
        HealthResult warn = stats.health("t");
        assertEquals(Status.WARN, warn.status());
        assertTrue(warn.message().endsWith(": no reply within 60 s"), warn.message());
        clock.advance(ReporterStats.CRITICAL_AFTER.minusSeconds(6));
        assertEquals(Status.WARN, stats.health("t").status());
        clock.advance(Duration.ofSeconds(1));
        HealthResult critical = stats.health("t");
        assertEquals(Status.CRITICAL, critical.status());
        assertTrue(critical.message().contains("nothing delivered to t since 2026-11-25T10:00:00Z"), critical.message());
        stats.delivered(1);
        assertEquals(Status.OK, stats.health("t").status());
    }

    @Test
    void neverConnectedIsCritical() {
        stats.failed(new RpcException(Kind.CONNECTION, "cannot connect: Connection refused"));
        HealthResult h = stats.health("rabbit://guest:***@h:5672/");
        assertEquals(Status.CRITICAL, h.status());
        assertTrue(h.message().startsWith("never connected to rabbit://guest:***@h:5672/"), h.message());
    }

    @Test
    void connectedButNeverDeliveredTurnsCriticalAfterTheLimit() {
        stats.connected();
        stats.failed(new RpcException(Kind.UNROUTABLE, "no queue"));
        assertEquals(Status.WARN, stats.health("t").status());
        clock.advance(ReporterStats.CRITICAL_AFTER);
        assertEquals(Status.CRITICAL, stats.health("t").status());
    }

    @Test
    void countersCountByKind() {
        stats.connected();
        stats.delivered(2);
        stats.delivered(5);
        stats.failed(new RpcException(Kind.TIMEOUT, "t"));
        stats.failed(new RpcException(Kind.REMOTE, "r"));
        stats.failed(new RpcException(Kind.REMOTE, "r"));
        stats.connectionLost();
        stats.recovered();
        Map<String, Long> c = stats.counters(true);
        assertEquals(2L, c.get("batches_delivered"));
        assertEquals(7L, c.get("states_delivered"));
        assertEquals(1L, c.get("failures_timeout"));
        assertEquals(2L, c.get("failures_remote_error"));
        assertEquals(0L, c.get("failures_unroutable"));
        assertEquals(0L, c.get("failures_nacked"));
        assertEquals(0L, c.get("failures_connection"));
        assertEquals(3L, c.get("failures"));
        assertEquals(1L, c.get("connections_opened"));
        assertEquals(1L, c.get("connections_lost"));
        assertEquals(1L, c.get("connection_recoveries"));
        assertEquals(1L, c.get("connected"));
        assertEquals(1L, c.get("failing"));
        assertEquals(clock.millis(), c.get("last_success_time"));
        assertEquals(clock.millis(), c.get("last_failure_time"));
        assertEquals("r", stats.lastError());
    }
}
