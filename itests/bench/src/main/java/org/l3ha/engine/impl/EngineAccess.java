package org.l3ha.engine.impl;

import org.l3ha.api.RouterRegistry;
import org.l3ha.api.StateBatcher;

/** What DS does with the engine, for the in-JVM scale harness (the bind methods are package-private). */
public final class EngineAccess {
    private EngineAccess() {
    }

    public static void bindRegistry(EngineComponent engine, RouterRegistry registry) {
        engine.bindRegistry(registry);
    }

    public static void bindBatcher(EngineComponent engine, StateBatcher batcher) {
        engine.bindBatcher(batcher);
    }

    public static void deactivate(EngineComponent engine) {
        engine.deactivate();
    }
}
