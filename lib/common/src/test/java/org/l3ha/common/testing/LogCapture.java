package org.l3ha.common.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Captures what slf4j-simple prints while still passing it through. slf4j-simple looks up
 * {@code System.err} on every line when configured with the uncached target
 * ({@code org.slf4j.simpleLogger.logFile=System.err} and {@code cacheOutputStream=false}, its
 * default), so a tee on {@code System.err} sees the lines of every thread. Close to restore.
 */
public final class LogCapture implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    public LogCapture() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (captured) {
                    captured.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                    captured.write(b, off, len);
                }
                original.write(b, off, len);
            }

            @Override
            public void flush() {
                original.flush();
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    /** @return everything captured so far */
    public String text() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    /** @return captured lines that contain every fragment */
    public List<String> lines(String... fragments) {
        return text().lines().filter(l -> Arrays.stream(fragments).allMatch(l::contains)).collect(Collectors.toList());
    }

    /** @return whether a captured line contains every fragment */
    public boolean has(String... fragments) {
        return !lines(fragments).isEmpty();
    }

    @Override
    public void close() {
        System.setErr(original);
    }
}
