package org.l3ha.process.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Liveness as Neutron decides it, read from {@code /proc}: a daemon's pid comes from its pid file
 * (unreadable or not an integer: no pid); the daemon is <em>active</em> when that pid is alive and
 * its command line (the NUL-separated arguments joined with spaces) contains the daemon's uuid, so
 * a recycled pid running another program is not mistaken for the daemon.
 *
 * <p>A zombie counts as dead: it runs nothing, and where nobody reaps orphans (a container whose
 * init does not) it would otherwise stay "alive" forever.
 */
final class ProcFs {

    /** The real {@code /proc}. */
    static final ProcFs SYSTEM = new ProcFs(Path.of("/proc"));

    /** A pid file is a few digits; anything longer than this is not one. */
    private static final int MAX_PID_FILE_BYTES = 64;

    private final Path root;

    /** @param root the proc file system's mount point ({@code /proc}; a plain directory in tests) */
    ProcFs(Path root) {
        this.root = root;
    }

    /**
     * @param pidFile a pid file
     * @return the pid it holds (whole content, surrounding whitespace ignored, a positive integer),
     *         or empty if it is missing, unreadable, empty or anything else
     */
    static OptionalLong readPid(Path pidFile) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(pidFile)) {
            bytes = in.readNBytes(MAX_PID_FILE_BYTES + 1);
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
        if (bytes.length > MAX_PID_FILE_BYTES) {
            return OptionalLong.empty();
        }
        String s = new String(bytes, StandardCharsets.US_ASCII).strip();
        if (s.isEmpty() || s.length() > 10) {
            return OptionalLong.empty();
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return OptionalLong.empty();
            }
        }
        long pid = Long.parseLong(s);
        return pid > 0 && pid <= Integer.MAX_VALUE ? OptionalLong.of(pid) : OptionalLong.empty();
    }

    /** @return whether {@code pid} exists and is not a zombie */
    boolean alive(long pid) {
        return startTime(pid) >= 0;
    }

    /**
     * @return when {@code pid} started (clock ticks after boot, field 22 of {@code /proc/<pid>/stat}),
     *         which tells one process from a later one with the same pid; -1 if there is no such
     *         process or it is a zombie
     */
    long startTime(long pid) {
        String stat;
        try {
            stat = Files.readString(root.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        // "<pid> (<comm>) <state> <ppid> ...": comm may hold spaces and parentheses, so take the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            return -1;
        }
        String[] fields = stat.substring(close + 2).strip().split(" ");
        char state = fields[0].isEmpty() ? 'X' : fields[0].charAt(0);
        if (state == 'Z' || state == 'X' || state == 'x') {
            return -1;
        }
        try {
            return fields.length > 19 ? Long.parseLong(fields[19]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** @return the command line of {@code pid}, arguments joined with spaces; empty if none or gone */
    String cmdline(long pid) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(root.resolve(Long.toString(pid)).resolve("cmdline"));
        } catch (IOException | RuntimeException e) {
            return "";
        }
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] == 0) {
            end--;
        }
        for (int i = 0; i < end; i++) {
            if (bytes[i] == 0) {
                bytes[i] = ' ';
            }
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** @return whether {@code pid} is alive and its command line contains {@code uuid} */
    boolean isDaemon(long pid, String uuid) {
        return cmdline(pid).contains(uuid) && alive(pid);
    }

    /**
     * @return the pid in {@code pidFile} if that process is alive and its command line contains
     *         {@code uuid}; empty otherwise
     */
    OptionalLong activePid(Path pidFile, String uuid) {
        OptionalLong pid = readPid(pidFile);
        return pid.isPresent() && isDaemon(pid.getAsLong(), uuid) ? pid : OptionalLong.empty();
    }
}
