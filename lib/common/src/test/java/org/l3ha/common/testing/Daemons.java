package org.l3ha.common.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** What a test reads of a daemon it started, from {@code /proc}. */
public final class Daemons {
    private static final long POLL_MS = 50;

    private Daemons() {
    }

    /** @return the effective uid of {@code pid}, from /proc/&lt;pid&gt;/status */
    public static String uid(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("Uid:")) {
                return line.substring(4).strip().split("\\s+")[1];
            }
        }
        throw new AssertionError("no Uid in /proc/" + pid + "/status");
    }

    /**
     * Waits until {@code pid} runs as {@code expected}. Daemons such as haproxy and radvd start as
     * root, write their pid file and only then drop privileges; on a busy machine that takes a
     * moment. Fails at once on any uid other than root and {@code expected}, and after
     * {@code within} if it is still root, saying what it saw.
     */
    public static void awaitUid(long pid, String expected, Duration within) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            String seen = uid(pid);
            if (seen.equals(expected)) {
                return;
            }
            if (!seen.equals("0")) {
                throw new AssertionError("pid " + pid + " runs as uid " + seen + ", expected " + expected);
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("pid " + pid + " still runs as root (uid 0) after " + within
                        + ", expected uid " + expected);
            }
            Thread.sleep(POLL_MS);
        }
    }
}
