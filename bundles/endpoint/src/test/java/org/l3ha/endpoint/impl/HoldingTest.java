package org.l3ha.endpoint.impl;

import org.l3ha.common.testing.AgentConfigs;
import org.l3ha.common.testing.LogCapture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;
import org.l3ha.api.StateChangeSink;
import org.l3ha.common.testing.UdsClient;

/** Holding notifications while no sink takes them, over the real socket and in the buffer itself. */
class HoldingTest {
    static final String R1 = "11111111-1111-4111-8111-111111111111";
    static final String R2 = "22222222-2222-4222-8222-222222222222";
    static final String R3 = "33333333-3333-4333-8333-333333333333";
    static final String R4 = "44444444-4444-4444-8444-444444444444";

    @TempDir
    Path dir;
    StateChangeEndpoint endpoint;

    @AfterEach
    void stop() {
        if (endpoint != null) {
            endpoint.deactivate();
        }
    }

    private Path start(int capacity) throws IOException {
        endpoint = new StateChangeEndpoint(AgentConfigs.of(Map.of("state_path", dir.toString())), capacity);
        return dir.resolve("keepalived-state-change");
    }

    private static UdsClient.Reply post(Path socket, String id, String state) throws IOException {
        return UdsClient.exchange(socket, UdsClient.curlRequest(id, state));
    }

    private static RecordingSink.Event ev(String id, HaState s) {
        return new RecordingSink.Event(id, s);
    }

    @Test
    void withoutSinkStatesAreHeldAndHandedOverInOrderNewestPerRouter() throws IOException {
        Path socket = start(StateChangeEndpoint.HOLD_CAPACITY);
        assertEquals(200, post(socket, R1, "primary").status());
        assertEquals(200, post(socket, R2, "backup").status());
        assertEquals(200, post(socket, R3, "fault").status());
        assertEquals(200, post(socket, R1, "backup").status());
        Map<String, Long> c = endpoint.counters();
        assertEquals(4L, c.get("accepted"));
        assertEquals(4L, c.get("held"));
        assertEquals(3L, c.get("holding"));

        RecordingSink sink = new RecordingSink();
        endpoint.bindSink(sink);
        assertEquals(List.of(ev(R2, HaState.BACKUP), ev(R3, HaState.FAULT), ev(R1, HaState.BACKUP)), sink.events());
        assertEquals(0L, endpoint.counters().get("holding"));

        assertEquals(200, post(socket, R1, "primary").status());
        assertEquals(ev(R1, HaState.PRIMARY), sink.events().get(3), "a fresh request arrives after the held ones");
        assertEquals(4L, endpoint.counters().get("held"));
    }

    @Test
    void refusingSinkMakesStatesHeldForTheNextSink() throws IOException {
        Path socket = start(StateChangeEndpoint.HOLD_CAPACITY);
        RecordingSink old = new RecordingSink();
        endpoint.bindSink(old);
        assertEquals(200, post(socket, R1, "primary").status());
        old.refuse = true; // shutting down
        assertEquals(200, post(socket, R2, "backup").status());
        assertEquals(200, post(socket, R1, "backup").status());
        assertEquals(List.of(ev(R1, HaState.PRIMARY)), old.events());
        assertEquals(2L, endpoint.counters().get("holding"));

        RecordingSink fresh = new RecordingSink();
        endpoint.bindSink(fresh); // greedy: the replacement binds before the old one unbinds
        endpoint.unbindSink(old);
        assertEquals(List.of(ev(R2, HaState.BACKUP), ev(R1, HaState.BACKUP)), fresh.events());
        assertEquals(200, post(socket, R3, "primary").status());
        assertEquals(ev(R3, HaState.PRIMARY), fresh.events().get(2));
    }

    @Test
    void sinkThatTakesAgainGetsTheHeldStatesBeforeTheFreshOne() throws IOException {
        Path socket = start(StateChangeEndpoint.HOLD_CAPACITY);
        RecordingSink sink = new RecordingSink();
        endpoint.bindSink(sink);
        sink.refuse = true;
        assertEquals(200, post(socket, R1, "backup").status());
        sink.refuse = false;
        assertEquals(200, post(socket, R1, "primary").status());
        assertEquals(List.of(ev(R1, HaState.BACKUP), ev(R1, HaState.PRIMARY)), sink.events());
    }

    @Test
    void fullBufferAnswers503AndKeepsWhatItHolds() throws IOException {
        Path socket = start(3);
        assertEquals(200, post(socket, R1, "primary").status());
        assertEquals(200, post(socket, R2, "primary").status());
        assertEquals(200, post(socket, R3, "primary").status());
        UdsClient.Reply full = post(socket, R4, "primary");
        assertEquals(503, full.status());
        assertEquals("no engine is taking notifications and 3 routers are held already\n", full.body());
        assertEquals(200, post(socket, R2, "backup").status(), "a router already held is updated");
        assertEquals(1L, endpoint.counters().get("rejected.buffer_full"));

        RecordingSink sink = new RecordingSink();
        endpoint.bindSink(sink);
        assertEquals(List.of(ev(R1, HaState.PRIMARY), ev(R3, HaState.PRIMARY), ev(R2, HaState.BACKUP)), sink.events());
        assertEquals(200, post(socket, R4, "primary").status());
    }

    @Test
    void deactivateLogsWhatIsStillHeld() throws IOException {
        Path socket = start(StateChangeEndpoint.HOLD_CAPACITY);
        assertEquals(200, post(socket, R1, "primary").status());
        assertEquals(200, post(socket, R2, "backup").status());
        try (LogCapture log = new LogCapture()) {
            endpoint.deactivate();
            String warn = log.text().lines().filter(l -> l.contains("WARN")).findFirst().orElse("");
            assertTrue(warn.contains("2 notification(s)") && warn.contains(R1 + "=primary")
                    && warn.contains(R2 + "=backup"), log.text());
        }
    }

    @Test
    void failureEscapingTheHandlerIsCountedAsAnError() throws IOException {
        // what the fuzz test relies on: a throwable escaping the handler is answered 500 and
        // counted in "errors"
        Path socket = start(StateChangeEndpoint.HOLD_CAPACITY);
        endpoint.bindSink((id, s) -> {
            throw new AssertionError("bug");
        });
        try (LogCapture log = new LogCapture()) {
            UdsClient.Reply r = post(socket, R1, "primary");
            assertEquals(500, r.status());
            assertEquals("internal error\n", r.body());
            assertTrue(log.text().contains("WARN org.l3ha.endpoint.impl.NotificationHandler - Internal error"), log.text());
        }
        assertEquals(1L, endpoint.counters().get("errors"));
    }

    // --- the buffer on its own ---

    @Test
    void bufferDeliversDirectlyWhileNothingIsHeld() {
        HoldingBuffer b = new HoldingBuffer(10);
        RecordingSink sink = new RecordingSink();
        b.bind(sink);
        assertEquals(HoldingBuffer.Outcome.DELIVERED, b.offer(R1, HaState.PRIMARY));
        assertEquals(List.of(ev(R1, HaState.PRIMARY)), sink.events());
        assertEquals(0, b.size());
    }

    @Test
    void failingSinkIsTreatedAsRefusing() {
        HoldingBuffer b = new HoldingBuffer(10);
        StateChangeSink broken = (id, s) -> {
            throw new IllegalStateException("boom");
        };
        b.bind(broken);
        assertEquals(HoldingBuffer.Outcome.HELD, b.offer(R1, HaState.PRIMARY));
        RecordingSink good = new RecordingSink();
        b.bind(good);
        assertEquals(List.of(ev(R1, HaState.PRIMARY)), good.events());
    }

    @Test
    void unbindingASinkThatWasAlreadyReplacedKeepsTheNewOne() {
        HoldingBuffer b = new HoldingBuffer(10);
        RecordingSink first = new RecordingSink();
        RecordingSink second = new RecordingSink();
        b.bind(first);
        b.bind(second);
        b.unbind(first);
        assertEquals(HoldingBuffer.Outcome.DELIVERED, b.offer(R1, HaState.BACKUP));
        assertEquals(1, second.size());
        b.unbind(second);
        assertEquals(HoldingBuffer.Outcome.HELD, b.offer(R1, HaState.BACKUP));
    }

    @Test
    void closeOffersOnceMoreAndReturnsTheRest() {
        HoldingBuffer b = new HoldingBuffer(10);
        b.offer(R1, HaState.PRIMARY);
        b.offer(R2, HaState.FAULT);
        assertEquals(Map.of(R1, HaState.PRIMARY, R2, HaState.FAULT), b.close());
        assertEquals(0, b.size());

        HoldingBuffer c = new HoldingBuffer(10);
        RecordingSink sink = new RecordingSink();
        sink.refuse = true;
        c.bind(sink);
        c.offer(R1, HaState.PRIMARY);
        sink.refuse = false;
        assertEquals(Map.of(), c.close());
        assertEquals(List.of(ev(R1, HaState.PRIMARY)), sink.events());
    }
}
