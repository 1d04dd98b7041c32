package org.l3ha.registry.file.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.l3ha.api.RouterRegistryListener;
import org.l3ha.common.testing.LogCapture;

class RegistryListenersTest {

    @Test
    void aListenerThatThrowsIsLoggedAndTheOthersAreStillTold() {
        RegistryListeners listeners = new RegistryListeners();
        List<Set<String>> told = new ArrayList<>();
        RouterRegistryListener failing = new RouterRegistryListener() {
            @Override
            public void routersChanged(Set<String> ids) {
                throw new IllegalStateException("boom");
            }

            @Override
            public String toString() {
                return "failing-listener";
            }
        };
        listeners.add(failing);
        listeners.add(told::add);
        try (LogCapture log = new LogCapture()) {
            listeners.tell(Set.of("x"));
            assertEquals(List.of(Set.of("x")), told);
            assertTrue(log.has("WARN", "Router registry listener failing-listener failed on 1 changed routers"),
                    log.text());
        }
    }

    @Test
    void nobodyIsToldOfNothingOrAfterRemoval() {
        RegistryListeners listeners = new RegistryListeners();
        List<Set<String>> told = new ArrayList<>();
        RouterRegistryListener l = told::add;
        listeners.add(l);
        listeners.tell(Set.of());
        listeners.remove(l);
        listeners.tell(Set.of("x"));
        assertEquals(List.of(), told);
    }
}
