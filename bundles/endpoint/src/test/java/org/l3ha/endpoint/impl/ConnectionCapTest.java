package org.l3ha.endpoint.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import io.netty.channel.Channel;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.l3ha.common.Counters;
import org.l3ha.common.testing.LogCapture;

/**
 * The cap's bookkeeping on its own, with Netty's in-memory channels standing for the server
 * channel and the accepted ones (the real accept path is in {@link ConnectionBoundsTest}).
 */
class ConnectionCapTest {
    final Counters counters = CounterNames.create();
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    /** Stands for the server channel: the cap turns its auto-read off and on. */
    final EmbeddedChannel server = new EmbeddedChannel();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        server.finishAndReleaseAll();
    }

    /** Adds the cap's acceptor to the server channel and returns an accept loop's allocator handle. */
    @SuppressWarnings("deprecation")
    private RecvByteBufAllocator.Handle attach(ConnectionCap cap) {
        server.pipeline().addFirst(cap.acceptor());
        RecvByteBufAllocator.Handle handle = cap.allocator().newHandle();
        handle.reset(server.config());
        return handle;
    }

    /** As Netty's accept loop does for one connection: counts it, then hands it through the pipeline. */
    @SuppressWarnings("deprecation")
    private static Channel accept(RecvByteBufAllocator.Handle handle, EmbeddedChannel server) {
        EmbeddedChannel child = new EmbeddedChannel();
        handle.incMessagesRead(1);
        server.pipeline().fireChannelRead(child);
        return child;
    }

    @Test
    @SuppressWarnings("deprecation")
    void stopsAcceptingAtTheCapAndResumesWhenOneCloses() {
        ConnectionCap cap = new ConnectionCap(3, counters, scheduler);
        RecvByteBufAllocator.Handle handle = attach(cap);
        accept(handle, server);
        Channel second = accept(handle, server);
        assertTrue(server.config().isAutoRead());
        assertFalse(cap.isCapped());
        accept(handle, server);
        assertFalse(server.config().isAutoRead(), "three open: no accept interest");
        assertFalse(handle.continueReading(), "the accept loop stops at the cap");
        assertTrue(cap.isCapped());
        assertEquals(1L, counters.snapshot().get(CounterNames.CAP_REACHED));

        second.close();
        assertTrue(server.config().isAutoRead(), "a slot is free");
        assertEquals(2, cap.open());
        accept(handle, server);
        assertFalse(server.config().isAutoRead());
        assertEquals(2L, counters.snapshot().get(CounterNames.CAP_REACHED), "reached again");
        assertEquals(3, cap.peak());
        assertEquals(3, cap.openChannels().length);
    }

    @Test
    @SuppressWarnings("deprecation")
    void oneWakeUpAcceptsUpToSixteenBelowTheCap() {
        ConnectionCap cap = new ConnectionCap(1000, counters, scheduler);
        RecvByteBufAllocator.Handle handle = attach(cap);
        int accepted = 0;
        do {
            accept(handle, server);
            accepted++;
        } while (handle.continueReading() && accepted < 100);
        assertEquals(ConnectionCap.ACCEPTS_PER_WAKEUP, accepted, "connections taken in one accept loop");
        assertEquals(16, ConnectionCap.ACCEPTS_PER_WAKEUP);
        handle.readComplete();
        handle.reset(server.config());
        accept(handle, server);
        assertTrue(handle.continueReading(), "the next wake-up starts a fresh loop");
        assertEquals(ConnectionCap.ACCEPTS_PER_WAKEUP + 1, cap.open());
    }

    @Test
    void stoppedCapNeverAcceptsAgainAndClosesWhatIsLeft() {
        ConnectionCap cap = new ConnectionCap(2, counters, scheduler);
        RecvByteBufAllocator.Handle handle = attach(cap);
        Channel a = accept(handle, server);
        Channel b = accept(handle, server);
        cap.stop();
        a.close();
        assertFalse(server.config().isAutoRead(), "stopping: accepting stays off");
        assertEquals(1, cap.closeRemaining());
        assertFalse(b.isOpen());
        assertEquals(0, cap.open());
    }

    @Test
    void aCloseThatWasNeverReportedIsCorrectedAfterTwoChecks() {
        ConnectionCap cap = new ConnectionCap(2, counters, scheduler);
        RecvByteBufAllocator.Handle handle = attach(cap);
        handle.incMessagesRead(1); // counted, but never handed through the pipeline (set-up failed)
        accept(handle, server).unsafe().closeForcibly(); // closed without its close being reported
        assertFalse(server.config().isAutoRead());
        try (LogCapture log = new LogCapture()) {
            cap.reconcile();
            assertFalse(server.config().isAutoRead(), "one check is not enough (an accept may be on its way)");
            cap.reconcile();
            assertTrue(server.config().isAutoRead(), "corrected: accepting again");
            assertEquals(0, cap.open());
            assertTrue(log.has("WARN", "counted 2 open connections but 0 are open"), log.text());
        }
        cap.reconcile(); // not capped: nothing to do
        assertTrue(server.config().isAutoRead());
    }

    @Test
    void aCapBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ConnectionCap(0, counters, scheduler));
    }
}
