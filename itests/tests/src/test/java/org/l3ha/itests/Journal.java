package org.l3ha.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The journal {@code <state_path>/ha-states.jsonl} as the reporter writes it: one complete line
 * per delivered batch, {@code {"time": ..., "host": ..., "states": {id: active|standby|unknown}}}.
 */
public final class Journal {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One batch. */
    public record Line(Instant time, String host, Map<String, String> states) {
    }

    private final Path file;

    public Journal(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** @return the complete lines written so far (a line being written, without its newline, is left out) */
    public List<Line> lines() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        if (end < 0) {
            return List.of();
        }
        List<Line> out = new ArrayList<>();
        for (String line : text.substring(0, end).split("\n")) {
            JsonNode n = JSON.readTree(line);
            Map<String, String> states = new LinkedHashMap<>();
            n.get("states").properties().forEach(f -> states.put(f.getKey(), f.getValue().asText()));
            out.add(new Line(Instant.parse(n.get("time").asText()), n.get("host").asText(), Collections.unmodifiableMap(states)));
        }
        return out;
    }

    /** @return how many complete lines there are */
    int size() throws IOException {
        return lines().size();
    }

    /** @return each router's reported states in journal order, from line {@code from} on */
    public static Map<String, List<String>> histories(List<Line> lines, int from) {
        Map<String, List<String>> out = new HashMap<>();
        for (Line l : lines.subList(Math.min(from, lines.size()), lines.size())) {
            l.states().forEach((id, s) -> out.computeIfAbsent(id, k -> new ArrayList<>()).add(s));
        }
        return out;
    }

    /** @return the newest state reported for {@code routerId}, or null */
    String last(String routerId) throws IOException {
        String last = null;
        for (Line l : lines()) {
            String s = l.states().get(routerId);
            if (s != null) {
                last = s;
            }
        }
        return last;
    }

    /** @return {@code states} with consecutive repeats collapsed */
    public static List<String> collapse(List<String> states) {
        List<String> out = new ArrayList<>(states.size());
        for (String s : states) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(s)) {
                out.add(s);
            }
        }
        return out;
    }

    /** @return whether {@code sub} is a subsequence of {@code seq} (same order, gaps allowed) */
    static boolean isSubsequence(List<String> sub, List<String> seq) {
        int i = 0;
        for (String s : seq) {
            if (i < sub.size() && sub.get(i).equals(s)) {
                i++;
            }
        }
        return i == sub.size();
    }

    /** @return the name neutron-server stores for a state word a monitor sends */
    static String serverName(String word) {
        return switch (word) {
            case "primary", "master" -> "active";
            case "backup", "fault" -> "standby";
            default -> throw new IllegalArgumentException(word);
        };
    }
}
