package org.l3ha.oslo.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Comparisons of oslo.messaging messages: ours against what oslo.messaging itself sends. */
public final class OsloMessages {
    private OsloMessages() {
    }

    /** Same keys in the same order, same method/version/args, same JSON type for every value. */
    public static void assertSameStructure(ObjectNode theirs, ObjectNode ours) {
        assertEquals(keys(theirs), keys(ours), "inner message keys (in order)");
        assertEquals(theirs.get("method"), ours.get("method"));
        assertEquals(theirs.get("version"), ours.get("version"));
        assertEquals(theirs.get("args"), ours.get("args"));
        for (String k : keys(theirs)) {
            assertEquals(theirs.get(k).getNodeType(), ours.get(k).getNodeType(), "JSON type of " + k);
        }
        assertEquals(new TreeSet<>(texts(theirs.get("_context_roles"))), new TreeSet<>(texts(ours.get("_context_roles"))));
        for (String flag : List.of("_context_is_admin", "_context_read_only", "_context_show_deleted",
                "_context_is_admin_project", "_context_user_identity")) {
            assertEquals(theirs.get(flag), ours.get(flag), flag);
        }
        assertTrue(ours.get("_unique_id").asText().matches("[0-9a-f]{32}"));
        assertTrue(ours.get("_context_request_id").asText().matches("req-[0-9a-f-]{36}"));
        String ts = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6}";
        assertTrue(theirs.get("_context_timestamp").asText().matches(ts));
        assertTrue(ours.get("_context_timestamp").asText().matches(ts));
    }

    public static List<String> keys(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.asText()));
        return out;
    }
}
