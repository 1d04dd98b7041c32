package org.l3ha.common;

import java.io.IOException;
import java.nio.file.ClosedDirectoryStreamException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Objects;
import java.util.Set;

/**
 * One directory opened through {@link SafeFiles}' walk from {@code /} (with every check it makes
 * on links and owners) and then held open, for code that works in it again and again: each use
 * costs one {@code stat} of the path instead of a walk (an {@code openat}, a {@code stat} and
 * more per component).
 *
 * <p>Before each use the path is stat'ed (following links, as the kernel resolves it now). If it
 * still leads to the held directory (same device and inode), the held handle is used: the
 * directory the walk accepted, whatever happened to the path above it meanwhile. Otherwise (the
 * directory was replaced, removed, or a component on the way swapped for a link) the handle is
 * dropped and the path walked again, and a walk that refuses fails the use with the walk's
 * message, as {@link SafeFiles} does. A use that fails with {@link NoSuchFileException} is tried
 * once more on a fresh walk: a directory removed and re-created can get the inode number of the
 * held one back, and nothing can be created in a removed directory.
 *
 * <p>Thread-safe: uses run in parallel on one handle; a handle dropped (or the whole object
 * closed) while uses are running is closed when the last of them ends. After {@link #close}
 * every use throws {@link ClosedDirectoryStreamException}.
 */
public final class HeldDirectory implements AutoCloseable {

    /** Work done relative to the held directory. */
    @FunctionalInterface
    public interface Work<T> {
        T run(SecureDirectoryStream<Path> dir) throws IOException;
    }

    /** One open handle, with the uses running on it. */
    private static final class Handle {
        final SecureDirectoryStream<Path> stream;
        final Object key;
        /** Guarded by the {@link HeldDirectory}. */
        int users;
        /** Guarded by the {@link HeldDirectory}: no new use; closed when the last user leaves. */
        boolean dropped;

        Handle(SecureDirectoryStream<Path> stream, Object key) {
            this.stream = stream;
            this.key = key;
        }
    }

    private final Path path;
    private final Set<PosixFilePermission> createMode;
    /** Guarded by this. */
    private Handle current;
    /** Guarded by this. */
    private boolean closed;
    /** Guarded by this: how many times the path was walked (for tests). */
    private long walks;

    /**
     * Opens nothing yet: the first use walks.
     *
     * @param dir an absolute path (a relative one is taken from the working directory)
     * @param createMode if not null, missing directories on the way are created with it (exactly)
     */
    public HeldDirectory(Path dir, Set<PosixFilePermission> createMode) {
        this.path = dir.toAbsolutePath().normalize();
        this.createMode = createMode == null ? null : Set.copyOf(createMode);
    }

    /** @return the directory's path, absolute */
    public Path path() {
        return path;
    }

    /**
     * Runs {@code work} on the held directory, walking to it first if the path no longer leads
     * there (see the class comment).
     *
     * @throws ClosedDirectoryStreamException after {@link #close}
     * @throws IOException what the walk (for example a link another account owns on the way) or the work threw
     */
    public <T> T use(Work<T> work) throws IOException {
        Handle failed = null;
        while (true) {
            Handle h = acquire(failed);
            try {
                return work.run(h.stream);
            } catch (NoSuchFileException e) {
                if (failed != null) {
                    throw e;
                }
                failed = h; // perhaps a removed directory whose inode number came back: once more on a fresh walk
            } finally {
                release(h);
            }
        }
    }

    /**
     * @param failed a handle a use just failed on: not used again
     * @return a handle for one use, counted as a user
     */
    private Handle acquire(Handle failed) throws IOException {
        Object key = currentKey();
        synchronized (this) {
            if (closed) {
                throw new ClosedDirectoryStreamException();
            }
            Handle h = current;
            if (h != null && h != failed && key != null && key.equals(h.key)) {
                h.users++;
                return h;
            }
            drop(h);
            current = null;
            // under the monitor: one walk at a time; the other users wait for it instead of walking too
            walks++;
            SecureDirectoryStream<Path> stream = createMode == null ? SafeFiles.openDirectory(path)
                    : SafeFiles.openDirectory(path, createMode);
            try {
                Object heldKey = stream.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
                h = new Handle(stream, Objects.requireNonNull(heldKey, "file key"));
            } catch (IOException | RuntimeException e) {
                stream.close();
                throw e;
            }
            current = h;
            h.users++;
            return h;
        }
    }

    /** @return the file key the path leads to now, or null if it cannot be told (the walk will) */
    private Object currentKey() {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private synchronized void release(Handle h) {
        h.users--;
        if (h.dropped && h.users == 0) {
            closeQuietly(h);
        }
    }

    /** Takes {@code h} out of use: closed now if nobody uses it, else by its last user. Called under the monitor. */
    private void drop(Handle h) {
        if (h == null || h.dropped) {
            return;
        }
        h.dropped = true;
        if (h.users == 0) {
            closeQuietly(h);
        }
    }

    private static void closeQuietly(Handle h) {
        try {
            h.stream.close();
        } catch (IOException e) {
            // nothing was written through it that a close could lose
        }
    }

    /** @return how many times the path was walked so far */
    public synchronized long walks() {
        return walks;
    }

    /** Drops the handle (closed once the uses running on it end); every later use throws. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        drop(current);
        current = null;
    }
}
