package org.l3ha.notifier.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.api.HaState.BACKUP;
import static org.l3ha.api.HaState.FAULT;
import static org.l3ha.api.HaState.PRIMARY;
import static org.l3ha.api.HaState.UNKNOWN;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.l3ha.api.HaState;
import org.l3ha.notifier.impl.VirtualSender.Send;

/** Timing and coalescing of one channel, in virtual time (docs/behaviour.md §10 cases 24-30 and more). */
class ChannelQueueTest {
    private static final double EPS = 1e-6;
    private static final String R1 = "0b2c6e3a-1111-2222-3333-444455556661";
    private static final String R2 = "0b2c6e3a-1111-2222-3333-444455556662";
    private static final String R3 = "0b2c6e3a-1111-2222-3333-444455556663";

    private static String router(int i) {
        return String.format("0b2c6e3a-1111-2222-3333-%012d", i);
    }

    @Test
    void case24_singleEventIsSentAtOnce() {
        VirtualSender s = new VirtualSender(2).at(0, R1, PRIMARY).runUntil(100);
        assertEquals(1, s.sends.size());
        assertEquals(0.0, s.sends.get(0).start(), EPS);
        assertEquals(Map.of(R1, "active"), s.sends.get(0).states());
    }

    @Test
    void case25_eventsDuringTheIntervalGoOutTogetherOneIntervalAfterTheFirstSendEnded() {
        VirtualSender s = new VirtualSender(2).sendTakes(0.05)
                .at(0, R1, PRIMARY).at(0.1, R2, BACKUP).at(0.5, R3, PRIMARY).runUntil(100);
        assertEquals(2, s.sends.size());
        Send first = s.sends.get(0);
        Send second = s.sends.get(1);
        assertEquals(0.0, first.start(), EPS);
        assertEquals(Map.of(R1, "active"), first.states());
        assertEquals(first.end() + 2, second.start(), EPS);
        assertEquals(List.of(R2, R3), new ArrayList<>(second.states().keySet()));
        assertEquals(Map.of(R2, "standby", R3, "active"), second.states());
    }

    @Test
    void case26_burstOf20IsDeliveredCompletelyAndInOrderInAtMostTwoSends() {
        VirtualSender s = new VirtualSender(2).sendTakes(0.01);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            s.at(0, router(i), i % 2 == 0 ? PRIMARY : BACKUP);
            expected.add(router(i));
        }
        s.runUntil(100);
        assertTrue(s.sends.size() <= 2, "sends: " + s.sends.size());
        List<String> delivered = new ArrayList<>();
        s.sends.forEach(send -> delivered.addAll(send.states().keySet()));
        assertEquals(expected, delivered);
        assertEquals("active", s.sends.get(s.sends.size() - 1).states().get(router(18)));
        assertEquals("standby", s.sends.get(s.sends.size() - 1).states().get(router(19)));
    }

    @Test
    void case27_sameRouterTwiceInABatchGivesOneEntryWithTheNewestState() {
        VirtualSender s = new VirtualSender(2)
                .at(0, R2, FAULT).at(0.5, R1, BACKUP).at(1.0, R1, PRIMARY).runUntil(100);
        assertEquals(2, s.sends.size());
        assertEquals(Map.of(R1, "active"), s.sends.get(1).states());
    }

    @Test
    void case28_eventsFurtherApartThanTheIntervalAreEachSentAtOnce() {
        VirtualSender s = new VirtualSender(2).at(0, R1, PRIMARY).at(5, R1, BACKUP).runUntil(100);
        assertEquals(2, s.sends.size());
        assertEquals(0.0, s.sends.get(0).start(), EPS);
        assertEquals(5.0, s.sends.get(1).start(), EPS);
        assertEquals(Map.of(R1, "standby"), s.sends.get(1).states());
    }

    @Test
    void case29_nothingQueuedMeansNothingDue() {
        VirtualSender s = new VirtualSender(2).runUntil(100);
        assertTrue(s.sends.isEmpty());
        assertEquals(ChannelQueue.NOTHING_DUE, s.queue.nanosUntilDue());
        assertNull(s.queue.poll());
        assertNull(s.queue.pollNow());
    }

    @Test
    void case30_failedBatchIsRetriedWithBackoffAndNewerStatesWin() {
        // I=2: the first attempt at 0 fails, the retry waits max(2 s, 1 s) * 2^0 = 2 s and fails,
        // the next waits 4 s and succeeds
        VirtualSender s = new VirtualSender(2).outcomes(false, false)
                .at(0, R1, BACKUP).at(0, R2, PRIMARY)
                .at(1, R1, PRIMARY) // newer than the failed R1=standby
                .at(3, R3, FAULT)
                .runUntil(100);
        assertEquals(3, s.sends.size(), s.sends.toString());
        // same instant: the sender takes R1 before R2 arrives
        assertEquals(Map.of(R1, "standby"), s.sends.get(0).states());
        assertFalse(s.sends.get(0).ok());
        assertEquals(2.0, s.sends.get(1).start(), EPS);
        assertEquals(List.of(R2, R1), new ArrayList<>(s.sends.get(1).states().keySet()));
        assertEquals(Map.of(R1, "active", R2, "active"), s.sends.get(1).states());
        assertFalse(s.sends.get(1).ok());
        Send delivered = s.sends.get(2);
        assertTrue(delivered.ok());
        assertEquals(6.0, delivered.start(), EPS);
        // the failed batch's states come first, the router with a newer state keeps the newer one
        assertEquals(List.of(R2, R1, R3), new ArrayList<>(delivered.states().keySet()));
        assertEquals(Map.of(R1, "active", R2, "active", R3, "standby"), delivered.states());
        assertEquals(0, s.queue.failures());
        assertEquals(0, s.queue.pendingCount());
    }

    @Test
    void failedBatchMergesInFrontOfStatesQueuedDuringTheFailingSend() {
        VirtualSender s = new VirtualSender(1).sendTakes(1).outcomes(true, false)
                .at(0, R1, PRIMARY)
                .at(0.2, R1, BACKUP).at(0.3, R2, PRIMARY)   // during the first send
                .at(2.5, R1, PRIMARY).at(2.6, R3, FAULT)    // during the second, failing send
                .runUntil(100);
        assertEquals(3, s.sends.size(), s.sends.toString());
        assertEquals(2.0, s.sends.get(1).start(), EPS);
        assertEquals(List.of(R1, R2), new ArrayList<>(s.sends.get(1).states().keySet()));
        assertFalse(s.sends.get(1).ok());
        // retried 1 s (max(interval, 1 s)) after the failed attempt ended at 3
        Send retry = s.sends.get(2);
        assertEquals(4.0, retry.start(), EPS);
        assertEquals(List.of(R2, R1, R3), new ArrayList<>(retry.states().keySet()));
        assertEquals(Map.of(R1, "active", R2, "active", R3, "standby"), retry.states());
    }

    @Test
    void backoffDoublesFromTheIntervalOrOneSecondAndIsCappedAtSixtySeconds() {
        long sec = VirtualSender.nanos(1);
        long[] fromZero = {1, 2, 4, 8, 16, 32, 60, 60};
        for (int n = 1; n <= fromZero.length; n++) {
            assertEquals(fromZero[n - 1] * sec, ChannelQueue.backoffNanos(0, n), "failures " + n);
        }
        assertEquals(sec, ChannelQueue.backoffNanos(sec / 2, 1));
        assertEquals(2 * sec, ChannelQueue.backoffNanos(2 * sec, 1));
        assertEquals(16 * sec, ChannelQueue.backoffNanos(2 * sec, 4));
        assertEquals(60 * sec, ChannelQueue.backoffNanos(2 * sec, 6));
        assertEquals(60 * sec, ChannelQueue.backoffNanos(100 * sec, 1));
        assertEquals(60 * sec, ChannelQueue.backoffNanos(3600 * sec, Integer.MAX_VALUE));
    }

    @Test
    void backoffGrowsWithConsecutiveFailuresAndResetsAfterASuccess() {
        VirtualSender s = new VirtualSender(0).outcomes(false, false, false, true, false)
                .at(0, R1, PRIMARY).at(20, R2, PRIMARY).runUntil(100);
        List<Double> starts = s.sends.stream().map(Send::start).toList();
        // fail@0, +1 s fail@1, +2 s fail@3, +4 s ok@7 (R1), R2@20 at once (interval 0), fail,
        // +1 s ok@21
        assertEquals(List.of(0.0, 1.0, 3.0, 7.0, 20.0, 21.0), starts);
        assertEquals(Map.of(R1, "active"), s.sends.get(3).states());
        assertEquals(Map.of(R2, "active"), s.sends.get(5).states());
    }

    @Test
    void intervalZeroSendsEachEventAsSoonAsThePreviousSendReturned() {
        VirtualSender s = new VirtualSender(0).sendTakes(0.3);
        for (int i = 0; i < 10; i++) {
            s.at(i * 0.1, router(i), PRIMARY);
        }
        s.runUntil(100);
        for (int i = 1; i < s.sends.size(); i++) {
            assertEquals(s.sends.get(i - 1).end(), s.sends.get(i).start(), EPS, "send " + i);
        }
        List<String> delivered = new ArrayList<>();
        s.sends.forEach(send -> delivered.addAll(send.states().keySet()));
        assertEquals(10, delivered.size());
        assertEquals(List.of(router(0)), new ArrayList<>(s.sends.get(0).states().keySet()));
        assertEquals(List.of(router(1), router(2)), new ArrayList<>(s.sends.get(1).states().keySet()));
    }

    @Test
    void intervalZeroWithInstantSendsSendsEveryEventAlone() {
        VirtualSender s = new VirtualSender(0).at(0, R1, PRIMARY).at(0.1, R2, PRIMARY).at(0.2, R3, PRIMARY)
                .runUntil(100);
        assertEquals(List.of(0.0, 0.1, 0.2), s.sends.stream().map(Send::start).toList());
    }

    @Test
    void newIntervalAppliesFromTheNextBatch() {
        VirtualSender s = new VirtualSender(10).at(0, R1, PRIMARY).at(1, R2, PRIMARY).runUntil(2);
        assertEquals(1, s.sends.size());
        assertEquals(1.0, VirtualSender.seconds(s.now), EPS); // the clock stands at the last event
        assertEquals(VirtualSender.nanos(9), s.queue.nanosUntilDue());
        s.queue.setIntervalNanos(VirtualSender.nanos(3));
        assertEquals(VirtualSender.nanos(2), s.queue.nanosUntilDue());
        s.runUntil(100);
        assertEquals(3.0, s.sends.get(1).start(), EPS);
        assertThrows(IllegalArgumentException.class, () -> s.queue.setIntervalNanos(-1));
    }

    @Test
    void requeuedRouterMovesToTheEnd() {
        ChannelQueue q = new ChannelQueue(() -> 0, 0);
        q.offer(R1, PRIMARY);
        q.offer(R2, PRIMARY);
        q.offer(R1, BACKUP);
        Map<String, ?> batch = q.poll();
        assertEquals(List.of(R2, R1), new ArrayList<>(batch.keySet()));
        assertEquals(BACKUP, batch.get(R1));
    }

    @Test
    void pollNowIgnoresIntervalAndBackoffButNotAnInFlightBatch() {
        long[] now = {0};
        ChannelQueue q = new ChannelQueue(() -> now[0], VirtualSender.nanos(60));
        q.offer(R1, PRIMARY);
        assertEquals(Map.of(R1, PRIMARY), q.poll());
        q.offer(R2, BACKUP);
        assertNull(q.pollNow(), "a batch is in flight");
        q.succeeded();
        assertNull(q.poll(), "interval not over");
        assertEquals(Map.of(R2, BACKUP), q.pollNow());
        q.failed();
        assertEquals(1, q.pendingCount());
        Map<String, HaState> retry = q.pollNow();
        assertEquals(Map.of(R2, BACKUP), retry);
        assertEquals(1, q.inFlightCount());
        assertEquals(0, q.pendingCount());
        assertThrows(UnsupportedOperationException.class, () -> retry.put(R3, UNKNOWN));
    }

    @Test
    void batchIsUnmodifiableAndOutcomesNeedABatchInFlight() {
        ChannelQueue q = new ChannelQueue(() -> 0, 0);
        assertThrows(IllegalStateException.class, q::succeeded);
        assertThrows(IllegalStateException.class, q::failed);
        q.offer(R1, PRIMARY);
        Map<String, ?> batch = q.poll();
        assertThrows(UnsupportedOperationException.class, batch::clear);
    }

    @Test
    void seedKeepsOrderAndMemoryIsBoundedByRouters() {
        ChannelQueue q = new ChannelQueue(() -> 0, 0);
        Map<String, HaState> seed = new LinkedHashMap<>();
        seed.put(R3, PRIMARY);
        seed.put(R1, BACKUP);
        q.offerAll(seed);
        for (int i = 0; i < 10_000; i++) {
            q.offer(router(i % 7), i % 2 == 0 ? PRIMARY : BACKUP);
        }
        assertEquals(9, q.pendingCount());
        assertEquals(List.of(R3, R1), new ArrayList<>(q.poll().keySet()).subList(0, 2));
    }

    @Test
    void aForgottenRouterLeavesThePendingStates() {
        ChannelQueue q = new ChannelQueue(() -> 0, 0);
        q.offer(R1, PRIMARY);
        q.offer(R2, BACKUP);
        assertTrue(q.forget(R1));
        assertFalse(q.forget(R3), "nothing pending for it");
        assertEquals(Map.of(R2, BACKUP), q.poll());
    }

    @Test
    void aRouterForgottenDuringASendIsNotRetriedWhenTheSendFails() {
        ChannelQueue q = new ChannelQueue(() -> 0, 0);
        q.offer(R1, PRIMARY);
        q.offer(R2, BACKUP);
        q.offer(R3, FAULT);
        assertEquals(3, q.poll().size());
        assertFalse(q.forget(R1), "in flight, not pending");
        q.forget(R3);
        q.offer(R3, BACKUP); // queued again after it was forgotten: a new state, kept
        q.failed();
        Map<String, HaState> retry = q.pollNow();
        assertEquals(List.of(R2, R3), new ArrayList<>(retry.keySet()));
        assertEquals(BACKUP, retry.get(R3));
        // forgetting ends with that send: the next failed batch keeps R1 again
        q.failed();
        q.offer(R1, PRIMARY);
        assertEquals(Map.of(R2, BACKUP, R3, BACKUP, R1, PRIMARY), q.pollNow());
        q.failed();
        assertEquals(3, q.pendingCount());
    }

    static List<String> waits(VirtualSender s) {
        return s.waits.stream().map(w -> String.format("%.2f/%.2f", w[0], w[1])).toList();
    }

    @Test
    void aDeliveredStateWaitedFromItsQueueingToTheEndOfItsSend() {
        VirtualSender s = new VirtualSender(2).sendTakes(0.25)
                .at(0, R1, PRIMARY).at(0.5, R2, BACKUP).at(1.0, R2, PRIMARY).runUntil(100);
        // R1 sent at once (0 → 0.25); R2's newest state queued at 1.0, sent at 2.25 → 2.5
        assertEquals(List.of("0.25/-1.00", "1.50/-1.00"), waits(s));
    }

    @Test
    void aRouterWhoseDeliveryFailedIsTimedFromItsOldestUndeliveredStateThroughTheOutage() {
        // I=0.5: the send at 0 fails, the retry 1 s later (backoff base 1 s) fails, the next 2 s later succeeds
        VirtualSender s = new VirtualSender(0.5).sendTakes(0.1).outcomes(false, false, true)
                .at(0, R1, PRIMARY).at(0.05, R2, BACKUP).at(1.5, R1, BACKUP).runUntil(100);
        // sends: 0-0.1 {R1} fails; 1.1-1.2 {R1, R2} fails; 3.2-3.3 {R2, R1=backup} delivered
        assertEquals(3, s.sends.size(), s.sends.toString());
        // R2 queued at 0.05; R1's newest state queued at 1.5 (it moves to the end), its oldest undelivered at 0
        assertEquals(List.of("3.25/3.25", "1.80/3.30"), waits(s));
    }
}
