package org.l3ha.itests.support;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.l3ha.common.testing.Exec;

/**
 * A real neutron-server (Debian's python3-neutron) as a test peer: {@code
 * itests/neutron-peer/neutron-peer.sh up} into a scratch directory, {@code down} on {@link #close()}.
 * The script creates (and drops) a database, a database user and a RabbitMQ vhost of its own, and
 * with hosts given, keeps an L3 agent and an Open vSwitch agent of each host registered
 * ({@code neutron-agents.py heartbeat}). What it started is described by its {@code peer.env}, read
 * here. Every failure carries the end of the server's log. A JVM that exits without
 * {@link #close()} still runs {@code down} (a shutdown hook).
 */
public final class NeutronServer implements AutoCloseable {
    /** System property: the path of {@code neutron-peer.sh} (else found from the working directory). */
    public static final String SCRIPT_PROPERTY = "l3ha.neutron.peer";
    /** Where the script is, relative to the repository's root. */
    public static final String SCRIPT = "itests/neutron-peer/neutron-peer.sh";
    /** The agents program beside the script. */
    public static final String AGENTS = "neutron-agents.py";
    /** Lines of the server's log a failure shows. */
    private static final int TAIL = 60;
    /** The schema migration and the start, on a loaded 2-core machine, with room to spare. */
    private static final Duration UP_TIMEOUT = Duration.ofMinutes(15);
    private static final Duration DOWN_TIMEOUT = Duration.ofMinutes(5);

    private final Path script;
    private final Path dir;
    private final Map<String, String> env;
    private final String upOutput;
    private final Thread shutdownHook;
    private boolean closed;
    private String downOutput = "";

    private NeutronServer(Path script, Path dir, Map<String, String> env, String upOutput, Thread shutdownHook) {
        this.script = script;
        this.dir = dir;
        this.env = env;
        this.upOutput = upOutput;
        this.shutdownHook = shutdownHook;
    }

    /**
     * Runs {@code neutron-peer.sh up dir [--hosts h1,h2,...]} and waits for it (the API answers, the
     * hosts' agents are registered).
     *
     * @throws IOException with the script's output and the end of the server's log if it fails
     *         (everything it created is dropped again then)
     */
    public static NeutronServer up(Path dir, String... hosts) throws IOException {
        Path script = script();
        Files.createDirectories(dir);
        Path abs = dir.toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString(), "up", abs.toString()));
        if (hosts.length > 0) {
            cmd.add("--hosts");
            cmd.add(String.join(",", hosts));
        }
        Thread hook = new Thread(() -> down(script, abs), "neutron-peer-down " + abs);
        Runtime.getRuntime().addShutdownHook(hook);
        Exec.Result r;
        try {
            r = Exec.run(UP_TIMEOUT, null, cmd);
        } catch (IOException e) {
            // a timeout killed the script before it could undo what it had done
            String downOutput = down(script, abs);
            removeHook(hook);
            throw new IOException(e.getMessage() + "\n" + downOutput + "\n" + tail(abs.resolve("neutron-server.log"), TAIL), e);
        }
        Path envFile = abs.resolve("peer.env");
        if (!r.ok() || !Files.exists(envFile)) {
            String downOutput = down(script, abs);
            removeHook(hook);
            throw new IOException(cmd + " exited " + r.exit() + ":\n" + r.out().strip() + "\n" + downOutput + "\nlast " + TAIL
                    + " lines of the server's log:\n" + tail(abs.resolve("neutron-server.log"), TAIL));
        }
        return new NeutronServer(script, abs, readEnv(envFile), r.out(), hook);
    }

    /**
     * @return {@code neutron-peer.sh}: system property {@value #SCRIPT_PROPERTY}, else {@value #SCRIPT}
     *         in the working directory or the nearest parent directory that has it
     */
    public static Path script() {
        String property = System.getProperty(SCRIPT_PROPERTY);
        if (property != null && !property.isBlank()) {
            Path p = Path.of(property).toAbsolutePath().normalize();
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException(SCRIPT_PROPERTY + " = " + property + ": no such file");
            }
            return p;
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve(SCRIPT);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("no " + SCRIPT + " in " + Path.of("").toAbsolutePath()
                + " or a parent directory; set system property " + SCRIPT_PROPERTY);
    }

    /** @return {@code peer.env}'s KEY=VALUE lines (quotes around a value removed) */
    static Map<String, String> readEnv(Path file) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (line.isBlank() || line.startsWith("#") || eq < 1) {
                continue;
            }
            String v = line.substring(eq + 1);
            if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
                v = v.substring(1, v.length() - 1);
            }
            m.put(line.substring(0, eq), v);
        }
        return Collections.unmodifiableMap(m);
    }

    public Path dir() {
        return dir;
    }

    /** @return everything {@code peer.env} says */
    public Map<String, String> env() {
        return env;
    }

    /** @return the value of {@code key} in {@code peer.env} */
    public String get(String key) {
        String v = env.get(key);
        if (v == null) {
            throw new IllegalStateException("no " + key + " in " + dir.resolve("peer.env") + ": " + env.keySet());
        }
        return v;
    }

    /** @return the API's base URL ({@code http://127.0.0.1:<port>}) */
    public URI url() {
        return URI.create(get("NEUTRON_URL"));
    }

    /** @return {@code rabbit://guest:guest@127.0.0.1:5672/<vhost>} */
    public String transportUrl() {
        return get("TRANSPORT_URL");
    }

    /** @return neutron-server's control exchange ({@code neutron}) */
    public String controlExchange() {
        return get("CONTROL_EXCHANGE");
    }

    /** @return the name of the database, of its user and of the vhost (one name for the three) */
    public String database() {
        return get("DB_NAME");
    }

    public String databaseUser() {
        return get("DB_USER");
    }

    public String vhost() {
        return get("VHOST");
    }

    /** @return neutron-server's parent process */
    public long serverPid() {
        return Long.parseLong(get("SERVER_PID"));
    }

    /** @return the server's processes when it had started (the parent and its workers) */
    public List<Long> serverPids() {
        return Arrays.stream(get("SERVER_PIDS").trim().split("\\s+")).filter(s -> !s.isEmpty()).map(Long::valueOf).toList();
    }

    /** @return the heartbeat program's pid, if hosts were given */
    public List<Long> agentsPids() {
        String v = env.getOrDefault("AGENTS_PID", "");
        return v.isBlank() ? List.of() : List.of(Long.valueOf(v.trim()));
    }

    /** @return seconds {@code up} measured for a step: SCHEMA, START, AGENTS, RESOURCES */
    public double seconds(String step) {
        String v = env.getOrDefault(step + "_SECONDS", "");
        return v.isBlank() ? Double.NaN : Double.parseDouble(v);
    }

    /** @return what {@code up} printed */
    public String upOutput() {
        return upOutput;
    }

    /** @return what {@code down} printed ("" before {@link #close()}) */
    public synchronized String downOutput() {
        return downOutput;
    }

    public Path serverLog() {
        return dir.resolve("neutron-server.log");
    }

    /** @return the last {@code lines} lines of the server's log */
    public String logTail(int lines) {
        return tail(serverLog(), lines);
    }

    /** @return a REST client of this server's API */
    public NeutronApi api() {
        return new NeutronApi(url(), () -> "last " + TAIL + " lines of " + serverLog() + ":\n" + logTail(TAIL));
    }

    /** @return what an agent says over RPC to this server ({@code neutron-agents.py}) */
    public NeutronRpc rpc() {
        return new NeutronRpc(script.resolveSibling(AGENTS), transportUrl(), controlExchange(),
                () -> "last " + TAIL + " lines of " + serverLog() + ":\n" + logTail(TAIL));
    }

    /**
     * {@code neutron-peer.sh down}: stops the agents and the server, drops the database, the user and
     * the vhost. The scratch directory (with the logs) stays, the caller's.
     *
     * @throws IOException with the script's output if it fails
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        removeHook(shutdownHook);
        List<String> cmd = List.of("bash", script.toString(), "down", dir.toString());
        Exec.Result r = Exec.run(DOWN_TIMEOUT, null, cmd);
        downOutput = r.out();
        if (!r.ok()) {
            throw new IOException(cmd + " exited " + r.exit() + ":\n" + r.out().strip() + "\nlast " + TAIL + " lines of the server's log:\n"
                    + logTail(TAIL));
        }
    }

    /** {@code down}, never throwing: @return its output, or why it failed */
    private static String down(Path script, Path dir) {
        try {
            Exec.Result r = Exec.run(DOWN_TIMEOUT, null, List.of("bash", script.toString(), "down", dir.toString()));
            return "down exited " + r.exit() + ": " + r.out().strip();
        } catch (IOException | RuntimeException e) {
            return "down failed: " + e;
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (or ran) anyway
        }
    }

    private static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(no " + file + ")";
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
