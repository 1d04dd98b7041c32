package org.l3ha.process.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import org.l3ha.common.LogText;
import org.l3ha.common.RouterIds;
import org.l3ha.common.SafeFiles;

/**
 * Which daemons the process manager monitors, on disk, {@code <state_path>/}{@value #FILE_NAME},
 * so that the next activation (after a bundle update, a configuration change, a container
 * restart) adopts them.
 *
 * <p>It names daemons, never how to run them: {@code state_path} belongs to another account on a
 * Neutron node, so whatever is in this file may have been written by that account. Each daemon is
 * recorded by its service name and router id only; the process manager asks the bundle that runs
 * such daemons for the command ({@link org.l3ha.api.DaemonFactory}). A line that says anything
 * else — another field (a command line, an environment, a pid file, a namespace: what earlier
 * versions recorded), a service name that is not a plain word, a router id that is not a UUID —
 * is refused: skipped and reported by line number and reason, never by content.
 *
 * <p>Format: UTF-8 lines. {@code #} starts a comment. {@code +} registers a daemon, {@code -}
 * unregisters one; then TAB-separated {@code service=<name>} and {@code uuid=<router id>}.
 * Each change is appended as one complete line in a single write (no link followed, never to a
 * special or hard-linked file), so it costs the same with 10 or 100,000 daemons; a line cut short
 * by a crash (no final newline) is ignored. When the file holds more than twice as many lines as
 * there are daemons, it is replaced by one {@code +} line per daemon, written under a fresh random
 * name and renamed over it. Not thread-safe: the caller serialises access.
 */
final class DaemonJournal {

    static final String FILE_NAME = "l3ha-process-monitor.daemons";

    /** Larger than this is not a journal l3ha wrote (100,000 daemons take about 7 MB). */
    static final int MAX_BYTES = 64 << 20;
    /** What {@link DaemonRecord} accepts as a service name, bounded. */
    private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String HEADER = "# l3ha process monitor: the daemons it monitors, adopted again on activation.\n"
            + "# One line per change: '+' registers, '-' unregisters; TAB-separated service=<name> uuid=<router id>.\n";
    private static final int COMPACTION_SLACK = 64;

    /**
     * What {@link #load()} found.
     *
     * @param daemons the registered daemons, in registration order
     * @param badLines how many lines were refused
     * @param firstProblem the first of them, "line N: reason", or null
     */
    record Loaded(Set<DaemonRecord.Key> daemons, int badLines, String firstProblem) {
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
     * @throws IOException if it exists but cannot be read (a link, a special file, too large)
     */
    Loaded load() throws IOException {
        Optional<byte[]> bytes = SafeFiles.readIfExists(file, MAX_BYTES);
        if (bytes.isEmpty()) {
            lines = 0;
            return new Loaded(new LinkedHashSet<>(), 0, null);
        }
        String text = new String(bytes.get(), StandardCharsets.UTF_8);
        LinkedHashSet<DaemonRecord.Key> daemons = new LinkedHashSet<>();
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
                Change c = decode(line);
                daemons.remove(c.key());
                if (c.add()) {
                    daemons.add(c.key());
                }
            } catch (IllegalArgumentException ex) {
                bad++;
                first = first == null ? "line " + lineNo + ": " + ex.getMessage() : first;
            }
        }
        lines = count;
        return new Loaded(daemons, bad, first);
    }

    /** Appends a {@code +} line for {@code key}. */
    void appendAdd(DaemonRecord.Key key) throws IOException {
        append(encode('+', key));
    }

    /** Appends a {@code -} line for {@code key}. */
    void appendRemove(DaemonRecord.Key key) throws IOException {
        append(encode('-', key));
    }

    /** @return whether the file has grown to more than twice the lines {@code live} daemons need */
    boolean wantsCompaction(int live) {
        return lines > 2 * live + COMPACTION_SLACK;
    }

    /** Atomically replaces the file by one {@code +} line per daemon. */
    void rewrite(Collection<DaemonRecord.Key> daemons) throws IOException {
        StringBuilder sb = new StringBuilder(HEADER);
        daemons.forEach(k -> sb.append(encode('+', k)));
        SafeFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8), SafeFiles.FILE_0644, true,
                SafeFiles.DIR_0755);
        lines = daemons.size();
    }

    private void append(String line) throws IOException {
        SafeFiles.createDirectories(file.toAbsolutePath().getParent(), SafeFiles.DIR_0755);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            rewriteWith(line);
            return;
        }
        // refuses a link, a special file or a hard-linked file planted under this name
        SafeFiles.append(file, line.getBytes(StandardCharsets.UTF_8), SafeFiles.FILE_0644, false);
        lines++;
    }

    /** A missing file is created whole (header and line) under a fresh name, never appended to. */
    private void rewriteWith(String line) throws IOException {
        SafeFiles.write(file, (HEADER + line).getBytes(StandardCharsets.UTF_8), SafeFiles.FILE_0644, false);
        lines = 1;
    }

    // ------------------------------------------------------------------ codec

    /** A line: a daemon registered ({@code add}) or unregistered. */
    record Change(boolean add, DaemonRecord.Key key) {
    }

    /** @return the line (with its newline) */
    static String encode(char op, DaemonRecord.Key key) {
        return op + "\tservice=" + key.service() + "\tuuid=" + key.uuid() + "\n";
    }

    /**
     * @param line one line, without its newline
     * @return what it says
     * @throws IllegalArgumentException with the reason (which never quotes the line) if it is refused
     */
    static Change decode(String line) {
        String[] parts = line.split("\t", -1);
        String op = parts[0];
        if (!op.equals("+") && !op.equals("-")) {
            throw new IllegalArgumentException("does not start with + or -");
        }
        String service = null;
        String uuid = null;
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            String key = eq < 0 ? parts[i] : parts[i].substring(0, eq);
            String value = eq < 0 ? null : parts[i].substring(eq + 1);
            switch (key) {
                case "service" -> service = unique(service, value, key);
                case "uuid" -> uuid = unique(uuid, value, key);
                default -> throw new IllegalArgumentException("field " + i + (key.matches("[a-z_]{1,20}")
                        ? " (" + key + ")" : "") + " is not allowed: the journal names daemons by service and router id,"
                        + " never how to run them");
            }
        }
        if (service == null || !SERVICE.matcher(service).matches()) {
            throw new IllegalArgumentException("no service, or a service that is not a plain name");
        }
        if (uuid == null || !RouterIds.isUuid(uuid)) {
            throw new IllegalArgumentException("no uuid, or one that is not a router id");
        }
        return new Change(op.equals("+"), new DaemonRecord.Key(service, RouterIds.normalize(uuid)));
    }

    private static String unique(String previous, String value, String key) {
        if (previous != null) {
            throw new IllegalArgumentException(key + " given twice");
        }
        if (value == null) {
            throw new IllegalArgumentException(key + " without a value");
        }
        return value;
    }

    /** @return whether {@code key} can be recorded (what {@link #decode} accepts) */
    static boolean recordable(DaemonRecord.Key key) {
        return SERVICE.matcher(key.service()).matches() && RouterIds.isUuid(key.uuid());
    }

    /** For log lines: the file's path, escaped. */
    String label() {
        return LogText.path(file);
    }
}
