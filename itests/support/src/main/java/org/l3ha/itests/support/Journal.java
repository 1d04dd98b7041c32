package org.l3ha.itests.support;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
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
 * It is followed as it grows: each call reads only what was appended since the previous one, and
 * only complete lines (a line being written, without its newline yet, waits for the next call).
 */
public final class Journal {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One batch: when the reporter wrote it, its host, and each router's state. */
    public record Line(Instant time, String host, Map<String, String> states) {
    }

    private final Path file;
    private long offset;
    private final List<Line> lines = new ArrayList<>();
    private final Map<String, String> latest = new HashMap<>();

    public Journal(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** @return every complete line written so far, oldest first */
    public synchronized List<Line> lines() throws IOException {
        read();
        return List.copyOf(lines);
    }

    /** @return the lines so far as text, or why they cannot be read: for a failure's report */
    public String describe() {
        try {
            return lines().toString();
        } catch (IOException e) {
            return "cannot read " + file + ": " + e;
        }
    }

    /** @return how many complete lines there are */
    public synchronized int size() throws IOException {
        read();
        return lines.size();
    }

    /** @return the newest state reported for each router so far */
    public synchronized Map<String, String> latest() throws IOException {
        read();
        return Map.copyOf(latest);
    }

    /** @return the newest state reported for {@code routerId}, or null */
    public synchronized String last(String routerId) throws IOException {
        read();
        return latest.get(routerId);
    }

    /** @return the states reported for {@code routerId} in journal lines {@code from..}, in order */
    public List<String> states(String routerId, int from) throws IOException {
        List<Line> all = lines();
        List<String> out = new ArrayList<>();
        for (Line l : all.subList(Math.min(from, all.size()), all.size())) {
            String s = l.states().get(routerId);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** @return the first line from {@code from} on that reports {@code state} for {@code routerId}, or null */
    public Line firstReport(String routerId, String state, int from) throws IOException {
        List<Line> all = lines();
        for (Line l : all.subList(Math.min(from, all.size()), all.size())) {
            if (state.equals(l.states().get(routerId))) {
                return l;
            }
        }
        return null;
    }

    private void read() throws IOException {
        byte[] data;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            if (length <= offset) {
                return;
            }
            data = new byte[Math.toIntExact(length - offset)];
            f.seek(offset);
            f.readFully(data);
        } catch (FileNotFoundException e) {
            return; // not written yet
        }
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n') {
                Line line = parse(new String(data, start, i - start, StandardCharsets.UTF_8));
                lines.add(line);
                latest.putAll(line.states());
                start = i + 1;
            }
        }
        offset += start;
    }

    private static Line parse(String line) throws IOException {
        JsonNode n = JSON.readTree(line);
        Map<String, String> states = new LinkedHashMap<>();
        n.get("states").properties().forEach(f -> states.put(f.getKey(), f.getValue().asText()));
        return new Line(Instant.parse(n.get("time").asText()), n.get("host").asText(), Collections.unmodifiableMap(states));
    }

    /** @return each router's reported states in journal order, from line {@code from} on */
    public static Map<String, List<String>> histories(List<Line> lines, int from) {
        Map<String, List<String>> out = new HashMap<>();
        for (Line l : lines.subList(Math.min(from, lines.size()), lines.size())) {
            l.states().forEach((id, s) -> out.computeIfAbsent(id, k -> new ArrayList<>()).add(s));
        }
        return out;
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
    public static boolean isSubsequence(List<String> sub, List<String> seq) {
        int i = 0;
        for (String s : seq) {
            if (i < sub.size() && sub.get(i).equals(s)) {
                i++;
            }
        }
        return i == sub.size();
    }

    /** @return the name neutron-server stores for a state word a monitor sends */
    public static String serverName(String word) {
        return switch (word) {
            case "primary", "master" -> "active";
            case "backup", "fault" -> "standby";
            default -> throw new IllegalArgumentException(word);
        };
    }
}
