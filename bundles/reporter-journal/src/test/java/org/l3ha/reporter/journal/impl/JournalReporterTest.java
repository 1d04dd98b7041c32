package org.l3ha.reporter.journal.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.common.ConfigException;

class JournalReporterTest {
    private static final String R1 = "0b2c6e3a-1111-2222-3333-444455556661";
    private static final String R2 = "0b2c6e3a-1111-2222-3333-444455556662";
    private static final String R3 = "0b2c6e3a-1111-2222-3333-444455556663";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tmp;

    private Map<String, Object> config(String... keyValues) {
        Map<String, Object> props = new HashMap<>();
        props.put("state_path", tmp.resolve("state").toString());
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        return props;
    }

    private static Clock fixed(String instant) {
        return Clock.fixed(Instant.parse(instant), ZoneOffset.UTC);
    }

    private static Map<String, String> states(String... idState) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < idState.length; i += 2) {
            m.put(idState[i], idState[i + 1]);
        }
        return m;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void lineHasTheExactContractFormat() throws Exception {
        Path journal = tmp.resolve("j.jsonl");
        JournalReporter r = new JournalReporter(config("path", journal.toString(), "host", "node-1"),
                fixed("2026-11-25T17:13:25.123Z"));
        r.report(states(R1, "active", R2, "standby", R3, "unknown"));

        String content = Files.readString(journal, StandardCharsets.UTF_8);
        assertEquals("{\"time\": \"2026-11-25T17:13:25.123Z\", \"host\": \"node-1\", \"states\": {\"" + R1
                + "\": \"active\", \"" + R2 + "\": \"standby\", \"" + R3 + "\": \"unknown\"}}\n", content);

        JsonNode line = MAPPER.readTree(content);
        assertEquals(List.of("time", "host", "states"), fieldNames(line));
        assertEquals("2026-11-25T17:13:25.123Z", line.get("time").asText());
        assertEquals("node-1", line.get("host").asText());
        assertEquals(List.of(R1, R2, R3), fieldNames(line.get("states")));
        assertEquals("standby", line.get("states").get(R2).asText());
    }

    @Test
    void millisecondsAreAlwaysThreeDigitsAndEmptyBatchesAreValid() throws Exception {
        Path journal = tmp.resolve("j.jsonl");
        JournalReporter r = new JournalReporter(config("path", journal.toString(), "host", "h"),
                fixed("2026-01-02T03:04:05Z"));
        r.report(Map.of());
        assertEquals("{\"time\": \"2026-01-02T03:04:05.000Z\", \"host\": \"h\", \"states\": {}}\n",
                Files.readString(journal));
    }

    @Test
    void timeIsParseableIso8601UtcFromTheRealClock() throws Exception {
        Path journal = tmp.resolve("j.jsonl");
        JournalReporter r = new JournalReporter(config("path", journal.toString()));
        long before = Instant.now().toEpochMilli();
        r.report(states(R1, "active"));
        long after = Instant.now().toEpochMilli();
        String time = MAPPER.readTree(Files.readString(journal)).get("time").asText();
        assertTrue(time.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z"), time);
        long at = Instant.parse(time).toEpochMilli();
        assertTrue(at >= before && at <= after, time);
    }

    @Test
    void eachBatchAppendsOneLineAndKeepsWhatWasThere() throws Exception {
        Path journal = tmp.resolve("j.jsonl");
        Files.writeString(journal, "{\"earlier\": true}\n");
        JournalReporter r = new JournalReporter(config("path", journal.toString(), "host", "n"));
        r.report(states(R1, "active"));
        r.report(states(R2, "standby", R1, "standby"));
        r.report(states(R3, "unknown"));
        List<String> lines = Files.readAllLines(journal);
        assertEquals(4, lines.size());
        assertEquals("{\"earlier\": true}", lines.get(0));
        assertEquals(Map.of(R1, "active"), MAPPER.convertValue(MAPPER.readTree(lines.get(1)).get("states"), Map.class));
        assertEquals(List.of(R2, R1), fieldNames(MAPPER.readTree(lines.get(2)).get("states")));
        assertEquals("unknown", MAPPER.readTree(lines.get(3)).get("states").get(R3).asText());
        assertTrue(Files.readString(journal).endsWith("}\n"));
    }

    @Test
    void orderOfStatesIsKept() throws Exception {
        Path journal = tmp.resolve("j.jsonl");
        JournalReporter r = new JournalReporter(config("path", journal.toString()));
        Map<String, String> batch = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        for (int i = 99; i >= 0; i -= 3) { // not sorted, not hash order
            String id = String.format("0b2c6e3a-1111-2222-3333-%012d", (i * 7919) % 1000);
            batch.put(id, i % 2 == 0 ? "active" : "standby");
            order.add(id);
        }
        r.report(batch);
        assertEquals(order, fieldNames(MAPPER.readTree(Files.readString(journal)).get("states")));
    }

    @Test
    void unicodeAndSpecialCharactersAreEscapedLikeJsonDumps() throws Exception {
        Path journal = tmp.resolve("j.jsonl");
        String host = "n\u00f6de-\u2603-\uD834\uDD1E";
        String oddKey = "quote\" back\\slash\nnewline\ttab\u007fdel";
        JournalReporter r = new JournalReporter(config("path", journal.toString(), "host", host));
        r.report(states(oddKey, "active", "\u00e9t\u00e9", "standby"));

        byte[] bytes = Files.readAllBytes(journal);
        for (byte b : bytes) {
            assertTrue(b >= 0x20 && b < 0x7f || b == '\n', "not printable ASCII: " + b);
        }
        String content = new String(bytes, StandardCharsets.US_ASCII);
        assertEquals(1, content.split("\n", -1).length - 1, "exactly one line");
        assertTrue(content.contains("\"host\": \"n\\u00f6de-\\u2603-\\ud834\\udd1e\""), content);
        JsonNode line = MAPPER.readTree(content);
        assertEquals(host, line.get("host").asText());
        assertEquals(List.of(oddKey, "\u00e9t\u00e9"), fieldNames(line.get("states")));
    }

    @Test
    void missingParentDirectoriesAreCreated() throws Exception {
        Path journal = tmp.resolve("a/b/c/journal.jsonl");
        JournalReporter r = new JournalReporter(config("path", journal.toString()));
        r.report(states(R1, "active"));
        assertEquals(1, Files.readAllLines(journal).size());
    }

    @Test
    void defaultPathIsUnderStatePath() throws Exception {
        JournalReporter r = new JournalReporter(config());
        Path expected = tmp.resolve("state/ha-states.jsonl");
        assertEquals(expected, r.target().path());
        r.report(states(R1, "standby"));
        assertTrue(Files.isRegularFile(expected));
    }

    @Test
    void statePathIsSubstitutedInPath() {
        assertEquals(tmp.resolve("state/journals/x.jsonl"),
                new JournalReporter(config("path", "$state_path/journals/x.jsonl")).target().path());
        assertEquals(tmp.resolve("state/y.jsonl"),
                new JournalReporter(config("path", "${state_path}/y.jsonl")).target().path());
        assertEquals(Path.of("/var/lib/neutron/ha-states.jsonl"), new JournalReporter(Map.of()).target().path());
    }

    @Test
    void hostDefaultsToTheMachineHostName() throws Exception {
        Process p = new ProcessBuilder("hostname").redirectErrorStream(true).start();
        String hostname;
        try (InputStream in = p.getInputStream()) {
            hostname = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertFalse(hostname.isEmpty());

        Path journal = tmp.resolve("j.jsonl");
        JournalReporter r = new JournalReporter(config("path", journal.toString()));
        r.report(states(R1, "active"));
        assertEquals(hostname, MAPPER.readTree(Files.readString(journal)).get("host").asText());
    }

    @Test
    void hostComesFromTheAgentConfiguration() throws Exception {
        Path journal = tmp.resolve("j.jsonl");
        JournalReporter r = new JournalReporter(config("path", journal.toString(), "host", "network-node-7"));
        r.report(states(R1, "active"));
        assertEquals("network-node-7", MAPPER.readTree(Files.readString(journal)).get("host").asText());
    }

    @Test
    void unwritablePathThrowsAndALaterReportSucceedsOnceFixed() throws Exception {
        Path journal = tmp.resolve("j.jsonl");
        Files.createDirectory(journal); // a directory where the file should be
        JournalReporter r = new JournalReporter(config("path", journal.toString()));
        assertThrows(IOException.class, () -> r.report(states(R1, "active")));
        assertTrue(Files.isDirectory(journal));

        Files.delete(journal);
        r.report(states(R1, "standby"));
        List<String> lines = Files.readAllLines(journal);
        assertEquals(1, lines.size());
        assertEquals("standby", MAPPER.readTree(lines.get(0)).get("states").get(R1).asText());
    }

    @Test
    void lineIsInTheFileWhenReportReturnsAndNoHandleStaysOpen() throws Exception {
        Path journal = tmp.resolve("j.jsonl");
        JournalReporter r = new JournalReporter(config("path", journal.toString()));
        for (int i = 1; i <= 5; i++) {
            r.report(states(R1, i % 2 == 0 ? "active" : "standby"));
            assertEquals(i, Files.readAllLines(journal).size(), "right after report " + i);
        }
        assertFalse(openFiles().contains(journal.toRealPath()), "journal still open");
    }

    @Test
    void rotationByRenameStartsAFreshFile() throws Exception {
        Path journal = tmp.resolve("j.jsonl");
        JournalReporter r = new JournalReporter(config("path", journal.toString()));
        r.report(states(R1, "active"));
        Path rotated = tmp.resolve("j.jsonl.1");
        Files.move(journal, rotated);
        r.report(states(R2, "standby"));
        assertEquals(1, Files.readAllLines(rotated).size());
        assertEquals(1, Files.readAllLines(journal).size());
        assertTrue(Files.readString(journal).contains(R2));
        assertFalse(Files.readString(rotated).contains(R2));
    }

    @Test
    void modifiedTakesANewPathAndHost() throws Exception {
        Path first = tmp.resolve("first.jsonl");
        Path second = tmp.resolve("second/second.jsonl");
        JournalReporter r = new JournalReporter(config("path", first.toString(), "host", "a"));
        r.report(states(R1, "active"));
        r.modified(config("path", second.toString(), "host", "b"));
        r.report(states(R2, "active"));
        assertEquals(1, Files.readAllLines(first).size());
        assertEquals("b", MAPPER.readTree(Files.readString(second)).get("host").asText());
    }

    @Test
    void modifiedRejectsAnInvalidConfigurationWithAnErrorAndKeepsTheLastGoodOne() throws Exception {
        Path journal = tmp.resolve("j.jsonl");
        JournalReporter r = new JournalReporter(config("path", journal.toString(), "host", "a"));
        String log = captureStderr(() -> r.modified(config("path", "relative/journal.jsonl", "host", "b")));
        assertTrue(log.contains("ERROR") && log.contains("path='relative/journal.jsonl'"), log);
        Map<String, Object> badAgent = config("path", journal.toString(), "host", "b");
        badAgent.put("state_path", "not/absolute");
        log = captureStderr(() -> r.modified(badAgent));
        assertTrue(log.contains("ERROR") && log.contains("state_path='not/absolute'"), log);
        assertEquals(new JournalReporter.Target(journal, "a"), r.target());
        r.report(states(R1, "active"));
        assertEquals("a", MAPPER.readTree(Files.readString(journal)).get("host").asText());
    }

    @Test
    void invalidConfigurationAtActivationIsRejected() {
        String[] message = new String[1];
        String log = captureStderr(() -> message[0] = assertThrows(ConfigException.class,
                () -> new JournalReporter(config("path", "journal.jsonl"))).getMessage());
        assertTrue(message[0].contains("path='journal.jsonl'"), message[0]);
        assertTrue(message[0].contains("org.l3ha.reporter.journal"), message[0]);
        assertTrue(log.contains("ERROR") && log.contains("path='journal.jsonl'"), log);
    }

    @Test
    void generatedDescriptorsNameTheComponentPidsReporterAndDesignate() throws Exception {
        String component = resource("OSGI-INF/org.l3ha.reporter.journal.xml");
        assertTrue(component.contains("name=\"org.l3ha.reporter.journal\""), component);
        assertTrue(component.contains("configuration-pid=\"org.l3ha.agent org.l3ha.reporter.journal\""), component);
        assertTrue(component.contains("<property name=\"l3ha.reporter\" type=\"String\" value=\"journal\"/>"), component);
        assertTrue(component.contains("<provide interface=\"org.l3ha.api.StateReporter\"/>"), component);
        String metatype = resource("OSGI-INF/metatype/org.l3ha.reporter.journal.impl.JournalReporter$Config.xml");
        assertTrue(metatype.contains("<Designate pid=\"org.l3ha.reporter.journal\">"), metatype);
        assertTrue(metatype.contains("id=\"path\"") && metatype.contains("default=\"$state_path/ha-states.jsonl\""),
                metatype);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = JournalReporter.class.getClassLoader().getResourceAsStream(name)) {
            assertTrue(in != null, "missing " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** @return the files this JVM has open (Linux /proc) */
    private static List<Path> openFiles() throws IOException {
        List<Path> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    open.add(Files.readSymbolicLink(fd));
                } catch (IOException e) {
                    // closed meanwhile (e.g. the fd of the listing itself)
                }
            }
        }
        return open;
    }

    private static synchronized String captureStderr(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void lineIsByteForByteWhatPythonJsonDumpsWrites() throws Exception {
        String host = "n\u00f6de-\u2603-\uD834\uDD1E";
        Map<String, String> batch = states(R1, "active",
                "quote\" back\\slash\nnewline\ttab\u0001ctl\u007fdel/slash", "standby",
                "\u00e9t\u00e9", "unknown", "", "active");
        String time = "2026-11-25T17:13:25.123Z";
        Path journal = tmp.resolve("j.jsonl");
        JournalReporter r = new JournalReporter(config("path", journal.toString(), "host", host), fixed(time));
        r.report(batch);

        // Python reads each value as hex-encoded UTF-8 on its own line, so no locale is involved
        StringBuilder input = new StringBuilder();
        List<String> values = new ArrayList<>(List.of(time, host));
        batch.forEach((k, v) -> {
            values.add(k);
            values.add(v);
        });
        for (String v : values) {
            input.append('x').append(HexFormat.of().formatHex(v.getBytes(StandardCharsets.UTF_8))).append('\n');
        }
        String script = "import sys, json\n"
                + "v = [bytes.fromhex(l[1:]).decode('utf-8') for l in sys.stdin.read().split('\\n') if l]\n"
                + "sys.stdout.write(json.dumps({'time': v[0], 'host': v[1], 'states': dict(zip(v[2::2], v[3::2]))}) + '\\n')\n";
        Process p;
        try {
            p = new ProcessBuilder("python3", "-c", script).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            Assumptions.abort("python3 not available: " + e);
            return;
        }
        byte[] expected;
        try {
            p.getOutputStream().write(input.toString().getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().close();
            expected = p.getInputStream().readAllBytes();
        } finally {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        assertEquals(0, p.exitValue());
        assertEquals(new String(expected, StandardCharsets.UTF_8), Files.readString(journal, StandardCharsets.UTF_8));
        assertArrayEquals(expected, Files.readAllBytes(journal));
    }

    @Test
    void lineBytesAreExactlyWhatIsAppended() throws Exception {
        Path journal = tmp.resolve("j.jsonl");
        JournalReporter r = new JournalReporter(config("path", journal.toString(), "host", "h"),
                fixed("2026-11-25T17:13:25.123Z"));
        byte[] line = r.line(Instant.parse("2026-11-25T17:13:25.123Z").toEpochMilli(), "h", states(R1, "active"));
        r.report(states(R1, "active"));
        assertArrayEquals(line, Files.readAllBytes(journal));
    }
}
