package org.l3ha.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Follows l3ha's journal ({@code ha-states.jsonl}) as it grows: one batch per line. */
final class Journal {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One line: when it was written (the reporter's clock) and its states. */
    record Batch(long epochMillis, Map<String, String> states) {
    }

    private final Path path;
    private long offset;
    private final List<Batch> batches = new ArrayList<>();
    private final Map<String, String> last = new HashMap<>();

    Journal(Path path) {
        this.path = path;
    }

    /** Reads lines appended since the last call (complete lines only). @return the newest state per router seen so far */
    Map<String, String> read() throws IOException {
        if (!Files.exists(path)) {
            return last;
        }
        byte[] data;
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            long len = f.length();
            if (len <= offset) {
                return last;
            }
            data = new byte[(int) (len - offset)];
            f.seek(offset);
            f.readFully(data);
        }
        int end = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n') {
                String line = new String(data, end, i - end, StandardCharsets.UTF_8);
                end = i + 1;
                JsonNode n = JSON.readTree(line);
                Map<String, String> states = new HashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = n.get("states").fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    states.put(e.getKey(), e.getValue().asText());
                }
                batches.add(new Batch(Instant.parse(n.get("time").asText()).toEpochMilli(), states));
                last.putAll(states);
            }
        }
        offset += end;
        return last;
    }

    Map<String, String> seen() {
        return last;
    }

    /** @return every batch read so far, oldest first */
    List<Batch> batches() {
        return batches;
    }
}
