package org.l3ha.itests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.rules.TestRule;
import org.junit.runner.Description;
import org.junit.runners.model.Statement;

/**
 * A JUnit rule for tests running in Karaf: a failing test carries the tail of karaf.log (as a
 * suppressed exception), since the unpacked container is deleted after the class unless
 * {@code -Dl3ha.itests.keepRuntime=true}.
 */
public final class KarafLog implements TestRule {
    private static final int LINES = 150;

    /** karaf.log's last lines, attached to a failure. */
    static final class Tail extends Exception {
        private static final long serialVersionUID = 1L;

        Tail(String text) {
            super(text, null, false, false);
        }
    }

    @Override
    public Statement apply(Statement base, Description description) {
        return new Statement() {
            @Override
            public void evaluate() throws Throwable {
                try {
                    base.evaluate();
                } catch (Throwable t) {
                    t.addSuppressed(new Tail("last " + LINES + " lines of karaf.log:\n" + tail()));
                    throw t;
                }
            }
        };
    }

    /** @return every line of karaf.log so far (empty outside Karaf) */
    public static List<String> lines() {
        String dir = System.getProperty("karaf.log");
        if (dir == null) {
            return List.of();
        }
        try {
            return Files.readAllLines(Path.of(dir, "karaf.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** @return karaf.log's last lines, or why there are none */
    public static String tail() {
        if (System.getProperty("karaf.log") == null) {
            return "(not in Karaf)";
        }
        try {
            List<String> lines = lines();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LINES), lines.size()));
        } catch (java.io.UncheckedIOException e) {
            return e.getCause().toString();
        }
    }
}
