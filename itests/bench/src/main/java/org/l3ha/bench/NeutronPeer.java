package org.l3ha.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.l3ha.itests.support.Pids;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Neutron's own endpoint ({@code ../shared/bench/neutron_peer_server.py}: the real
 * {@code L3AgentKeepalivedStateChangeServer} with a counting agent) as a process.
 */
final class NeutronPeer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path socket;
    private final Path stdout;
    private int consumed;

    private NeutronPeer(Process process, Path socket, Path stdout) {
        this.process = process;
        this.socket = socket;
        this.stdout = stdout;
    }

    /** Starts the server on {@code dir/keepalived-state-change} and waits for its ready line. */
    static NeutronPeer start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path socket = dir.resolve("keepalived-state-change");
        Path out = dir.resolve("peer.stdout");
        // stdout to a file, read back line by line: its JSON lines survive the process's exit
        Process p = new ProcessBuilder(List.of(BenchEnv.PYTHON, BenchEnv.sharedBench().resolve("neutron_peer_server.py").toString(),
                socket.toString(), "--log-file", dir.resolve("peer.log").toString()))
                .redirectOutput(out.toFile())
                .redirectError(dir.resolve("peer.stderr").toFile())
                .start();
        NeutronPeer peer = new NeutronPeer(p, socket, out);
        try {
            JsonNode ready = peer.nextJson(Duration.ofSeconds(60));
            if (!ready.path("ready").asBoolean()) {
                throw new IllegalStateException("neutron_peer_server.py: unexpected first line " + ready);
            }
        } catch (RuntimeException | IOException e) {
            peer.close();
            throw e;
        }
        return peer;
    }

    Path socket() {
        return socket;
    }

    private JsonNode nextJson(Duration timeout) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> lines = Files.exists(stdout) ? Files.readAllLines(stdout, StandardCharsets.UTF_8) : List.of();
            while (consumed < lines.size()) {
                String l = lines.get(consumed++);
                if (l.startsWith("{")) {
                    return JSON.readTree(l);
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("neutron_peer_server.py printed no further JSON line within " + timeout
                        + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")") + "; stdout: " + lines);
            }
            Thread.sleep(10); // poll interval
        }
    }

    /** SIGTERM; @return its summary line ({@code total}, {@code by_state}, {@code distinct_routers}) */
    JsonNode stop() throws InterruptedException, IOException {
        process.destroy();
        JsonNode summary;
        do {
            summary = nextJson(Duration.ofSeconds(30));
        } while (!summary.path("summary").asBoolean());
        process.waitFor(30, TimeUnit.SECONDS);
        return summary;
    }

    @Override
    public void close() throws IOException {
        Pids.killTree(process);
    }
}
