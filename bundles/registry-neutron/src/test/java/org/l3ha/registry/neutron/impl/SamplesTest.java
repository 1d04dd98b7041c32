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

import org.l3ha.common.RouterIds;
import org.l3ha.common.routers.BadDocumentException;
import org.l3ha.common.routers.RouterParser;

/**
 * The samples kept beside this class: sync_routers replies ({@code *sync_routers*.json}: those
 * captured from a real neutron-server, {@code sync_routers-<node>.json}, and one written by hand
 * in the shape of those, {@code example-sync_routers-reply.json}) are read without a rejected
 * dict, and a registry fed with one holds exactly its routers; captured get_router_ids replies
 * ({@code get_router_ids-<node>.json}) are lists of router ids; captured notifications
 * ({@code notification-<method>.json}, the message as it sits in the queue: an oslo.messaging 2.0
 * envelope whose {@code oslo.message} holds {@code method} and {@code args}) do what their method
 * says.
 */
class SamplesTest {

    static List<Path> samples(String namePart) throws Exception {
        Path dir;
        try {
            dir = Path.of(SamplesTest.class.getResource("").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().contains(namePart)
                    && p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
    }

    static List<DynamicTest> each(List<Path> samples, Check check) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path p : samples) {
            tests.add(DynamicTest.dynamicTest(p.getFileName().toString(), () -> check.check(p)));
        }
        return tests;
    }

    interface Check {
        void check(Path sample) throws Exception;
    }

    @TestFactory
    List<DynamicTest> everySyncRoutersReplyIsReadWhole() throws Exception {
        List<Path> samples = samples("sync_routers");
        assertFalse(samples.isEmpty(), "at least the example reply");
        return each(samples, SamplesTest::syncRouters);
    }

    @TestFactory
    List<DynamicTest> everyGetRouterIdsReplyIsAListOfIds() throws Exception {
        return each(samples("get_router_ids"), sample -> {
            JsonNode reply = Dicts.JSON.readTree(sample.toFile());
            assertTrue(reply.isArray(), "a list");
            for (JsonNode id : reply) {
                assertTrue(id.isTextual() && RouterIds.isUuid(id.textValue()), () -> "a router id: " + id);
            }
        });
    }

    @TestFactory
    List<DynamicTest> everyNotificationDoesWhatItsMethodSays() throws Exception {
        return each(samples("notification-"), SamplesTest::notification);
    }

    static void notification(Path sample) throws Exception {
        JsonNode envelope = Dicts.JSON.readTree(sample.toFile());
        JsonNode message = envelope.has("oslo.message")
                ? Dicts.JSON.readTree(envelope.get("oslo.message").textValue()) : envelope;
        String method = message.get("method").textValue();
        L3Notification n = L3Notification.decode(method, message.get("args"));
        assertTrue(n.method() != null, () -> method + " is a method the registry acts on");
        assertEquals(null, n.malformed());
        assertEquals(List.of(), n.problems());
        assertFalse(n.ids().isEmpty());

        Fixture f = new Fixture();
        for (String id : n.ids()) {
            f.rpc.put(Dicts.router(id));
        }
        f.started();
        f.rpc.clearCalls();
        f.told();
        f.rpc.put(Dicts.router(n.ids().get(0), 1300));
        f.registry.events().notification(method, message.get("args"));
        f.scheduler.runReady();
        if (n.method().removes()) {
            assertEquals(List.of(), f.rpc.calls());
            assertEquals(Set.of(), f.ids());
        } else {
            assertEquals(n.ids(), f.rpc.calls("sync_routers").get(0).ids());
            assertEquals(1300, f.registry.find(n.ids().get(0)).orElseThrow().interfaces().get(0).mtu());
        }
        assertEquals(List.of(Set.of(n.ids().get(0))), f.told().subList(0, 1));
    }

    static void syncRouters(Path sample) throws Exception {
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
