package org.l3ha.common.testing;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs short commands (ip, nft, sysctl, curl, tar, jcmd, ...) to completion for tests, integration
 * tests and benchmarks. Output goes to a temporary file rather than a pipe, so a command that
 * leaves a daemon behind holding its stdout can never block the caller. An interrupt kills the
 * command and ends in an {@link InterruptedIOException} with the interrupt flag set again.
 */
public final class Exec {
    /** Exit status and output (stdout and stderr interleaved). */
    public record Result(int exit, String out) {
        public boolean ok() {
            return exit == 0;
        }
    }

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private Exec() {
    }

    /**
     * @param stdin what the command reads, or null for {@code /dev/null}
     * @return the result of {@code command}, whatever its exit status
     * @throws IOException if it cannot be started, or does not exit within {@code timeout} (it is
     *         killed then)
     */
    public static Result run(Duration timeout, String stdin, List<String> command) throws IOException {
        if (stdin == null) {
            return execute(timeout, ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()), command);
        }
        Path in = Files.createTempFile("l3ha-test-exec", ".in");
        try {
            Files.writeString(in, stdin, StandardCharsets.UTF_8);
            return execute(timeout, ProcessBuilder.Redirect.from(in.toFile()), command);
        } finally {
            Files.deleteIfExists(in);
        }
    }

    /**
     * As {@link #ok(Duration, String, List)}, with stdin a pipe that stays open (nothing is written
     * to it) until the command ends: for clients that end their session when their input ends, such
     * as Karaf's {@code bin/client}.
     */
    public static String okWithOpenStdin(Duration timeout, List<String> command) throws IOException {
        return ok(execute(timeout, ProcessBuilder.Redirect.PIPE, command), command);
    }

    private static Result execute(Duration timeout, ProcessBuilder.Redirect stdin, List<String> command) throws IOException {
        Path out = Files.createTempFile("l3ha-test-exec", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(stdin)
                    .start();
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                    throw new IOException(command + " did not finish within " + timeout + ": "
                            + Files.readString(out, StandardCharsets.UTF_8).strip());
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                InterruptedIOException ie = new InterruptedIOException("interrupted while running " + command);
                ie.initCause(e);
                throw ie;
            } finally {
                p.getOutputStream().close(); // the open stdin, if it is one
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    public static Result run(List<String> command) throws IOException {
        return run(DEFAULT_TIMEOUT, null, command);
    }

    public static Result run(String... command) throws IOException {
        return run(List.of(command));
    }

    /**
     * @return the output of {@code command}
     * @throws IOException naming the command, its exit status and its output unless it exits 0
     *         within {@code timeout}
     */
    public static String ok(Duration timeout, String stdin, List<String> command) throws IOException {
        return ok(run(timeout, stdin, command), command);
    }

    private static String ok(Result r, List<String> command) throws IOException {
        if (!r.ok()) {
            throw new IOException(command + " exited " + r.exit() + ": " + r.out().strip());
        }
        return r.out();
    }

    public static String ok(List<String> command) throws IOException {
        return ok(DEFAULT_TIMEOUT, null, command);
    }

    public static String ok(String... command) throws IOException {
        return ok(List.of(command));
    }

    /** @return {@code ip netns exec <namespace> <command...>} */
    public static List<String> inNamespace(String namespace, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        c.addAll(List.of(command));
        return c;
    }

    /** @return the value of a sysctl inside a namespace */
    public static String sysctl(String namespace, String key) throws IOException {
        return ok(inNamespace(namespace, "sysctl", "-n", key)).strip();
    }
}
