package org.l3ha.bench;

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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built l3ha assembly unpacked into a scratch directory and run as {@code bin/karaf server},
 * configured for a benchmark of the state-change path: scratch {@code state_path} and
 * {@code routers_dir}, and only the features of that path booted (endpoint, engine, notifier,
 * file registry, journal reporter, health, shell): no data-plane listeners (IPv6, metadata proxy,
 * radvd), no process manager, no oslo reporter. Stops only what it started.
 */
final class KarafInstance implements AutoCloseable {
    /** The features booted instead of {@code l3ha} (which also brings the data plane). */
    static final List<String> FEATURES = List.of("l3ha-endpoint", "l3ha-engine", "l3ha-notifier", "l3ha-registry-file",
            "l3ha-reporter-journal", "l3ha-health", "l3ha-shell");
    private static final String USER = "bench";

    private final Path work;
    private final Path home;
    private final int sshPort;
    private Process process;
    private long jvmPid = -1;

    private KarafInstance(Path work, Path home, int sshPort) {
        this.work = work;
        this.home = home;
        this.sshPort = sshPort;
    }

    /**
     * Unpacks and configures an instance under {@code work}: state in {@code work/state}, router
     * documents in {@code work/routers}.
     */
    static KarafInstance create(Path work, int advertInt) throws IOException, InterruptedException {
        Path unpack = work.resolve("karaf");
        Files.createDirectories(unpack);
        Proc.run(List.of("tar", "-xzf", BenchEnv.assembly().toString(), "-C", unpack.toString()), Duration.ofMinutes(2));
        List<Path> top = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(unpack)) {
            s.forEach(top::add);
        }
        if (top.size() != 1 || !Files.isExecutable(top.get(0).resolve("bin/karaf"))) {
            throw new IllegalStateException("the assembly must unpack to one directory with bin/karaf: " + top);
        }
        KarafInstance k = new KarafInstance(work, top.get(0), freePort());
        Files.createDirectories(k.statePath());
        Files.createDirectories(k.routersDir());
        k.set("org.l3ha.agent", "state_path", k.statePath().toString());
        k.set("org.l3ha.agent", "host", "bench-host");
        k.set("org.l3ha.agent", "ha_vrrp_advert_int", Integer.toString(advertInt));
        k.set("org.l3ha.agent", "enable_metadata_proxy", "false");
        k.set("org.l3ha.agent", "check_child_processes_interval", "0");
        k.set("org.l3ha.registry.file", "routers_dir", k.routersDir().toString());
        k.set("org.apache.karaf.shell", "sshPort", Integer.toString(k.sshPort));
        k.set("org.apache.karaf.shell", "sshHost", "127.0.0.1");
        // everything from the assembly's system/, as on a node without a Maven repository
        Path noRepo = k.home.resolve("no-local-repository");
        Files.createDirectories(noRepo);
        k.set("org.ops4j.pax.url.mvn", "org.ops4j.pax.url.mvn.localRepository", noRepo.toString());
        k.set("org.ops4j.pax.url.mvn", "org.ops4j.pax.url.mvn.offline", "true");
        k.bootStateChangePathOnly();
        // a console user for bin/client (l3ha:stats), this instance only
        Path users = k.home.resolve("etc/users.properties");
        Files.writeString(users, "\n" + USER + " = " + USER + ",_g_:admingroup\n_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n",
                StandardCharsets.ISO_8859_1, java.nio.file.StandardOpenOption.APPEND);
        return k;
    }

    Path statePath() {
        return work.resolve("state");
    }

    Path routersDir() {
        return work.resolve("routers");
    }

    Path socket() {
        return statePath().resolve("keepalived-state-change");
    }

    Path journal() {
        return statePath().resolve("ha-states.jsonl");
    }

    Path haConfs() {
        return statePath().resolve("ha_confs");
    }

    Path log() {
        return home.resolve("data/log/karaf.log");
    }

    long pid() {
        return jvmPid;
    }

    /** Replaces {@code l3ha/<version>} in featuresBoot by the state-change path's features. */
    private void bootStateChangePathOnly() throws IOException {
        Path cfg = home.resolve("etc/org.apache.karaf.features.cfg");
        String text = Files.readString(cfg, StandardCharsets.ISO_8859_1);
        Matcher m = Pattern.compile("(?m)^(\\s*)l3ha/[^,\\s]+,").matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("featuresBoot of " + cfg + " has no l3ha/<version> entry to replace");
        }
        String joined = String.join(", \\\n", FEATURES.stream().map(f -> m.group(1) + f).toList());
        text = text.substring(0, m.start()) + joined + text.substring(m.end() - 1);
        Files.writeString(cfg, text, StandardCharsets.ISO_8859_1);
    }

    /** Sets {@code key = value} in {@code etc/<pid>.cfg}, replacing an existing (or commented) line. */
    void set(String pid, String key, String value) throws IOException {
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

    /**
     * Starts Karaf and waits until the socket listens and the start-up resync has reported all
     * {@code routers} routers in the journal.
     */
    void start(int routers, Duration timeout) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("console.log").toFile()));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("KARAF_HOME");
        process = pb.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (jvmPid < 0) {
            jvmPid = process.descendants().filter(h -> Machine.cmdline(h.pid()).contains("org.apache.karaf.main.Main"))
                    .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
            check(deadline, "Karaf's JVM to start");
        }
        while (!Files.exists(socket())) {
            check(deadline, "the socket " + socket());
        }
        Journal j = new Journal(journal());
        while (j.read().size() < routers) {
            check(deadline, "the start-up resync of " + routers + " routers in " + journal() + " (has " + j.seen().size() + ")");
        }
    }

    private void check(long deadline, String what) throws InterruptedException {
        if (process != null && !process.isAlive()) {
            throw new IllegalStateException("Karaf exited (" + process.exitValue() + ") while waiting for " + what + "; log:\n" + tail(40));
        }
        if (System.nanoTime() - deadline >= 0) {
            throw new IllegalStateException("timed out waiting for " + what + "; log:\n" + tail(40));
        }
        Thread.sleep(20); // poll interval
    }

    /** @return the counters of {@code l3ha:stats}, as {@code <component>.<counter>} */
    Map<String, Long> stats() throws IOException, InterruptedException {
        String out = Proc.run(List.of(home.resolve("bin/client").toString(), "-a", Integer.toString(sshPort), "-h", "127.0.0.1",
                "-u", USER, "-p", USER, "-r", "30", "-d", "1", "l3ha:stats"), Duration.ofSeconds(90));
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
            throw new IllegalStateException("l3ha:stats gave no endpoint counters: " + out);
        }
        return stats;
    }

    /** SIGTERM to Karaf's JVM; SIGKILL after {@code timeout}. */
    void stop(Duration timeout) throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.stream().filter(h -> h.pid() == jvmPid).forEach(ProcessHandle::destroy);
        if (jvmPid < 0) {
            process.destroy();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle h : tree) {
            try {
                h.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                tree.forEach(ProcessHandle::destroyForcibly);
                break;
            }
        }
        Proc.killTree(process);
        process = null;
    }

    String tail(int lines) {
        try {
            List<String> all = Files.exists(log()) ? Files.readAllLines(log(), StandardCharsets.UTF_8) : List.of();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Stops Karaf if still running and removes the scratch directory. Never throws. */
    @Override
    public void close() {
        try {
            stop(Duration.ofSeconds(20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // best effort
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
