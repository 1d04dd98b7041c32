package org.l3ha.registry.file.impl;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Captures what slf4j-simple prints. slf4j-simple (configured in {@code simplelogger.properties}
 * with the uncached System.err target) looks up {@code System.err} on every line, so a tee on
 * {@code System.err} sees the lines of every thread, the watcher thread included.
 */
final class LogCapture implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    LogCapture() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (captured) {
                    original.write(b);
                    captured.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                    original.write(b, off, len);
                    captured.write(b, off, len);
                }
            }

            @Override
            public void flush() {
                original.flush();
            }
        };
        System.setErr(new PrintStream(tee, true, UTF_8));
    }

    /** @return captured lines that contain every fragment */
    List<String> lines(String... fragments) {
        String text;
        synchronized (captured) {
            text = captured.toString(UTF_8);
        }
        return text.lines()
                .filter(l -> Arrays.stream(fragments).allMatch(l::contains))
                .collect(Collectors.toList());
    }

    boolean has(String... fragments) {
        return !lines(fragments).isEmpty();
    }

    @Override
    public void close() {
        System.setErr(original);
    }
}
