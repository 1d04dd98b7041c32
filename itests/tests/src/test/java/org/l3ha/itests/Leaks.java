package org.l3ha.itests;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** What the container holds: l3ha's threads and the process's file descriptors. */
final class Leaks {
    private Leaks() {
    }

    /** @return names of live threads starting with {@code l3ha-}, sorted */
    static List<String> l3haThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("l3ha-")).sorted().collect(Collectors.toList());
    }

    /** @return the open file descriptors of this process: fd number to what it points to */
    static Map<Integer, String> fds() {
        Map<Integer, String> out = new TreeMap<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : s) {
                try {
                    out.put(Integer.parseInt(p.getFileName().toString()), Files.readSymbolicLink(p).toString());
                } catch (IOException e) {
                    // closed while listing (the listing's own descriptor, for one)
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    /**
     * @return how many descriptors point to each kind of target: {@code unix socket}, {@code socket}
     *         (TCP: RMI, JMX), {@code pipe}, {@code bundle cache jar}, an anon_inode, or the file
     */
    static Map<String, Integer> byTarget(Map<Integer, String> fds) {
        java.util.Set<String> unix = unixSocketInodes();
        Map<String, Integer> out = new TreeMap<>();
        for (String t : fds.values()) {
            String kind = t.startsWith("socket:") ? (unix.contains(t.substring(8, t.length() - 1)) ? "unix socket" : "socket")
                    : t.startsWith("pipe:") ? "pipe"
                    : t.matches(".*/data/cache/bundle\\d+/version[\\d.]+/bundle\\.jar") ? "bundle cache jar" : t;
            out.merge(kind, 1, Integer::sum);
        }
        return out;
    }

    /** @return the inodes of the host's unix sockets ({@code /proc/net/unix}) */
    private static java.util.Set<String> unixSocketInodes() {
        java.util.Set<String> out = new java.util.HashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/net/unix"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 7 && !f[0].startsWith("Num")) {
                    out.add(f[6]);
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    /** @return "fd: /proc/net/unix line" of every unix socket among {@code fds} */
    static List<String> unixSockets(Map<Integer, String> fds) {
        Map<String, String> lines = new java.util.HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/net/unix"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 7) {
                    lines.put(f[6], line.trim());
                }
            }
        } catch (IOException e) {
            return List.of(e.toString());
        }
        List<String> out = new ArrayList<>();
        fds.forEach((fd, t) -> {
            if (t.startsWith("socket:")) {
                String l = lines.get(t.substring(8, t.length() - 1));
                if (l != null) {
                    out.add(fd + ": " + l);
                }
            }
        });
        return out;
    }

    /** @return targets whose count grew from {@code before} to {@code after}, with the growth */
    static Map<String, Integer> growth(Map<String, Integer> before, Map<String, Integer> after) {
        Map<String, Integer> out = new TreeMap<>();
        after.forEach((k, n) -> {
            int d = n - before.getOrDefault(k, 0);
            if (d > 0) {
                out.put(k, d);
            }
        });
        return out;
    }

    /** @return every socket file under {@code dir} and every leftover temporary of the endpoint or engine */
    static List<String> leftovers(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String name = p.getFileName().toString();
                if (name.startsWith(".ksc-") || name.contains("l3ha-engine.pending")) {
                    out.add(dir.relativize(p) + " (temporary)");
                }
            }
        }
        return out;
    }

    /** @return every unix socket file under {@code dir} */
    static List<Path> sockets(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Object mode = Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if ((((Integer) mode) & 0170000) == 0140000) {
                    out.add(p);
                }
            }
        }
        return out;
    }
}
