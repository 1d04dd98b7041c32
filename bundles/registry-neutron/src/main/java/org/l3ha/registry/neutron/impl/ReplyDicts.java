package org.l3ha.registry.neutron.impl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import org.l3ha.common.routers.BadDocumentException;
import org.l3ha.common.routers.RouterParser;

/**
 * The router dicts of one sync_routers reply, read ({@link RouterParser#readRouterDict}): those
 * that could be used, those rejected with their router id, and those rejected without a usable id.
 * A router id that appears twice counts as its last dict.
 *
 * @param good router id to the router read
 * @param bad router id to why its dict was rejected (a JSON path and what was wrong)
 * @param unidentified one line per dict without a usable id: its place in the reply and why
 */
record ReplyDicts(Map<String, RouterParser.Parsed> good, Map<String, String> bad, List<String> unidentified) {

    static ReplyDicts read(JsonNode reply) {
        Map<String, RouterParser.Parsed> good = new LinkedHashMap<>();
        Map<String, String> bad = new LinkedHashMap<>();
        List<String> unidentified = new ArrayList<>();
        for (int i = 0; i < reply.size(); i++) {
            try {
                RouterParser.Parsed p = RouterParser.readRouterDict(reply.get(i));
                good.put(p.router().id(), p);
                bad.remove(p.router().id());
            } catch (BadDocumentException e) {
                Optional<String> id = e.routerId();
                if (id.isPresent()) {
                    bad.put(id.get(), e.getMessage());
                    good.remove(id.get());
                } else {
                    unidentified.add("element " + (i + 1) + " of " + reply.size() + ": " + e.getMessage());
                }
            }
        }
        return new ReplyDicts(good, bad, unidentified);
    }

    /** @return whether the reply names {@code id}, readable or not */
    boolean returned(String id) {
        return good.containsKey(id) || bad.containsKey(id);
    }

    int rejected() {
        return bad.size() + unidentified.size();
    }
}
