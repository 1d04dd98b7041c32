package org.l3ha.endpoint.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.junit.jupiter.api.Test;
import org.l3ha.common.Counters;
import org.l3ha.common.testing.LogCapture;

/**
 * The cap's bookkeeping on its own, on a connector that is not started (the callbacks are what
 * Jetty's selector manager calls; the real accept path is in {@link ConnectionBoundsTest}).
 */
class ConnectionCapTest {
    final Server server = new Server();
    final UnixDomainServerConnector connector = new UnixDomainServerConnector(server, 1, 1);
    final Counters counters = CounterNames.create();

    @Test
    void stopsAcceptingAtTheCapAndResumesWhenOneCloses() {
        ConnectionCap cap = new ConnectionCap(3, connector, counters);
        cap.onAccepting(null);
        cap.onAccepting(null);
        assertTrue(connector.isAccepting());
        assertFalse(cap.isCapped());
        cap.onAccepting(null);
        assertFalse(connector.isAccepting(), "three open: the acceptor waits");
        assertTrue(cap.isCapped());
        assertEquals(1L, counters.snapshot().get(CounterNames.CAP_REACHED));

        cap.onClosed(null);
        assertTrue(connector.isAccepting(), "a slot is free");
        assertEquals(2, cap.open());
        cap.onAccepting(null);
        assertFalse(connector.isAccepting());
        assertEquals(2L, counters.snapshot().get(CounterNames.CAP_REACHED), "reached again");

        cap.onAcceptFailed(null, new RuntimeException("set-up failed"));
        assertTrue(connector.isAccepting(), "a failed set-up frees its slot");
        assertEquals(2, cap.open());
        assertEquals(3, cap.peak());
    }

    @Test
    void aCloseJettyDidNotReportIsCorrectedAfterTwoChecks() {
        ConnectionCap cap = new ConnectionCap(2, connector, counters);
        cap.onAccepting(null);
        cap.onAccepting(null); // counted, but the connector has no end point at all
        assertFalse(connector.isAccepting());
        try (LogCapture log = new LogCapture()) {
            cap.reconcile();
            assertFalse(connector.isAccepting(), "one check is not enough (an accept may be on its way)");
            cap.reconcile();
            assertTrue(connector.isAccepting(), "corrected: accepting again");
            assertEquals(0, cap.open());
            assertTrue(log.has("WARN", "counted 2 open connections but the connector has 0"), log.text());
        }
        cap.reconcile(); // not capped: nothing to do
        assertTrue(connector.isAccepting());
    }

    @Test
    void aCapBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ConnectionCap(0, connector, counters));
    }
}
