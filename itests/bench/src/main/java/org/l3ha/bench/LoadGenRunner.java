package org.l3ha.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.l3ha.common.testing.Exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Runs {@code ../shared/bench/LoadGen.java} (compiled once) and parses its JSON line. */
final class LoadGenRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path classes;

    LoadGenRunner(Path classes) {
        this.classes = classes;
    }

    JsonNode run(Path socket, int requests, int concurrency, int routers, String states, String client)
            throws IOException {
        String out = Exec.ok(Duration.ofMinutes(20), null, List.of(BenchEnv.java().toString(), "-cp", classes.toString(),
                "LoadGen", "--socket", socket.toString(), "--requests", Integer.toString(requests),
                "--concurrency", Integer.toString(concurrency), "--routers", Integer.toString(routers),
                "--states", states, "--client", client));
        String[] lines = out.strip().split("\\R");
        return JSON.readTree(lines[lines.length - 1]);
    }
}
