package org.l3ha.itests.support;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.l3ha.common.testing.Exec;

/**
 * The built l3ha Karaf assembly, unpacked into a scratch directory and run as a separate process
 * exactly as an operator would ({@code bin/karaf server}): loopback-only SSH on a free port, and
 * every bundle from the assembly's {@code system/}, never from a local Maven repository. The
 * integration tests, the failover drill and the benchmarks add their own configuration on top.
 * Stops only the processes it started.
 */
public final class KarafAssembly implements AutoCloseable {
    /** The agent's configuration PID ({@code etc/org.l3ha.agent.cfg}). */
    public static final String AGENT_PID = "org.l3ha.agent";
    /** The file registry's configuration PID. */
    public static final String REGISTRY_PID = "org.l3ha.registry.file";
    /** Lines of karaf.log a failure shows. */
    private static final int TAIL = 40;
    /** The console user {@link #addConsoleUser()} adds (its password is its name). */
    private static final String CONSOLE_USER = "itest";

    private final Path home;
    private final int sshPort;
    private boolean consoleUser;
    private Process process;

    private KarafAssembly(Path home, int sshPort) {
        this.home = home;
        this.sshPort = sshPort;
    }

    /** @return the one {@code l3ha-*.tar.gz} in system property {@code l3ha.assembly.dir} (what the assembly module built) */
    public static Path archive() throws IOException {
        return archive(Path.of(System.getProperty("l3ha.assembly.dir", "../../features/assembly/target")));
    }

    /** @return the one {@code l3ha-*.tar.gz} in {@code dir} */
    public static Path archive(Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "l3ha-*.tar.gz")) {
                s.forEach(found::add);
            }
        }
        if (found.size() != 1) {
            throw new IllegalStateException("expected exactly one l3ha-*.tar.gz in " + dir.toAbsolutePath()
                    + " (build it: mvn -B install -DskipTests), found " + found);
        }
        return found.get(0);
    }

    /** Unpacks {@link #archive()} under {@code workDir}. */
    public static KarafAssembly unpack(Path workDir) throws IOException {
        return unpack(archive(), workDir);
    }

    /** Unpacks {@code archive} under {@code workDir}; it must unpack to a single directory. Not started. */
    public static KarafAssembly unpack(Path archive, Path workDir) throws IOException {
        Files.createDirectories(workDir);
        Exec.ok(Duration.ofMinutes(2), null, List.of("tar", "-xzf", archive.toAbsolutePath().toString(), "-C", workDir.toString()));
        List<Path> top = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(workDir)) {
            s.forEach(top::add);
        }
        if (top.size() != 1 || !Files.isExecutable(top.get(0).resolve("bin/karaf"))) {
            throw new IllegalStateException("the archive must unpack to one directory with bin/karaf: " + top);
        }
        KarafAssembly k = new KarafAssembly(top.get(0), freePort());
        // loopback only, and a free port so that parallel runs never collide
        k.setConfig("org.apache.karaf.shell", "sshPort", String.valueOf(k.sshPort));
        k.setConfig("org.apache.karaf.shell", "sshHost", "127.0.0.1");
        // self-contained, as on a node without a Maven repository: everything comes from the
        // assembly's system/ (not from ~/.m2, where a developer's build installed l3ha)
        Path emptyRepository = k.home.resolve("no-local-repository");
        Files.createDirectories(emptyRepository);
        k.setConfig("org.ops4j.pax.url.mvn", "org.ops4j.pax.url.mvn.localRepository", emptyRepository.toString());
        k.setConfig("org.ops4j.pax.url.mvn", "org.ops4j.pax.url.mvn.offline", "true");
        return k;
    }

    /**
     * Replaces feature {@code l3ha/<version>} in {@code featuresBoot} by {@code features}: to boot
     * a part of l3ha, or another registry than the file registry.
     */
    public void replaceL3haBootFeature(List<String> features) throws IOException {
        Path cfg = home.resolve("etc/org.apache.karaf.features.cfg");
        String text = Files.readString(cfg, StandardCharsets.ISO_8859_1);
        Matcher m = Pattern.compile("(?m)^(\\s*)l3ha/[^,\\s]+,").matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("featuresBoot of " + cfg + " has no l3ha/<version> entry to replace");
        }
        String joined = String.join(", \\\n", features.stream().map(f -> m.group(1) + f).toList());
        text = text.substring(0, m.start()) + joined + text.substring(m.end() - 1);
        Files.writeString(cfg, text, StandardCharsets.ISO_8859_1);
    }

    public Path home() {
        return home;
    }

    public Path log() {
        return home.resolve("data/log/karaf.log");
    }

    /** @return the console's SSH port (on 127.0.0.1), for {@code bin/client} */
    public int sshPort() {
        return sshPort;
    }

    /**
     * Sets {@code key = value} in {@code etc/<pid>.cfg}, replacing an existing (or commented) line.
     * The file is read and written as ISO-8859-1, so that every other line keeps its bytes.
     */
    public void setConfig(String pid, String key, String value) throws IOException {
        Path cfg = home.resolve("etc").resolve(pid + ".cfg");
        List<String> lines = Files.exists(cfg) ? new ArrayList<>(Files.readAllLines(cfg, StandardCharsets.ISO_8859_1)) : new ArrayList<>();
        Pattern p = Pattern.compile("^\\s*#?\\s*" + Pattern.quote(key) + "\\s*=.*$");
        boolean done = false;
        for (int i = 0; i < lines.size() && !done; i++) {
            if (p.matcher(lines.get(i)).matches()) {
                lines.set(i, key + " = " + value);
                done = true;
            }
        }
        if (!done) {
            lines.add(key + " = " + value);
        }
        Files.write(cfg, lines, StandardCharsets.ISO_8859_1);
    }

    /** Sets {@code key = value} in the agent's configuration. */
    public void setAgent(String key, String value) throws IOException {
        setConfig(AGENT_PID, key, value);
    }

    /**
     * Points l3ha at scratch directories: the agent's {@code state_path} and {@code host}, and the
     * file registry's {@code routers_dir}.
     */
    public void configureAgent(Path statePath, String host, Path routersDir) throws IOException {
        setAgent("state_path", statePath.toString());
        setAgent("host", host);
        setConfig(REGISTRY_PID, "routers_dir", routersDir.toString());
    }

    /**
     * Points the oslo reporter (and with it the neutron registry, which uses its broker settings) at
     * {@code peer}'s broker and exchange, in {@code rpcMode} ({@code call} or {@code cast}).
     */
    public void useNeutronServer(NeutronServer peer, String rpcMode) throws IOException {
        setConfig("org.l3ha.reporter.oslo", "transport_url", peer.transportUrl());
        setConfig("org.l3ha.reporter.oslo", "control_exchange", peer.controlExchange());
        setConfig("org.l3ha.reporter.oslo", "rpc_mode", rpcMode);
        setConfig("org.l3ha.reporter.oslo", "rpc_response_timeout", "30");
    }

    /** @return the value of {@code key} in {@code etc/<pid>.cfg}, if set */
    public Optional<String> config(String pid, String key) throws IOException {
        Pattern p = Pattern.compile("^\\s*" + Pattern.quote(key) + "\\s*=\\s*(.*?)\\s*$");
        for (String line : Files.readAllLines(home.resolve("etc").resolve(pid + ".cfg"), StandardCharsets.ISO_8859_1)) {
            Matcher m = p.matcher(line);
            if (m.matches()) {
                return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }

    /**
     * Adds a console user with the admin group to {@code etc/users.properties} (the assembly ships
     * none), for {@link #shell(String, Duration)}. Before {@link #start()}.
     */
    public void addConsoleUser() throws IOException {
        if (consoleUser) {
            return;
        }
        Files.writeString(home.resolve("etc/users.properties"), "\n" + CONSOLE_USER + " = " + CONSOLE_USER
                + ",_g_:admingroup\n_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n",
                StandardCharsets.ISO_8859_1, StandardOpenOption.APPEND);
        consoleUser = true;
    }

    /**
     * Runs one console command through {@code bin/client} over SSH, as the user
     * {@link #addConsoleUser()} added, with its standard input held open (the client ends its
     * session when its input ends).
     *
     * @return what the command printed
     * @throws IOException when the client fails or does not finish within {@code timeout}
     */
    public String shell(String command, Duration timeout) throws IOException {
        if (!consoleUser) {
            throw new IllegalStateException("no console user: call addConsoleUser() before start()");
        }
        return Exec.okWithOpenStdin(timeout, List.of("env", "JAVA_HOME=" + System.getProperty("java.home"),
                home.resolve("bin/client").toString(), "-a", Integer.toString(sshPort),
                "-h", "127.0.0.1", "-u", CONSOLE_USER, "-p", CONSOLE_USER, "-r", "30", "-d", "1", command));
    }

    /**
     * @return the counters {@code l3ha:stats} prints, as {@code <section>.<counter>} (e.g.
     *         {@code endpoint.accepted})
     * @throws IOException as {@link #shell(String, Duration)}, or when the output has no endpoint counters
     */
    public Map<String, Long> stats(Duration timeout) throws IOException {
        String out = shell("l3ha:stats", timeout);
        Map<String, Long> stats = new TreeMap<>();
        String section = null;
        Pattern counter = Pattern.compile("^\\s+(\\S+) = (-?\\d+)\\s*$");
        for (String line : out.split("\\R")) {
            Matcher m = counter.matcher(line);
            if (m.matches() && section != null) {
                stats.put(section + "." + m.group(1), Long.parseLong(m.group(2)));
            } else if (line.matches("^\\S+:\\s*$")) {
                section = line.trim().substring(0, line.trim().length() - 1);
            }
        }
        if (!stats.containsKey("endpoint.accepted")) {
            throw new IOException("l3ha:stats gave no endpoint counters: " + out);
        }
        return stats;
    }

    /** Starts {@code bin/karaf server} in the background, output to {@code console.log}. */
    public void start() throws IOException {
        start(List.of());
    }

    /**
     * Starts {@code bin/karaf server} in the background behind {@code prefix}, a command that execs
     * the rest (such as {@code nsenter -t <pid> -m --}: Karaf in another mount namespace).
     */
    public void start(List<String> prefix) throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(home.resolve("bin/karaf").toString(), "server"));
        ProcessBuilder pb = new ProcessBuilder(command)
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
        return tree().stream().filter(Pids::alive).toList();
    }

    /** @return the pid of Karaf's JVM ({@code org.apache.karaf.main.Main}), or -1 while there is none */
    public long jvmPid() {
        if (process == null) {
            return -1;
        }
        return process.descendants().mapToLong(ProcessHandle::pid)
                .filter(pid -> Pids.commandLine(pid).contains("org.apache.karaf.main.Main")).findFirst().orElse(-1);
    }

    /**
     * Waits until {@code file} (the state-change socket, say) exists.
     *
     * @throws AssertionError as {@link #await(String, Duration, Poll.Condition)}
     */
    public void awaitFile(Path file, Duration timeout) {
        await(file.toString(), timeout, () -> Files.exists(file));
    }

    /**
     * Waits for {@code condition} while Karaf runs.
     *
     * @throws AssertionError naming {@code what}, with karaf.log's last lines, when Karaf exits first
     *         (at once) or {@code timeout} passes
     */
    public void await(String what, Duration timeout, Poll.Condition condition) {
        await(what, timeout, condition, null);
    }

    /** As {@link #await(String, Duration, Poll.Condition)}, {@code diagnostics} (at a timeout) before the log. */
    public void await(String what, Duration timeout, Poll.Condition condition, Supplier<String> diagnostics) {
        Poll.until(what, timeout, () -> {
            if (!isAlive()) {
                throw new AssertionError("Karaf exited" + (process == null ? " (never started)" : " (status " + process.exitValue() + ")")
                        + " while waiting for " + what + "; last " + TAIL + " lines of karaf.log:\n" + tail(TAIL));
            }
            return condition.holds();
        }, () -> (diagnostics == null ? "" : diagnostics.get() + "; ") + "last " + TAIL + " lines of karaf.log:\n" + tail(TAIL));
    }

    /**
     * SIGTERM to Karaf's JVM (the launcher script does not forward signals), then waits up to
     * {@code timeout} until the JVM and the launcher have exited; SIGKILL and a failure otherwise.
     */
    public void stop(Duration timeout) throws IOException {
        if (process == null) {
            return;
        }
        Set<Long> tree = tree();
        List<Long> jvms = process.descendants().map(ProcessHandle::pid).toList();
        Pids.signal("TERM", jvms.isEmpty() ? List.of(process.pid()) : jvms);
        if (!Pids.awaitGone(tree, timeout)) {
            kill();
            throw new IllegalStateException("Karaf did not stop within " + timeout + " after SIGTERM; killed");
        }
        reap();
    }

    /** SIGKILL to Karaf's JVM and its launcher, waiting until they are gone. */
    public void kill() throws IOException {
        Pids.kill(tree());
        reap();
    }

    /**
     * Waits until the launcher, gone, is reaped: until then {@link Process#isAlive()} still says it
     * runs, and {@link #start()} would refuse to start again.
     */
    private void reap() throws IOException {
        if (process == null) {
            return;
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Karaf's launcher (pid " + process.pid() + ") not reaped 10 s after it ended");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for Karaf's launcher to be reaped");
        }
    }

    /** @return the launcher script and the JVM(s) this instance started */
    private Set<Long> tree() {
        return process == null ? Set.of() : new LinkedHashSet<>(Pids.withDescendants(process.pid()));
    }

    /** Kills whatever this instance started that is still alive. Never throws. */
    @Override
    public void close() {
        try {
            if (!pids().isEmpty()) {
                kill();
            }
        } catch (IOException | RuntimeException e) {
            // best effort: a test's own failure matters more
        }
    }

    /** @return karaf.log so far ("" before it is written) */
    public String logText() throws IOException {
        return Files.exists(log()) ? Files.readString(log(), StandardCharsets.UTF_8) : "";
    }

    /** @return the last {@code lines} lines of karaf.log (or why they cannot be read) */
    public String tail(int lines) {
        return tail(lines, line -> true);
    }

    /**
     * @return the last {@code lines} lines of karaf.log that {@code skip} does not match (or why they
     *         cannot be read): what a failure shows when, say, every transition is logged under load
     */
    public String tail(int lines, Pattern skip) {
        return tail(lines, line -> !skip.matcher(line).find());
    }

    private String tail(int lines, Predicate<String> keep) {
        try {
            List<String> kept = Files.exists(log()) ? Files.readAllLines(log(), StandardCharsets.UTF_8).stream()
                    .filter(keep).toList() : List.of();
            return String.join("\n", kept.subList(Math.max(0, kept.size() - lines), kept.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** @return a TCP port free on the loopback address just now */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
