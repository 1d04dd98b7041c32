package org.l3ha.process.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The registered daemons on disk, {@code <state_path>/}{@value #FILE_NAME}, so that the next
 * activation (after a bundle update, a configuration change, a container restart) adopts them.
 *
 * <p>Format: UTF-8 lines. {@code #} starts a comment. {@code +} registers a daemon, {@code -}
 * unregisters one; the fields after it are {@code key=value}, separated by TAB, with {@code \\},
 * TAB, LF and CR escaped as {@code \\\\}, {@code \t}, {@code \n}, {@code \r}. A {@code +} line has
 * {@code service}, {@code uuid}, {@code namespace}, {@code pid_file}, {@code stop_signal},
 * {@code stop_timeout_ms}, {@code start_timeout_ms}, one {@code arg} per command-line argument in
 * order and one {@code env} ({@code NAME=value}) per environment variable; a {@code -} line has
 * {@code service} and {@code uuid}. Unknown keys are ignored.
 *
 * <p>Each change is appended as one complete line in a single write, so it costs the same with
 * 10 or 100,000 daemons; a line cut short by a crash (no final newline) is ignored, and so is a
 * line that cannot be read (logged by the caller). When the file holds more than twice as many
 * lines as there are daemons, it is rewritten with one {@code +} line per daemon into a temporary
 * file that atomically replaces it. Not thread-safe: the caller serialises access.
 */
final class DaemonJournal {

    static final String FILE_NAME = "l3ha-process-monitor.daemons";

    private static final String HEADER = "# l3ha process monitor: the daemons it monitors, adopted again on activation.\n"
            + "# One line per change: '+' registers, '-' unregisters; TAB-separated key=value fields.\n";
    private static final int COMPACTION_SLACK = 64;

    /** A line of the journal. */
    sealed interface Entry permits Add, Remove {
    }

    /** A {@code +} line. */
    record Add(DaemonRecord daemon) implements Entry {
    }

    /** A {@code -} line. */
    record Remove(DaemonRecord.Key key) implements Entry {
    }

    /**
     * What {@link #load()} found.
     *
     * @param daemons the registered daemons, in registration order
     * @param badLines how many lines could not be read (skipped)
     * @param firstProblem the first of them, "line N: reason", or null
     */
    record Loaded(Map<DaemonRecord.Key, DaemonRecord> daemons, int badLines, String firstProblem) {
    }

    private final Path file;
    /** Change lines in the file (not counting comments); drives compaction. */
    private int lines;

    DaemonJournal(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /**
     * Replays the file.
     *
     * @return the daemons registered at its end; none if it does not exist
     * @throws IOException if it exists but cannot be read
     */
    Loaded load() throws IOException {
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            lines = 0;
            return new Loaded(new LinkedHashMap<>(), 0, null);
        }
        LinkedHashMap<DaemonRecord.Key, DaemonRecord> daemons = new LinkedHashMap<>();
        int bad = 0;
        String first = null;
        int count = 0;
        int start = 0;
        int lineNo = 0;
        while (start < text.length()) {
            lineNo++;
            int end = text.indexOf('\n', start);
            if (end < 0) {
                bad++;
                first = first == null ? "line " + lineNo + ": cut short (no final newline)" : first;
                break;
            }
            String line = text.substring(start, end);
            start = end + 1;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            count++;
            try {
                Entry e = decode(line);
                if (e instanceof Add a) {
                    daemons.remove(a.daemon().key());
                    daemons.put(a.daemon().key(), a.daemon());
                } else if (e instanceof Remove r) {
                    daemons.remove(r.key());
                }
            } catch (IllegalArgumentException ex) {
                bad++;
                first = first == null ? "line " + lineNo + ": " + ex.getMessage() : first;
            }
        }
        lines = count;
        return new Loaded(daemons, bad, first);
    }

    /** Appends a {@code +} line for {@code daemon}. */
    void appendAdd(DaemonRecord daemon) throws IOException {
        append(encode(daemon));
    }

    /** Appends a {@code -} line for {@code key}. */
    void appendRemove(DaemonRecord.Key key) throws IOException {
        append(encodeRemove(key));
    }

    /** @return whether the file has grown to more than twice the lines {@code live} daemons need */
    boolean wantsCompaction(int live) {
        return lines > 2 * live + COMPACTION_SLACK;
    }

    /** Atomically replaces the file by one {@code +} line per daemon. */
    void rewrite(Collection<DaemonRecord> daemons) throws IOException {
        StringBuilder sb = new StringBuilder(HEADER);
        daemons.forEach(d -> sb.append(encode(d)));
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, sb.toString());
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        lines = daemons.size();
    }

    private void append(String line) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        boolean fresh = !Files.exists(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            writeFully(ch, fresh ? HEADER + line : line);
        }
        lines++;
    }

    private static void writeFully(FileChannel ch, String s) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    // ------------------------------------------------------------------ codec

    /** @return the {@code +} line (with its newline) for {@code d} */
    static String encode(DaemonRecord d) {
        StringBuilder sb = new StringBuilder(256).append('+');
        field(sb, "service", d.service());
        field(sb, "uuid", d.uuid());
        field(sb, "namespace", d.namespace());
        field(sb, "pid_file", d.pidFile().toString());
        field(sb, "stop_signal", Integer.toString(d.stopSignal()));
        field(sb, "stop_timeout_ms", Long.toString(d.stopTimeout().toMillis()));
        field(sb, "start_timeout_ms", Long.toString(d.startTimeout().toMillis()));
        d.command().forEach(a -> field(sb, "arg", a));
        new TreeMap<>(d.environment()).forEach((k, v) -> field(sb, "env", k + "=" + v));
        return sb.append('\n').toString();
    }

    /** @return the {@code -} line (with its newline) for {@code key} */
    static String encodeRemove(DaemonRecord.Key key) {
        StringBuilder sb = new StringBuilder(96).append('-');
        field(sb, "service", key.service());
        field(sb, "uuid", key.uuid());
        return sb.append('\n').toString();
    }

    /**
     * @param line one line, without its newline
     * @return what it says
     * @throws IllegalArgumentException with the reason if it cannot be read
     */
    static Entry decode(String line) {
        String[] parts = line.split("\t", -1);
        String op = parts[0];
        if (!op.equals("+") && !op.equals("-")) {
            throw new IllegalArgumentException("starts with '" + abbreviate(op) + "', not + or -");
        }
        Map<String, String> single = new HashMap<>();
        List<String> args = new ArrayList<>();
        Map<String, String> env = new HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("field " + i + " is not key=value");
            }
            String key = parts[i].substring(0, eq);
            String value = unescape(parts[i].substring(eq + 1));
            switch (key) {
                case "arg" -> args.add(value);
                case "env" -> {
                    int e = value.indexOf('=');
                    if (e <= 0) {
                        throw new IllegalArgumentException("env is not NAME=value");
                    }
                    env.put(value.substring(0, e), value.substring(e + 1));
                }
                default -> single.put(key, value);
            }
        }
        String service = required(single, "service");
        String uuid = required(single, "uuid");
        if (op.equals("-")) {
            return new Remove(new DaemonRecord.Key(service, uuid));
        }
        return new Add(new DaemonRecord(service, uuid, single.getOrDefault("namespace", ""),
                Path.of(required(single, "pid_file")), args, env,
                (int) number(single, "stop_signal", 15),
                Duration.ofMillis(number(single, "stop_timeout_ms", 5000)),
                Duration.ofMillis(number(single, "start_timeout_ms", 60000))));
    }

    private static void field(StringBuilder sb, String key, String value) {
        sb.append('\t').append(key).append('=');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (++i == s.length()) {
                throw new IllegalArgumentException("dangling backslash");
            }
            switch (s.charAt(i)) {
                case '\\' -> sb.append('\\');
                case 't' -> sb.append('\t');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                default -> throw new IllegalArgumentException("unknown escape \\" + s.charAt(i));
            }
        }
        return sb.toString();
    }

    private static String required(Map<String, String> fields, String key) {
        String v = fields.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no " + key);
        }
        return v;
    }

    private static long number(Map<String, String> fields, String key, long dflt) {
        String v = fields.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is not a number: " + abbreviate(v));
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
