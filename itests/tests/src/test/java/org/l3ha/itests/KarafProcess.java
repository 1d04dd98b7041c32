package org.l3ha.itests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built l3ha Karaf assembly, unpacked into a scratch directory and run as a separate process
 * exactly as an operator would ({@code bin/karaf server}). Stops only the processes it started.
 */
public final class KarafProcess implements AutoCloseable {
    private final Path home;
    private Process process;

    private KarafProcess(Path home) {
        this.home = home;
    }

    /** @return the one {@code *.tar.gz} the assembly module built */
    static Path archive() throws IOException {
        Path dir = Path.of(System.getProperty("l3ha.assembly.dir", "../features/assembly/target"));
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.tar.gz")) {
            s.forEach(found::add);
        }
        if (found.size() != 1) {
            throw new IllegalStateException("expected exactly one assembly tar.gz in " + dir.toAbsolutePath() + ", found " + found);
        }
        return found.get(0);
    }

    /** Unpacks the assembly under {@code workDir}; it must unpack to a single directory. */
    public static KarafProcess unpack(Path workDir) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        run(List.of("tar", "-xzf", archive().toAbsolutePath().toString(), "-C", workDir.toString()));
        List<Path> top = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(workDir)) {
            s.forEach(top::add);
        }
        if (top.size() != 1 || !Files.isExecutable(top.get(0).resolve("bin/karaf"))) {
            throw new IllegalStateException("the archive must unpack to one directory with bin/karaf: " + top);
        }
        KarafProcess k = new KarafProcess(top.get(0));
        // loopback only, and a free port so that parallel runs never collide
        k.setConfig("org.apache.karaf.shell", "sshPort", String.valueOf(freePort()));
        k.setConfig("org.apache.karaf.shell", "sshHost", "127.0.0.1");
        // self-contained, as on a node without a Maven repository: everything comes from the
        // assembly's system/ (not from ~/.m2, where a developer's build installed l3ha)
        Path emptyRepository = k.home.resolve("no-local-repository");
        Files.createDirectories(emptyRepository);
        k.setConfig("org.ops4j.pax.url.mvn", "org.ops4j.pax.url.mvn.localRepository", emptyRepository.toString());
        k.setConfig("org.ops4j.pax.url.mvn", "org.ops4j.pax.url.mvn.offline", "true");
        return k;
    }

    public Path home() {
        return home;
    }

    public Path log() {
        return home.resolve("data/log/karaf.log");
    }

    /** Sets {@code key = value} in {@code etc/<pid>.cfg}, replacing an existing line. */
    public void setConfig(String pid, String key, String value) throws IOException {
        Path cfg = home.resolve("etc").resolve(pid + ".cfg");
        List<String> lines = Files.exists(cfg) ? new ArrayList<>(Files.readAllLines(cfg, StandardCharsets.UTF_8)) : new ArrayList<>();
        Pattern p = Pattern.compile("^\\s*#?\\s*" + Pattern.quote(key) + "\\s*=.*$");
        boolean done = false;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = p.matcher(lines.get(i));
            if (m.matches() && (!done)) {
                lines.set(i, key + " = " + value);
                done = true;
            }
        }
        if (!done) {
            lines.add(key + " = " + value);
        }
        Files.write(cfg, lines, StandardCharsets.UTF_8);
    }

    /** @return the value of {@code key} in {@code etc/<pid>.cfg}, if set */
    public Optional<String> config(String pid, String key) throws IOException {
        Pattern p = Pattern.compile("^\\s*" + Pattern.quote(key) + "\\s*=\\s*(.*?)\\s*$");
        for (String line : Files.readAllLines(home.resolve("etc").resolve(pid + ".cfg"), StandardCharsets.UTF_8)) {
            Matcher m = p.matcher(line);
            if (m.matches()) {
                return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }

    /** Starts {@code bin/karaf server} in the background, output to {@code console.log}. */
    public void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("console.log").toFile()));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("KARAF_HOME");
        process = pb.start();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** @return the pids of the launcher script and the JVM(s) this instance started that are still alive */
    public List<Long> pids() {
        return tree().stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList();
    }

    /**
     * SIGTERM to Karaf's JVM (the launcher script does not forward signals), then waits up to
     * {@code timeout} until the JVM and the launcher have exited; SIGKILL and a failure otherwise.
     */
    public void stop(Duration timeout) throws InterruptedException {
        List<ProcessHandle> tree = tree();
        List<ProcessHandle> jvms = new ArrayList<>(process.descendants().toList());
        (jvms.isEmpty() ? List.of(process.toHandle()) : jvms).forEach(ProcessHandle::destroy);
        if (!awaitExit(tree, timeout)) {
            tree.forEach(ProcessHandle::destroyForcibly);
            awaitExit(tree, Duration.ofSeconds(10));
            throw new IllegalStateException("Karaf did not stop within " + timeout + " after SIGTERM; killed");
        }
    }

    /** SIGKILL to Karaf's JVM and its launcher, waiting until they are gone. */
    public void kill() throws InterruptedException {
        List<ProcessHandle> tree = tree();
        tree.forEach(ProcessHandle::destroyForcibly);
        awaitExit(tree, Duration.ofSeconds(10));
    }

    /** @return the JVM(s) and the launcher script this instance started */
    private List<ProcessHandle> tree() {
        List<ProcessHandle> tree = new ArrayList<>();
        if (process != null) {
            tree.addAll(process.descendants().toList());
            tree.add(process.toHandle());
        }
        return tree;
    }

    private static boolean awaitExit(List<ProcessHandle> handles, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle h : handles) {
            try {
                h.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return false;
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
        return true;
    }

    /** Kills whatever this instance started that is still alive. Never throws. */
    @Override
    public void close() {
        try {
            if (process != null && process.isAlive()) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String tail(int lines) {
        try {
            List<String> all = Files.exists(log()) ? Files.readAllLines(log(), StandardCharsets.UTF_8) : List.of();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " failed: " + out);
        }
    }
}
