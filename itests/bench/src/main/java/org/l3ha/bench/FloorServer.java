package org.l3ha.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.l3ha.itests.support.Pids;

/**
 * The floor ({@code ../shared/bench/Floor.java}, compiled once into the scratch directory) as a
 * process: a unix-socket responder that reads the request headers, writes a fixed 200 and closes,
 * checking nothing; what one connection per request costs on this machine. Stopped by its pid.
 */
final class FloorServer implements AutoCloseable {
    private final Process process;
    private final Path socket;
    private final int threads;

    private FloorServer(Process process, Path socket, int threads) {
        this.process = process;
        this.socket = socket;
        this.threads = threads;
    }

    /** @return the accept threads the floor runs with: the available processors, at least 2 */
    static int threads() {
        return Math.max(2, Machine.cores());
    }

    /** Starts Floor on {@code dir/floor.sock} with {@link #threads()} threads and waits for its {@code ready} line. */
    static FloorServer start(Path classes, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path socket = dir.resolve("floor.sock");
        Path out = dir.resolve("floor.stdout");
        int threads = threads();
        Process p = new ProcessBuilder(List.of(BenchEnv.java().toString(), "-cp", classes.toString(), "Floor", socket.toString(),
                Integer.toString(threads)))
                .redirectOutput(out.toFile())
                .redirectError(dir.resolve("floor.stderr").toFile())
                .start();
        FloorServer floor = new FloorServer(p, socket, threads);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!Files.readString(out, StandardCharsets.UTF_8).lines().anyMatch("ready"::equals)) {
                if (!p.isAlive() || System.nanoTime() - deadline >= 0) {
                    throw new IllegalStateException("Floor printed no ready line" + (p.isAlive() ? " within 60 s" : " (exited "
                            + p.exitValue() + ")") + "; stderr: " + Files.readString(dir.resolve("floor.stderr")));
                }
                Thread.sleep(10); // poll interval
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            floor.close();
            throw e;
        }
        return floor;
    }

    Path socket() {
        return socket;
    }

    int threadCount() {
        return threads;
    }

    /** SIGKILL to the floor's JVM, by its pid. */
    @Override
    public void close() throws IOException {
        Pids.killTree(process);
    }
}
