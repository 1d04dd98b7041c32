package org.l3ha.registry.neutron.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import org.l3ha.common.routers.BadDocumentException;
import org.l3ha.common.routers.RouterParser;

/**
 * Every sync_routers reply kept beside this class ({@code *sync_routers*.json}: the replies captured
 * from a real neutron-server, {@code sync_routers-<node>.json}, and one written by hand from
 * NEUTRON-SERVER.md, {@code example-sync_routers-reply.json}) is read without a rejected dict, and
 * a registry fed with it holds exactly its routers.
 */
class SamplesTest {

    static List<Path> samples() throws Exception {
        Path dir;
        try {
            dir = Path.of(SamplesTest.class.getResource("").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().contains("sync_routers")
                    && p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
    }

    @TestFactory
    List<DynamicTest> everySampleIsReadWhole() throws Exception {
        List<Path> samples = samples();
        assertFalse(samples.isEmpty(), "at least the example reply");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path p : samples) {
            tests.add(DynamicTest.dynamicTest(p.getFileName().toString(), () -> check(p)));
        }
        return tests;
    }

    static void check(Path sample) throws Exception {
        JsonNode reply = Dicts.JSON.readTree(sample.toFile());
        assertTrue(reply.isArray(), "a sync_routers reply is a list");
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < reply.size(); i++) {
            try {
                RouterParser.Parsed parsed = RouterParser.readRouterDict(reply.get(i));
                ids.add(parsed.router().id());
                assertEquals(List.of(), parsed.skipped(), "element " + i);
            } catch (BadDocumentException e) {
                fail("element " + i + " (router " + e.routerId().orElse("?") + ") rejected: " + e.getMessage());
            }
        }

        Fixture f = new Fixture();
        for (JsonNode r : reply) {
            f.rpc.put((ObjectNode) r);
        }
        f.started();
        assertEquals(ids, f.ids());
        assertEquals(0, f.counter("dicts_rejected"));
        assertEquals(reply.size(), f.counter("routers_fetched"));
        for (String id : ids) {
            assertTrue(f.registry.find(id).orElseThrow().haInterface().isPresent() || !f.registry.find(id).get().ha(),
                    "an HA router has its HA port");
        }
    }
}
