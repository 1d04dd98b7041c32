package org.l3ha.oslo.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The test resource {@code oslo_rpc_server.py} (beside this class) run by Debian's {@code /usr/bin/python3} with
 * {@code python3-oslo.messaging}: a real oslo.messaging RPC server exposing
 * {@code update_ha_routers_states} at version 1.13, recording each call. Only the process started
 * here is ever stopped.
 */
public final class OsloServerProcess implements AutoCloseable {
    public static final String PYTHON = "/usr/bin/python3";
    public static final String SERVER_NAME = "l3ha-test-server";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path out;
    private final Path err;
    private final Path record;

    private OsloServerProcess(Process process, Path out, Path err, Path record) {
        this.process = process;
        this.out = out;
        this.err = err;
        this.record = record;
    }

    /** Starts the server and waits until its queues are declared and bound. */
    public static OsloServerProcess start(Path dir, String url, String exchange, String topic) throws IOException {
        Files.createDirectories(dir);
        Path out = Files.createTempFile(dir, "oslo-server", ".out");
        Path err = Files.createTempFile(dir, "oslo-server", ".err");
        Path record = Files.createTempFile(dir, "oslo-server", ".jsonl");
        Process p = new ProcessBuilder(PYTHON, script("oslo_rpc_server.py").toString(), "--url", url, "--exchange",
                exchange, "--topic", topic, "--server", SERVER_NAME, "--record", record.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        OsloServerProcess server = new OsloServerProcess(p, out, err, record);
        try {
            await("oslo.messaging RPC server ready").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> !p.isAlive() || Files.readString(out).contains("READY"));
            if (!p.isAlive()) {
                throw new IllegalStateException("oslo_rpc_server.py exited with " + p.exitValue() + ": "
                        + Files.readString(err));
            }
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /**
     * @return the path of a script beside this class in the test resources, copied to a temporary
     *         file when it is inside a jar (the test-jar other modules' tests use)
     */
    public static Path script(String name) {
        URL url = OsloServerProcess.class.getResource(name);
        if (url == null) {
            throw new IllegalStateException("test resource " + name + " not found beside " + OsloServerProcess.class);
        }
        try {
            if (url.getProtocol().equals("file")) {
                return Path.of(url.toURI());
            }
            Path copy = Files.createTempFile("l3ha-" + name.replace(".py", "-"), ".py");
            copy.toFile().deleteOnExit();
            try (InputStream in = url.openStream()) {
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            return copy;
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot read test resource " + url, e);
        }
    }

    /** @return the calls recorded so far, in order: {host, states, context, context_keys} */
    public List<JsonNode> records() throws IOException {
        List<JsonNode> list = new ArrayList<>();
        for (String line : Files.readAllLines(record, StandardCharsets.UTF_8)) {
            if (line.endsWith("}")) { // a line being written is skipped until complete
                list.add(JSON.readTree(line));
            }
        }
        return list;
    }

    public String stderr() throws IOException {
        return Files.readString(err);
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: the script stops its server and exits
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
