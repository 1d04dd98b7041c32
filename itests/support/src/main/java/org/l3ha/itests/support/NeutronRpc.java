package org.l3ha.itests.support;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What an L3 agent says to neutron-server over RPC, through {@code itests/neutron-peer/neutron-agents.py}
 * (the real oslo.messaging, run by {@code /usr/bin/python3}): one-shot calls and casts whose reply
 * comes back as parsed JSON, {@code ports-up}, and a capture of what the server sends to agents.
 */
public final class NeutronRpc {
    /** The interpreter with python3-neutron's and python3-oslo.messaging's libraries. */
    public static final String PYTHON = "/usr/bin/python3";
    /** neutron-server's L3 plugin RPC topic. */
    public static final String L3_PLUGIN = "q-l3-plugin";
    /** Exit status of neutron-agents.py for a remote exception. */
    private static final int EXIT_REMOTE_ERROR = 3;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The RPC timeout the program gets; the process gets more (Python's start on a loaded machine). */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration PROCESS_SLACK = Duration.ofSeconds(120);

    private final Path program;
    private final String transportUrl;
    private final String exchange;
    private final Supplier<String> diagnostics;

    public NeutronRpc(Path program, String transportUrl, String exchange, Supplier<String> diagnostics) {
        this.program = program;
        this.transportUrl = transportUrl;
        this.exchange = exchange;
        this.diagnostics = diagnostics;
    }

    /** neutron-server answered with an exception (oslo.messaging's RemoteError). */
    public static final class RemoteException extends IOException {
        private static final long serialVersionUID = 1L;
        private final String type;
        private final String remoteMessage;

        RemoteException(String call, String type, String remoteMessage) {
            super(call + " raised " + type + ": " + remoteMessage);
            this.type = type;
            this.remoteMessage = remoteMessage;
        }

        /** @return the remote exception's class name, such as {@code AgentNotFoundByTypeHost} */
        public String type() {
            return type;
        }

        public String remoteMessage() {
            return remoteMessage;
        }
    }

    // ---- the L3 agent's calls (topic q-l3-plugin, versions as Neutron's L3 agent asks for them)

    /** @return the ids of the routers scheduled to {@code host}'s L3 agent ({@code get_router_ids}, 1.9) */
    public JsonNode getRouterIds(String host) throws IOException {
        return call(L3_PLUGIN, "get_router_ids", "1.9", Map.of("host", host));
    }

    /**
     * @param routerIds the routers wanted; an empty list means all of the host's routers
     * @return the list of router dicts {@code sync_routers} (1.0) gives {@code host}
     * @throws RemoteException {@code AgentNotFoundByTypeHost} if {@code host} has no L3 agent registered
     */
    public JsonNode syncRouters(String host, List<String> routerIds) throws IOException {
        return call(L3_PLUGIN, "sync_routers", "1.0", Map.of("host", host, "router_ids", routerIds));
    }

    /** Casts {@code update_ha_routers_states} (1.5) as an L3 agent reports: router id → active, standby or unknown. */
    public void updateHaRoutersStates(String host, Map<String, String> states) throws IOException {
        cast(L3_PLUGIN, "update_ha_routers_states", "1.5", Map.of("host", host, "states", states));
    }

    /**
     * Whether {@code host} is a registered L3 agent, cheaply: {@code sync_routers} for one router id
     * that exists nowhere. Observed on Neutron 21 (NeutronPeerIT): a host without an L3 agent gets
     * {@code AgentNotFoundByTypeHost}, a registered one an empty list (nothing bound, nothing
     * built). {@code get_router_ids} cannot tell (an unregistered host gets [] too), and
     * {@code sync_routers} with an empty id list gives a registered host all its routers.
     */
    public boolean isRegisteredL3Agent(String host) throws IOException {
        try {
            syncRouters(host, List.of(UUID.randomUUID().toString()));
            return true;
        } catch (RemoteException e) {
            if ("AgentNotFoundByTypeHost".equals(e.type())) {
                return false;
            }
            throw e;
        }
    }

    /**
     * {@code update_device_up} (topic q-plugin) for every port of {@code host}'s routers bound to
     * {@code host} and not ACTIVE, as its L2 agent does once they are wired.
     *
     * @return the ids of those ports
     */
    public List<String> portsUp(String host) throws IOException {
        JsonNode ids = run("ports-up " + host, List.of("ports-up", host, "--timeout", seconds(CALL_TIMEOUT)));
        List<String> out = new ArrayList<>();
        ids.forEach(n -> out.add(n.asText()));
        return out;
    }

    // ---- any call

    /**
     * @return the call's result as JSON
     * @throws RemoteException if the server raised an exception
     * @throws IOException naming the call, for a timeout or anything else, with the server's log
     */
    public JsonNode call(String topic, String method, String version, Map<String, ?> args) throws IOException {
        return run(method + args + " on " + topic, List.of("rpc-call", "--topic", topic, "--method", method, "--version", version,
                "--args", JSON.writeValueAsString(args), "--timeout", seconds(CALL_TIMEOUT)));
    }

    public void cast(String topic, String method, String version, Map<String, ?> args) throws IOException {
        run("cast " + method + args + " on " + topic,
                List.of("rpc-cast", "--topic", topic, "--method", method, "--version", version, "--args", JSON.writeValueAsString(args)));
    }

    private JsonNode run(String what, List<String> command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, program.toString(), "--url", transportUrl, "--exchange", exchange));
        cmd.addAll(command);
        Path out = Files.createTempFile("l3ha-neutron-rpc", ".out");
        Path err = Files.createTempFile("l3ha-neutron-rpc", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                if (!p.waitFor(CALL_TIMEOUT.plus(PROCESS_SLACK).toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                    throw new IOException(what + ": neutron-agents.py did not finish within " + CALL_TIMEOUT.plus(PROCESS_SLACK) + "; stderr: "
                            + Files.readString(err, StandardCharsets.UTF_8).strip() + "\n" + diagnostics.get());
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted: " + what);
            }
            String stdout = Files.readString(out, StandardCharsets.UTF_8).strip();
            String stderr = Files.readString(err, StandardCharsets.UTF_8).strip();
            if (p.exitValue() == EXIT_REMOTE_ERROR) {
                for (String line : stderr.split("\n")) {
                    if (line.startsWith("remote error: ")) {
                        String rest = line.substring("remote error: ".length());
                        int colon = rest.indexOf(": ");
                        throw new RemoteException(what, colon < 0 ? rest : rest.substring(0, colon), colon < 0 ? "" : rest.substring(colon + 2));
                    }
                }
            }
            if (p.exitValue() != 0) {
                throw new IOException(what + ": neutron-agents.py exited " + p.exitValue() + ": " + stderr + "\n" + diagnostics.get());
            }
            if (stdout.equals("cast")) {
                return JSON.nullNode();
            }
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new IOException(what + ": not JSON: " + stdout + "; stderr: " + stderr, e);
            }
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String seconds(Duration d) {
        return Long.toString(d.toSeconds());
    }

    // ---- what the server sends to agents

    /**
     * Starts capturing into {@code out}: a queue of its own bound to each topic exchange binding
     * ({@code "neutron:l3_agent.node-a"}: exchange, routing key) and each fanout exchange
     * ({@code "l3_agent_fanout"}); every message lands in {@code out} as one JSON line with its
     * exchange, routing key and raw body (the oslo.messaging envelope). Returns once bound.
     */
    public Capture capture(Path out, List<String> bindings, List<String> fanouts) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, program.toString(), "--url", transportUrl, "--exchange", exchange, "capture",
                "--out", out.toString()));
        bindings.forEach(b -> cmd.addAll(List.of("--bind", b)));
        fanouts.forEach(f -> cmd.addAll(List.of("--fanout", f)));
        Path log = out.resolveSibling(out.getFileName() + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        Capture c = new Capture(p, out, log);
        try {
            Poll.until("the capture bound (" + log + ")", Duration.ofSeconds(120), () -> {
                if (!p.isAlive()) {
                    throw new AssertionError("neutron-agents.py capture exited " + p.exitValue() + ": " + Files.readString(log));
                }
                return Files.readString(log).contains("capturing");
            });
        } catch (AssertionError | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** A running capture; {@link #close()} ends it (SIGTERM, SIGKILL after 20 s). */
    public static final class Capture implements AutoCloseable {
        private final Process process;
        private final Path out;
        private final Path log;

        Capture(Process process, Path out, Path log) {
            this.process = process;
            this.out = out;
            this.log = log;
        }

        /** @return the messages captured so far, in order */
        public List<JsonNode> messages() throws IOException {
            List<JsonNode> m = new ArrayList<>();
            if (Files.exists(out)) {
                for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        m.add(JSON.readTree(line));
                    }
                }
            }
            return m;
        }

        /** @return the oslo.messaging message inside an envelope ({@code oslo.message}, itself JSON text) */
        public static JsonNode payload(JsonNode captured) throws IOException {
            return JSON.readTree(captured.path("body").path("oslo.message").asText());
        }

        public Path log() {
            return log;
        }

        @Override
        public void close() throws IOException {
            if (!process.isAlive()) {
                return;
            }
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    Pids.killTree(process);
                }
            } catch (InterruptedException e) {
                Pids.killTree(process);
                Thread.currentThread().interrupt();
            }
        }
    }
}
