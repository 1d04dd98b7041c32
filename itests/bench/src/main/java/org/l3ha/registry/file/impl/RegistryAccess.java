package org.l3ha.registry.file.impl;

/** What DS does with the file registry, for the in-JVM scale harness (package-private methods). */
public final class RegistryAccess {
    private RegistryAccess() {
    }

    public static void deactivate(FileRouterRegistry registry) {
        registry.deactivate();
    }
}
