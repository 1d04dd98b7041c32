package org.l3ha.registry.file.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HealthResult;

class RegistryHealthTest {
    @TempDir
    Path tmp;

    @Test
    void healthSaysWhetherRoutersAreLoaded() throws Exception {
        Path dir = tmp.resolve("routers");
        FileRouterRegistry r = new FileRouterRegistry(Map.of("state_path", tmp.toString(), "routers_dir", dir.toString()),
                FileRouterRegistryTest.FAST);
        try {
            assertEquals(HealthResult.Status.CRITICAL, r.check().status(), r.check().message());
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("a.json"), "{\"id\": \"0b2c6e3a-1111-2222-3333-444455556666\"}");
            // the directory alone is OK with 0 routers: wait for the document too
            await().atMost(Duration.ofSeconds(10)).until(() -> r.check().status() == HealthResult.Status.OK
                    && r.check().message().startsWith("1 routers from "));
            Files.writeString(dir.resolve("b.json"), "{not json");
            await().atMost(Duration.ofSeconds(10)).until(() -> r.check().status() == HealthResult.Status.WARN);
            assertTrue(r.check().message().contains("b.json"), r.check().message());
        } finally {
            r.deactivate();
        }
    }
}
