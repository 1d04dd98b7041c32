package org.l3ha.process.impl;

import org.l3ha.common.testing.AgentConfigs;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.DaemonFactory;
import org.l3ha.api.DaemonSpec;

/**
 * Fixture for tests with real processes in a real network namespace (the tests run as root).
 *
 * <p>Per test: a namespace {@code l3ha-test-<random>}, a random uuid that every fake daemon of the
 * test carries in its command line, a state_path in a temp dir. After each test, even a failed
 * one: components are deactivated, every live process whose command line carries the test's
 * random uuid (so: started by this test) is SIGKILLed by pid and reported as a leftover, the
 * unrelated processes the test started are destroyed, the namespace is deleted and checked gone,
 * and no {@code l3ha-process*} thread may remain.
 */
abstract class RealProcesses {

    @TempDir
    Path dir;

    String ns;
    String uuid;
    Path script;
    final AtomicInteger exits = new AtomicInteger();
    final TestClock clock = new TestClock();
    private final List<NamespaceProcessManager> components = new ArrayList<>();
    private final List<Process> unrelated = new ArrayList<>();

    /** A DaemonSpec as a consumer (radvd, haproxy listener) would build it. */
    record TestDaemon(String service, String uuid, String namespace, Path pidFile, List<String> command,
            Map<String, String> environment, int stopSignal, Duration stopTimeout, Duration startTimeout)
            implements DaemonSpec {

        TestDaemon withNamespace(String namespace) {
            return new TestDaemon(service, uuid, namespace, pidFile, command, environment, stopSignal, stopTimeout,
                    startTimeout);
        }

        TestDaemon withCommand(List<String> command) {
            return new TestDaemon(service, uuid, namespace, pidFile, command, environment, stopSignal, stopTimeout,
                    startTimeout);
        }

        TestDaemon withTimeouts(Duration stop, Duration start) {
            return new TestDaemon(service, uuid, namespace, pidFile, command, environment, stopSignal, stop, start);
        }
    }

    /** A settable wall clock. */
    static final class TestClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-25T12:00:00Z"));

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @BeforeEach
    void createNamespace() throws Exception {
        ns = String.format("l3ha-test-%08x", ThreadLocalRandom.current().nextInt());
        uuid = UUID.randomUUID().toString();
        run("ip", "netns", "add", ns);
        script = dir.resolve("fake-daemon.pl");
        try (InputStream in = RealProcesses.class.getResourceAsStream("fake-daemon.pl")) {
            Files.copy(in, script);
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        List<Long> leftovers = List.of();
        try {
            components.forEach(NamespaceProcessManager::deactivate);
            leftovers = livePidsCarrying(uuid);
            if (leftovers.size() > 10) {
                throw new AssertionError("refusing to kill " + leftovers.size() + " processes said to carry " + uuid);
            }
            List<Long> killed = new ArrayList<>();
            for (long pid : leftovers) {
                try {
                    signal(pid, 9);
                    killed.add(pid);
                } catch (AssertionError e) {
                    if (alive(pid)) {
                        throw e;
                    }
                    // ended by itself between the listing and the kill: not left running
                }
            }
            leftovers = killed;
            for (Process p : unrelated) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } finally {
            run("ip", "netns", "del", ns);
        }
        assertFalse(run("ip", "netns", "list").contains(ns), "namespace " + ns + " not deleted");
        assertEquals(List.of(), leftovers, "daemons left running by the test");
        await().atMost(Duration.ofSeconds(5)).until(() -> processThreads().isEmpty());
    }

    Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("state_path", dir.toString());
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** @return an activated component; deactivated after the test */
    NamespaceProcessManager start(Map<String, Object> props) {
        NamespaceProcessManager c = new NamespaceProcessManager(AgentConfigs.of(props), exits::incrementAndGet, clock);
        components.add(c);
        return c;
    }

    /**
     * @return an activated component with a {@link DaemonFactory} bound for each daemon's service,
     *         as the bundles that run them would bind theirs: it rebuilds exactly those daemons
     */
    NamespaceProcessManager startWithFactories(Map<String, Object> props, TestDaemon... daemons) {
        NamespaceProcessManager c = start(props);
        for (TestDaemon d : daemons) {
            c.bindFactory(factory(d), Map.of(DaemonFactory.SERVICE, d.service()));
        }
        return c;
    }

    /** @return a factory that rebuilds {@code d} for its router and runs nothing else */
    static DaemonFactory factory(TestDaemon d) {
        return routerId -> routerId.equals(d.uuid()) ? Optional.of(d) : Optional.empty();
    }

    /** @return the fake daemon {@code service} of this test, in the test's namespace */
    TestDaemon daemon(String service, String... mode) {
        Path pidFile = dir.resolve("external/pids").resolve(uuid + ".pid." + service);
        List<String> cmd = new ArrayList<>(List.of("perl", script.toString(), uuid, pidFile.toString(),
                log(service).toString()));
        cmd.addAll(List.of(mode));
        return new TestDaemon(service, uuid, ns, pidFile, cmd, Map.of("PROCESS_TAG", service + "-" + uuid), 15,
                Duration.ofSeconds(5), Duration.ofSeconds(20));
    }

    Path log(String service) {
        return dir.resolve(service + ".log");
    }

    /** @return the lines the fake daemon {@code service} logged */
    List<String> logged(String service) throws IOException {
        Path p = log(service);
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    /** Starts an unrelated process (no uuid in its command line), destroyed after the test. */
    long unrelatedProcess() throws IOException {
        Process p = new ProcessBuilder("sleep", "1000").start();
        unrelated.add(p);
        return p.pid();
    }

    static long pidIn(Path pidFile) {
        OptionalLong pid = ProcFs.readPid(pidFile);
        return pid.orElseThrow(() -> new AssertionError("no pid in " + pidFile));
    }

    /** @return whether {@code pid} exists and is not a zombie (read here, not with the code under test) */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends {@code signal} to {@code pid} (a pid this test started) with the kill command. */
    static void signal(long pid, int signal) throws Exception {
        if (pid <= 1 || pid == ProcessHandle.current().pid()) {
            throw new IllegalArgumentException("not a pid a test started: " + pid);
        }
        run("kill", "-" + signal, Long.toString(pid));
    }

    /** SIGKILLs {@code pid} (a pid this test started) and waits until it is dead. */
    static void kill9(long pid) throws Exception {
        signal(pid, 9);
        await().atMost(Duration.ofSeconds(10)).until(() -> !alive(pid));
    }

    /** @return the network namespace {@code pid} runs in, per {@code ip netns identify} */
    static String namespaceOf(long pid) throws Exception {
        return run("ip", "netns", "identify", Long.toString(pid)).strip();
    }

    /**
     * @return live (not zombie) processes other than this JVM and init whose command line contains
     *         {@code text}; read here, independently of the code under test, because the cleanup
     *         kills what this returns
     */
    static List<Long> livePidsCarrying(String text) throws IOException {
        if (text == null || text.length() < 32) {
            throw new IllegalArgumentException("not a test uuid: " + text);
        }
        List<Long> pids = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : ds) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid <= 1 || pid == self) {
                    continue;
                }
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                    String stat = Files.readString(p.resolve("stat"), StandardCharsets.ISO_8859_1);
                    char state = stat.charAt(stat.lastIndexOf(')') + 2);
                    if (cmdline.contains(text) && state != 'Z' && state != 'X') {
                        pids.add(pid);
                    }
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile
                }
            }
        }
        return pids;
    }

    /** @return names of live threads of this JVM starting with {@code l3ha-process} */
    static List<String> processThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("l3ha-process")).toList();
    }

    /** Runs a command; @return its stdout; fails on a non-zero exit. */
    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
