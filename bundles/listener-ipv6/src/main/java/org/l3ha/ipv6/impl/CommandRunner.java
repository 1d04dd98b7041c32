package org.l3ha.ipv6.impl;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short command (a sysctl in a namespace) and returns its exit status and output. */
interface CommandRunner {

    /**
     * What a command did.
     *
     * @param status its exit status
     * @param output stdout and stderr, trimmed, lines joined with " | "
     */
    record Result(int status, String output) {
    }

    /** Runs commands as processes, each with a deadline of {@value SystemRunner#TIMEOUT_SECONDS} s. */
    CommandRunner SYSTEM = new SystemRunner();

    /**
     * @param command the command line
     * @return its result
     * @throws IOException if it cannot be started or does not exit in time (it is then killed)
     */
    Result run(List<String> command) throws IOException;

    /** {@link CommandRunner} of real processes; output goes to a temporary file, stdin is /dev/null. */
    final class SystemRunner implements CommandRunner {
        static final long TIMEOUT_SECONDS = 30;
        private static final int MAX_OUTPUT = 2048;

        @Override
        public Result run(List<String> command) throws IOException {
            Path out = Files.createTempFile("l3ha-ipv6-", ".out");
            try {
                Process p = new ProcessBuilder(command)
                        .redirectInput(Redirect.from(new File("/dev/null")))
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
                try {
                    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                        throw new IOException(command.get(0) + " did not exit within " + TIMEOUT_SECONDS + " s");
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for " + command.get(0), e);
                }
                return new Result(p.exitValue(), read(out));
            } finally {
                Files.deleteIfExists(out);
            }
        }

        private static String read(Path file) {
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_OUTPUT);
            } catch (IOException e) {
                return "";
            }
            return new String(bytes, StandardCharsets.UTF_8).strip().replaceAll("\\s*\\R\\s*", " | ");
        }
    }
}
