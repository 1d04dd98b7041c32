package org.l3ha.engine.impl;

import java.util.HashMap;
import java.util.Map;

import org.l3ha.common.testing.AgentConfigs;

/** Activates and modifies the engine component as Declarative Services does, from a map of agent options. */
final class EngineActivation {
    private EngineActivation() {
    }

    static DebouncingTransitionEngine activate(Map<String, ?> props) {
        return new DebouncingTransitionEngine(AgentConfigs.of(props), new HashMap<>(props));
    }

    static void modify(DebouncingTransitionEngine engine, Map<String, ?> props) {
        engine.modified(AgentConfigs.of(props), new HashMap<>(props));
    }
}
