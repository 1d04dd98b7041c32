package org.l3ha.process.impl;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short-lived command (a daemon's launcher, which forks the daemon and exits, or
 * {@code kill}) and waits for it with a deadline.
 *
 * <p>Its stderr goes to a temporary file, not a pipe: a daemon inherits the launcher's stderr, and
 * reading a pipe to its end would wait for the daemon (the reason Neutron needs radvd's
 * {@code -m syslog}). The file is read after the launcher exits and deleted at once; stdin is
 * {@code /dev/null}, stdout is discarded.
 */
final class Launcher {

    /** How much of stderr goes into a message. */
    private static final int MAX_STDERR = 2048;
    private static final File DEV_NULL = new File("/dev/null");

    /**
     * What a launcher did.
     *
     * @param exited whether it exited before the deadline (if not, it was killed)
     * @param status its exit status (meaningful if it exited)
     * @param stderr what it wrote to stderr, trimmed, lines joined with " | "
     */
    record Result(boolean exited, int status, String stderr) {
    }

    private Launcher() {
    }

    /**
     * @param command the command line
     * @param deadlineNanos {@link System#nanoTime()} by which it must have exited; after that it is killed
     * @throws IOException if it cannot be started (program missing, not executable)
     * @throws InterruptedException if interrupted while waiting (the launcher is left to finish)
     */
    static Result run(List<String> command, long deadlineNanos) throws IOException, InterruptedException {
        Path err = Files.createTempFile("l3ha-process-", ".stderr");
        try {
            Process p = new ProcessBuilder(command)
                    .redirectInput(Redirect.from(DEV_NULL))
                    .redirectOutput(Redirect.DISCARD)
                    .redirectError(err.toFile())
                    .start();
            long left = deadlineNanos - System.nanoTime();
            if (!p.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                p.destroyForcibly();
                p.waitFor(1, TimeUnit.SECONDS);
                return new Result(false, -1, stderr(err));
            }
            return new Result(true, p.exitValue(), stderr(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private static String stderr(Path file) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_STDERR);
        } catch (IOException e) {
            return "";
        }
        return new String(bytes, StandardCharsets.UTF_8).strip().replaceAll("\\s*\\R\\s*", " | ");
    }
}
