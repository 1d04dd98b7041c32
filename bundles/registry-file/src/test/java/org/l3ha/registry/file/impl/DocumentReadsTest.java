package org.l3ha.registry.file.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

class DocumentReadsTest {
    final Path file = Path.of("/nowhere/a.json");

    @Test
    void theReadersBytesAndFailuresComeThrough() throws Exception {
        DocumentReads ok = new DocumentReads((f, max) -> {
            assertEquals(DocumentReads.MAX_FILE_BYTES, max);
            return new byte[] {1, 2};
        }, Duration.ofSeconds(30));
        assertArrayEquals(new byte[] {1, 2}, ok.read(file));

        DocumentReads failing = new DocumentReads((f, max) -> {
            throw new IOException("disk on fire");
        }, Duration.ofSeconds(30));
        IOException e = assertThrows(IOException.class, () -> failing.read(file));
        assertEquals("disk on fire", e.getMessage());
    }

    @Test
    void aReadThatDoesNotFinishInTimeIsGivenUpWithoutARetry() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        DocumentReads stuck = new DocumentReads((f, max) -> {
            try {
                release.await();
                return new byte[0];
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IOException(ie);
            } finally {
                ended.countDown();
            }
        }, Duration.ofMillis(200));
        try {
            DocumentReads.StuckReadException e = assertThrows(DocumentReads.StuckReadException.class,
                    () -> stuck.read(file));
            assertTrue(e.getMessage().startsWith("reading it did not finish within 200 ms"), e.getMessage());
            assertFalse(e.retry(), "the same file is not read again until it changes");
        } finally {
            release.countDown();
        }
        ended.await();   // the reader thread is free again for the other tests
    }
}
