package org.l3ha.registry.neutron.impl;

import org.l3ha.common.testing.ManualScheduler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.l3ha.registry.neutron.impl.ServerCalls.CallFailed;

/** What a failed call leads to: the retry timer, the backoff, the full sync asked for, the chunk halved. */
class RetriesTest {
    private final ManualScheduler clock = new ManualScheduler();
    private final RegistryState state = new RegistryState(Fixture.HOST, NeutronSettings.DEFAULT,
            new FakeL3PluginRpc(Fixture.HOST, clock), clock);
    private final Retries retries = new Retries(state);

    private static CallFailed failure(NeutronRpcException.Kind kind) {
        return new CallFailed(ServerCalls.SYNC_ROUTERS, new NeutronRpcException(kind, "no"));
    }

    @Test
    void aTimeoutHalvesTheChunkDownToTheFloor() {
        assertTrue(retries.shrinkAfterTimeout(failure(NeutronRpcException.Kind.TIMEOUT), 256));
        assertEquals(128, state.chunk());
        assertTrue(retries.shrinkAfterTimeout(failure(NeutronRpcException.Kind.TIMEOUT), 40));
        assertEquals(32, state.chunk());
        assertFalse(retries.shrinkAfterTimeout(failure(NeutronRpcException.Kind.TIMEOUT), 32));
        assertEquals(32, state.chunk());
        assertEquals(2L, state.stats.counters(0, 0, 0, state.chunk()).get("chunk_timeouts"));
    }

    @Test
    void otherFailuresLeaveTheChunk() {
        assertFalse(retries.shrinkAfterTimeout(failure(NeutronRpcException.Kind.CONNECTION), 256));
        assertEquals(256, state.chunk());
    }

    @Test
    void aFailureArmsTheRetryTimerWithDoublingWaits() {
        AtomicInteger due = new AtomicInteger();
        synchronized (state.lock) {
            retries.failed(true, failure(NeutronRpcException.Kind.CONNECTION), due::incrementAndGet);
            assertTrue(state.fullSyncRequested);
        }
        clock.advance(Duration.ofMillis(999));
        assertEquals(0, due.get());
        clock.advance(Duration.ofMillis(1));
        assertEquals(1, due.get());
        synchronized (state.lock) {
            retries.timerFired();
            state.fullSyncRequested = false;
            retries.failed(false, failure(NeutronRpcException.Kind.CONNECTION), due::incrementAndGet);
            assertFalse(state.fullSyncRequested);
        }
        clock.advance(Duration.ofMillis(1999));
        assertEquals(1, due.get());
        clock.advance(Duration.ofMillis(1));
        assertEquals(2, due.get());
        synchronized (state.lock) {
            retries.succeeded();
            assertNull(state.backoff.last());
        }
    }

    @Test
    void retryNowCancelsTheTimer() {
        AtomicInteger due = new AtomicInteger();
        synchronized (state.lock) {
            retries.failed(false, failure(NeutronRpcException.Kind.CONNECTION), due::incrementAndGet);
        }
        assertEquals(1, clock.pendingTimers());
        synchronized (state.lock) {
            retries.retryNow();
            assertTrue(state.backoff.mayCall(clock.nanoTime()));
        }
        assertEquals(0, clock.pendingTimers());
        clock.advance(Duration.ofSeconds(5));
        assertEquals(0, due.get());
    }

    @Test
    void nothingIsArmedOnceStopped() {
        synchronized (state.lock) {
            state.stopped = true;
            retries.failed(true, failure(NeutronRpcException.Kind.CONNECTION), () -> { });
            assertFalse(state.fullSyncRequested);
        }
        assertEquals(0, clock.pendingTimers());
        assertEquals(1L, state.stats.counters(0, 0, 0, state.chunk()).get("failures_connection"));
    }
}
