package org.l3ha.process.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import org.l3ha.common.LogText;
import org.l3ha.common.SafeFiles;

/**
 * Liveness and identity of daemons, read from {@code /proc}. A daemon's pid comes from its pid
 * file (read without following a link; unreadable or not an integer: no pid). The process with
 * that pid is the daemon only if it is alive and all of these hold:
 * <ul>
 * <li>its executable is the daemon's program: the same file as {@code command[0]} (an absolute
 * path, or the first match on the search path), or, for a daemon whose binary was replaced by a
 * package upgrade while it ran, the same path marked {@code (deleted)};</li>
 * <li>it runs in the daemon's network namespace ({@code /proc/<pid>/ns/net} is the namespace
 * {@code /run/netns/<name>} names; the host namespace: the agent's own);</li>
 * <li>its command line (the NUL-separated arguments joined with spaces) contains the daemon's uuid.</li>
 * </ul>
 * A pid file lives in a directory another account may write; Neutron's own check (the command
 * line contains the uuid) would let that account name any process carrying the router id, such
 * as the router's keepalived, and have it killed. Another account cannot make a process whose
 * executable is radvd run inside a router's namespace.
 *
 * <p>A zombie counts as dead: it runs nothing, and where nobody reaps orphans (a container whose
 * init does not) it would otherwise stay "alive" forever.
 */
final class ProcFs {

    /** Directories searched for a program named without a path, after the agent's {@code PATH}. */
    static final List<Path> SBIN = List.of(Path.of("/usr/local/sbin"), Path.of("/usr/local/bin"), Path.of("/usr/sbin"),
            Path.of("/usr/bin"), Path.of("/sbin"), Path.of("/bin"));

    /** The real {@code /proc}, {@code /run/netns} and the agent's {@code PATH}. */
    static final ProcFs SYSTEM = new ProcFs(Path.of("/proc"), Path.of("/run/netns"), searchPath(System.getenv("PATH")));

    /** A pid file is a few digits; anything longer than this is not one. */
    private static final int MAX_PID_FILE_BYTES = 64;
    private static final String DELETED = " (deleted)";

    private final Path root;
    private final Path netns;
    private final List<Path> path;

    /**
     * @param root the proc file system's mount point ({@code /proc}; a plain directory in tests)
     * @param netns where named network namespaces are ({@code /run/netns})
     * @param path directories searched for a program named without a path, in order
     */
    ProcFs(Path root, Path netns, List<Path> path) {
        this.root = root;
        this.netns = netns;
        this.path = List.copyOf(path);
    }

    /** @return the directories of {@code PATH} (absolute ones only), then {@link #SBIN} */
    static List<Path> searchPath(String pathVariable) {
        Set<Path> dirs = new LinkedHashSet<>();
        if (pathVariable != null) {
            for (String d : pathVariable.split(":")) {
                if (d.startsWith("/")) {
                    dirs.add(Path.of(d));
                }
            }
        }
        dirs.addAll(SBIN);
        return new ArrayList<>(dirs);
    }

    /**
     * @param pidFile a pid file
     * @return the pid it holds (whole content, surrounding whitespace ignored, a positive integer),
     *         or empty if it is missing, a link, not a regular file, unreadable, empty or anything else
     */
    static OptionalLong readPid(Path pidFile) {
        byte[] bytes;
        try {
            bytes = SafeFiles.read(pidFile, MAX_PID_FILE_BYTES);
        } catch (IOException | RuntimeException e) {
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
            stat = Files.readString(proc(pid).resolve("stat"), StandardCharsets.ISO_8859_1);
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
            bytes = Files.readAllBytes(proc(pid).resolve("cmdline"));
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

    /** @return whether {@code pid} is alive and is the daemon {@code d} (see the class comment) */
    boolean isDaemon(long pid, DaemonRecord d) {
        return mismatch(pid, d).isEmpty();
    }

    /**
     * @return why {@code pid} is not the daemon {@code d} (one line, for a log), or empty if it is
     */
    Optional<String> mismatch(long pid, DaemonRecord d) {
        if (!alive(pid)) {
            return Optional.of("pid " + pid + " is not running");
        }
        String cmdline = cmdline(pid);
        if (!cmdline.contains(d.uuid())) {
            return Optional.of("pid " + pid + " does not carry " + d.uuid() + " in its command line ("
                    + LogText.quote(cmdline, 100) + ")");
        }
        String program = d.command().get(0);
        if (!runs(pid, program)) {
            return Optional.of("pid " + pid + " runs " + LogText.quote(exe(pid), 100) + ", not " + LogText.quote(program, 100)
                    + (resolve(program).isEmpty() ? " (not found on the search path)" : ""));
        }
        if (!inNamespace(pid, d.namespace())) {
            return Optional.of("pid " + pid + " does not run in " + d.namespaceLabel());
        }
        return Optional.empty();
    }

    /**
     * @return the pid in {@code pidFile} if that process is the daemon {@code d}; empty otherwise
     */
    OptionalLong activePid(Path pidFile, DaemonRecord d) {
        OptionalLong pid = readPid(pidFile);
        return pid.isPresent() && isDaemon(pid.getAsLong(), d) ? pid : OptionalLong.empty();
    }

    /** @return whether the executable of {@code pid} is {@code program} */
    boolean runs(long pid, String program) {
        Optional<Path> binary = resolve(program);
        if (binary.isEmpty()) {
            return false;
        }
        Path exe = proc(pid).resolve("exe");
        Object running = fileKey(exe);
        if (running != null && running.equals(fileKey(binary.get()))) {
            return true;
        }
        // replaced by a package upgrade while it ran: the kernel shows the old path, marked
        String shown = exe(pid);
        if (!shown.endsWith(DELETED)) {
            return false;
        }
        String was = shown.substring(0, shown.length() - DELETED.length());
        try {
            return was.equals(binary.get().toString()) || was.equals(binary.get().toRealPath().toString());
        } catch (IOException e) {
            return false;
        }
    }

    /** @return whether {@code pid} runs in network namespace {@code namespace} (empty: the agent's own) */
    boolean inNamespace(long pid, String namespace) {
        Object ns = fileKey(proc(pid).resolve("ns/net"));
        Object want = fileKey(namespace.isEmpty() ? root.resolve("self/ns/net") : netns.resolve(namespace));
        return ns != null && ns.equals(want);
    }

    /** @return the program file {@code program} names: itself if absolute, else the first match on the search path */
    Optional<Path> resolve(String program) {
        if (program.isEmpty() || program.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        if (program.startsWith("/")) {
            return Files.isRegularFile(Path.of(program)) ? Optional.of(Path.of(program)) : Optional.empty();
        }
        if (program.contains("/")) {
            return Optional.empty();
        }
        for (Path dir : path) {
            Path p = dir.resolve(program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** @return what {@code /proc/<pid>/exe} shows, or empty */
    String exe(long pid) {
        try {
            return Files.readSymbolicLink(proc(pid).resolve("exe")).toString();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private Path proc(long pid) {
        return root.resolve(Long.toString(pid));
    }

    /** @return the identity (device and inode) of the file {@code p} leads to, or null */
    private static Object fileKey(Path p) {
        try {
            return Objects.requireNonNull(Files.readAttributes(p, BasicFileAttributes.class).fileKey());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
