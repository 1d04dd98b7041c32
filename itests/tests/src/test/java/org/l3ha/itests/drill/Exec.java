package org.l3ha.itests.drill;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs short commands (ip, nft, sysctl, curl, rdisc6) to completion. Output goes to a temporary
 * file rather than a pipe, so a command that leaves a daemon behind holding its stdout can never
 * block the test.
 */
final class Exec {
    /** Exit status and output (stdout and stderr interleaved). */
    record Result(int exit, String out) {
        boolean ok() {
            return exit == 0;
        }
    }

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private Exec() {
    }

    /** @return the result of {@code command}, whatever its exit status */
    static Result run(Duration timeout, String stdin, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("l3ha-drill-exec", ".out");
        Path in = null;
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
            if (stdin != null) {
                in = Files.createTempFile("l3ha-drill-exec", ".in");
                Files.writeString(in, stdin, StandardCharsets.UTF_8);
                pb.redirectInput(in.toFile());
            } else {
                pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            }
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("timed out after " + timeout + ": " + command);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            if (in != null) {
                Files.deleteIfExists(in);
            }
        }
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        return run(DEFAULT_TIMEOUT, null, command);
    }

    static Result run(String... command) throws IOException, InterruptedException {
        return run(List.of(command));
    }

    /** @return the output of {@code command}, which must exit 0 */
    static String ok(List<String> command) throws IOException, InterruptedException {
        return ok(DEFAULT_TIMEOUT, null, command);
    }

    static String ok(String... command) throws IOException, InterruptedException {
        return ok(List.of(command));
    }

    static String ok(Duration timeout, String stdin, List<String> command) throws IOException, InterruptedException {
        Result r = run(timeout, stdin, command);
        if (!r.ok()) {
            throw new IllegalStateException(command + " exited " + r.exit() + ": " + r.out().strip());
        }
        return r.out();
    }

    /** @return {@code ip netns exec <namespace> <command...>} */
    static List<String> inNamespace(String namespace, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        c.addAll(List.of(command));
        return c;
    }

    /** @return the value of a sysctl inside a namespace */
    static String sysctl(String namespace, String key) throws IOException, InterruptedException {
        return ok(inNamespace(namespace, "sysctl", "-n", key)).strip();
    }
}
