package org.l3ha.registry.file.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.l3ha.common.SafeFiles;

/**
 * Reads the bytes of one router document with a time limit, so that no read can hang the
 * registry.
 *
 * <p>{@link RouterFiles} checks that a file is regular and then opens it by name, so whoever can
 * write the directory can swap a FIFO in between; opening it would wait for a writer for ever,
 * under the registry's lock (activation, reconfiguration and deactivation would hang with it), and
 * Java cannot open without blocking. So every read runs on a small pool of daemon threads
 * ({@value #READER_THREAD}) and is given {@link #READ_LIMIT}: a read that takes longer is given up
 * ({@link StuckReadException}, "did not finish") and left to its thread. While
 * {@link #MAX_STUCK_READS} reads are stuck, no read starts (a {@link StuckReadException} that
 * asks for a retry: "earlier reads are stuck").
 */
final class DocumentReads {

    /** A router document is a few KB; anything this large is not one. */
    static final int MAX_FILE_BYTES = 4 * 1024 * 1024;
    /** Longest a document's read may take (a few KB from a local disk take microseconds). */
    static final Duration READ_LIMIT = Duration.ofSeconds(10);
    static final String READER_THREAD = "l3ha-registry-file-read";
    /** Reads left waiting (on a swapped-in FIFO) before no file is read any more: the reader threads. */
    static final int MAX_STUCK_READS = 4;

    /** How a document's bytes are read; tests stand in a read that blocks. */
    interface DocumentReader {
        byte[] read(Path file, int max) throws IOException;
    }

    /** A read that did not finish within the limit, or could not start because earlier ones are stuck. */
    static final class StuckReadException extends IOException {
        private static final long serialVersionUID = 1L;
        private final boolean retry;

        StuckReadException(String message, boolean retry) {
            super(message);
            this.retry = retry;
        }

        /** @return whether the file should be read again even if it does not change (the read never started) */
        boolean retry() {
            return retry;
        }
    }

    /* shared by every registry of this bundle; threads end when idle, a stuck one stays stuck */
    private static final ThreadPoolExecutor READERS = new ThreadPoolExecutor(0, MAX_STUCK_READS, 30,
            TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, READER_THREAD);
                t.setDaemon(true);
                return t;
            });

    private final DocumentReader reader;
    private final Duration readLimit;

    /** Reads with {@link SafeFiles#read} (never through a link, never a FIFO or device) within {@link #READ_LIMIT}. */
    DocumentReads() {
        this(SafeFiles::read, READ_LIMIT);
    }

    DocumentReads(DocumentReader reader, Duration readLimit) {
        this.reader = reader;
        this.readLimit = readLimit;
    }

    /**
     * Reads a document (at most {@link #MAX_FILE_BYTES}) on a reader thread, waiting at most the
     * read limit.
     *
     * @throws StuckReadException if the read did not finish in time (it is left to its thread) or
     *         could not start because {@link #MAX_STUCK_READS} earlier ones are stuck
     * @throws IOException as the read threw it
     * @throws InterruptedException if this thread was interrupted while waiting (the read is cancelled)
     */
    byte[] read(Path file) throws IOException, InterruptedException {
        Future<byte[]> f;
        try {
            f = READERS.submit(() -> reader.read(file, MAX_FILE_BYTES));
        } catch (RejectedExecutionException e) {
            throw new StuckReadException("not read: " + MAX_STUCK_READS + " earlier reads in routers_dir never finished"
                    + " (a FIFO swapped in for a document?)", true);
        }
        try {
            return f.get(readLimit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new StuckReadException("reading it did not finish within " + readLimit.toMillis()
                    + " ms (a FIFO swapped in after it was checked?); not read again until it changes", false);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        }
    }
}
