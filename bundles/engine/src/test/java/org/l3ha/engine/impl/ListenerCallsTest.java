package org.l3ha.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.api.HaState.BACKUP;
import static org.l3ha.api.HaState.PRIMARY;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.l3ha.api.HaState;
import org.l3ha.api.Router;
import org.l3ha.api.TransitionListener;
import org.l3ha.common.Counters;
import org.l3ha.common.testing.LogCapture;

/** One listener call: failures never escape, are always counted and logged once per router until a success. */
class ListenerCallsTest {
    static final String R1 = "11111111-1111-1111-1111-111111111111";
    static final String R2 = "22222222-2222-2222-2222-222222222222";

    final Counters counters = new Counters();
    final ListenerCalls calls = new ListenerCalls(counters);
    final AtomicBoolean broken = new AtomicBoolean(true);
    final List<String> removed = new ArrayList<>();
    final Transitions.Listener ipv6 = new Transitions.Listener(new TransitionListener() {
        @Override
        public void apply(Router router, HaState state) throws Exception {
            if (broken.get()) {
                throw new IllegalStateException("namespace missing");
            }
        }

        @Override
        public void remove(String routerId) throws Exception {
            removed.add(routerId);
            if (broken.get()) {
                throw new NoClassDefFoundError("bundle being updated");
            }
        }
    }, "ipv6", 1);

    long failures(String key) {
        return counters.get(key);
    }

    @Test
    void aFailingApplyIsLoggedOncePerRouterUntilItSucceedsAndEveryFailureCounted() {
        try (LogCapture log = new LogCapture()) {
            calls.apply(R1, ipv6, Fakes.router(R1), BACKUP);
            calls.apply(R1, ipv6, Fakes.router(R1), PRIMARY);
            calls.apply(R2, ipv6, Fakes.router(R2), BACKUP);
            assertEquals(1, log.lines("ERROR", R1, "listener ipv6 failed to apply backup", "namespace missing").size(),
                    log.text());
            assertEquals(1, log.lines("ERROR", R2, "listener ipv6 failed").size(), "per router: " + log.text());
            assertEquals(3, failures("listener_failures"));
            assertEquals(3, failures("listener_failures.ipv6"));

            broken.set(false);
            calls.apply(R1, ipv6, Fakes.router(R1), PRIMARY);
            calls.apply(R1, ipv6, Fakes.router(R1), BACKUP);
            assertEquals(1, log.lines("INFO", R1, "listener ipv6 applied primary again").size(), log.text());
            assertEquals(1, log.lines(R1, "applied").size(), "the recovery once: " + log.text());

            broken.set(true);
            calls.apply(R1, ipv6, Fakes.router(R1), PRIMARY);
            assertEquals(2, log.lines("ERROR", R1, "listener ipv6 failed").size(), "failing again after a success: " + log.text());
        }
    }

    @Test
    void aFailingRemovalIsLoggedEveryTimeAndCounted() {
        try (LogCapture log = new LogCapture()) {
            assertFalse(calls.remove(R1, ipv6));
            assertFalse(calls.remove(R1, ipv6));
            assertEquals(2, log.lines("ERROR", R1, "listener ipv6 failed to remove the router", "bundle being updated").size(),
                    log.text());
        }
        broken.set(false);
        assertTrue(calls.remove(R1, ipv6));
        assertEquals(List.of(R1, R1, R1), removed);
        assertEquals(2, failures("listener_failures.ipv6"));
    }

    @Test
    void aForgottenRoutersNextFailureIsLoggedAsAFirstOne() {
        try (LogCapture log = new LogCapture()) {
            calls.apply(R1, ipv6, Fakes.router(R1), BACKUP);
            calls.apply(R2, ipv6, Fakes.router(R2), BACKUP);
            calls.forget(R1);
            calls.apply(R1, ipv6, Fakes.router(R1), BACKUP);
            calls.apply(R2, ipv6, Fakes.router(R2), BACKUP);
            assertEquals(2, log.lines("ERROR", R1, "listener ipv6 failed").size(), log.text());
            assertEquals(1, log.lines("ERROR", R2, "listener ipv6 failed").size(), "the other router is not forgotten");
        }
    }
}
