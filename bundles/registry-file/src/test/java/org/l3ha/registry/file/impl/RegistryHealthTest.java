package org.l3ha.registry.file.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

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

    @Test
    void aSnapshotsBadAndIncompleteFilesAreAWarningNamingAtMostTenOfEach() {
        Map<String, String> bad = new TreeMap<>();
        for (int i = 0; i < RegistryHealth.MAX_NAMES_IN_HEALTH + 2; i++) {
            bad.put(String.format("a%02d.json", i), "bad");
        }
        Snapshot s = new Snapshot(tmp, Map.of(), bad, Map.of("z\nz.json", "a subnet"), 0);
        HealthResult h = new RegistryHealth().check(s);
        assertEquals(HealthResult.Status.WARN, h.status(), h.message());
        assertEquals("0 routers from " + tmp + "; 12 bad documents skipped: a00.json, a01.json, a02.json, a03.json, "
                + "a04.json, a05.json, a06.json, a07.json, a08.json, a09.json, ... (2 more); 1 documents loaded without "
                + "subnets radvd cannot advertise: z\\x0az.json", h.message());

        HealthResult clean = new RegistryHealth().check(Snapshot.empty(tmp));
        assertEquals(HealthResult.Status.OK, clean.status(), clean.message());

        HealthResult missing = new RegistryHealth().check(Snapshot.empty(tmp.resolve("missing")));
        assertEquals(HealthResult.Status.CRITICAL, missing.status(), missing.message());
        assertTrue(missing.message().endsWith("does not exist: no router is managed"), missing.message());
    }
}
