package org.l3ha.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.l3ha.api.TransitionListener;
import org.l3ha.common.testing.LogCapture;

/** The listener services' calling order, names and generations, as published to the engine. */
class BoundListenersTest {
    final List<List<Transitions.Listener>> published = new ArrayList<>();
    final BoundListeners listeners = new BoundListeners(published::add);

    static final TransitionListener NOOP = (router, state) -> { };

    List<String> last() {
        return published.get(published.size() - 1).stream().map(l -> l.name() + "@" + l.generation()).toList();
    }

    @Test
    void ascendingOrderThenServiceIdAndAListenerWithoutAnOrderLast() {
        listeners.bind(NOOP, Map.of("service.id", 5L, "component.name", "none"));
        listeners.bind(NOOP, Map.of("service.id", 7L, "l3ha.order", 200, "component.name", "b"));
        listeners.bind(NOOP, Map.of("service.id", 9L, "l3ha.order", " 100 ", "component.name", "a-later"));
        listeners.bind(NOOP, Map.of("service.id", 3L, "l3ha.order", 100L, "component.name", "a-first"));
        assertEquals(List.of("a-first@4", "a-later@3", "b@2", "none@1"), last());
        assertEquals(4, published.size(), "published on every change");
    }

    @Test
    void aServiceBoundAgainReplacesItselfAsANewGenerationAndUnbindingRemovesIt() {
        listeners.bind(NOOP, Map.of("service.id", 1L, "l3ha.order", 1, "component.name", "ipv6"));
        listeners.bind(NOOP, Map.of("service.id", 2L, "l3ha.order", 2, "component.name", "radvd"));
        listeners.bind(NOOP, Map.of("service.id", 1L, "l3ha.order", 3, "component.name", "ipv6"));
        assertEquals(List.of("radvd@2", "ipv6@3"), last());
        listeners.unbind(Map.of("service.id", 2L));
        assertEquals(List.of("ipv6@3"), last());
    }

    @Test
    void aListenerWithoutAComponentNameIsNamedByItsClass() {
        listeners.bind(NOOP, Map.of("service.id", 1L));
        assertEquals(List.of(NOOP.getClass().getName() + "@1"), last());
    }

    @Test
    void anOrderThatIsNotAnIntegerComesLastWithAWarning() {
        try (LogCapture log = new LogCapture()) {
            assertEquals(Integer.MAX_VALUE, BoundListeners.order(Map.of("l3ha.order", "first")));
            assertEquals(1, log.lines("WARN", "Ignoring l3ha.order=first: not an integer").size(), log.text());
        }
        assertEquals(Integer.MAX_VALUE, BoundListeners.order(Map.of()));
        assertEquals(-4, BoundListeners.order(Map.of("l3ha.order", -4)));
    }
}
