package org.l3ha.itests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

import org.l3ha.common.testing.Exec;

/**
 * Processes by pid, read from {@code /proc}. Callers signal only pids they started, their
 * descendants, or pids read from pid files they configured; {@link #withCommandLine} only finds
 * processes (for assertions), it never kills.
 */
public final class Pids {
    private static final Path PROC = Path.of("/proc");

    private Pids() {
    }

    /** @return the pid in {@code pidFile}, if it exists and holds one */
    public static OptionalLong read(Path pidFile) {
        try {
            String s = Files.readString(pidFile, StandardCharsets.US_ASCII).strip();
            return s.matches("\\d{1,10}") ? OptionalLong.of(Long.parseLong(s)) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** @return whether {@code pid} is a live process (a zombie is not) */
    public static boolean alive(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.US_ASCII);
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /** @return the command line of {@code pid}, arguments joined by spaces, or "" if it is gone */
    public static String commandLine(long pid) {
        try {
            byte[] b = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("cmdline"));
            return new String(b, StandardCharsets.UTF_8).replace('\0', ' ').strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** @return whether the pid in {@code pidFile} is alive and its command line contains {@code needle} */
    public static boolean running(Path pidFile, String needle) {
        OptionalLong pid = read(pidFile);
        return pid.isPresent() && alive(pid.getAsLong()) && commandLine(pid.getAsLong()).contains(needle);
    }

    /** @return live processes whose command line contains every one of {@code needles} */
    public static List<Long> withCommandLine(String... needles) {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : ds) {
                long pid = Long.parseLong(p.getFileName().toString());
                String cmd = commandLine(pid);
                boolean all = !cmd.isEmpty();
                for (String n : needles) {
                    all &= cmd.contains(n);
                }
                if (all && alive(pid)) {
                    out.add(pid);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return out;
    }

    /** @return {@code pid} and its live descendants */
    public static Set<Long> withDescendants(long pid) {
        Set<Long> out = new LinkedHashSet<>();
        out.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> out.add(d.pid())));
        return out;
    }

    /** Sends {@code signal} (a name such as TERM, KILL, STOP) to each pid; a gone pid is ignored. */
    public static void signal(String signal, Collection<Long> pids) throws IOException {
        if (pids.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("kill", "-" + signal));
        pids.forEach(p -> cmd.add(Long.toString(p)));
        Exec.run(cmd);
    }

    /** @return whether every pid is gone within {@code timeout} */
    public static boolean awaitGone(Collection<Long> pids, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pids.stream().anyMatch(Pids::alive)) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(20_000_000L);
        }
        return true;
    }

    /**
     * SIGTERM, then SIGKILL to whatever is left after {@code grace}.
     *
     * @return whether SIGKILL was needed
     */
    public static boolean terminate(Collection<Long> pids, Duration grace) throws IOException {
        List<Long> live = pids.stream().filter(Pids::alive).toList();
        if (live.isEmpty()) {
            return false;
        }
        signal("TERM", live);
        if (awaitGone(live, grace)) {
            return false;
        }
        kill(live);
        return true;
    }

    /** SIGKILL, waiting up to 10 s until they are gone. */
    public static void kill(Collection<Long> pids) throws IOException {
        List<Long> live = pids.stream().filter(Pids::alive).toList();
        signal("KILL", live);
        if (!awaitGone(live, Duration.ofSeconds(10))) {
            throw new IllegalStateException("still alive 10 s after SIGKILL: " + live.stream().filter(Pids::alive).toList());
        }
    }

    /** SIGKILL to {@code process} and its descendants, waiting up to 10 s until they are gone. */
    public static void killTree(Process process) throws IOException {
        kill(withDescendants(process.pid()));
    }
}
