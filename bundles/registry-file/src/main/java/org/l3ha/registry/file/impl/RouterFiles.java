package org.l3ha.registry.file.impl;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.common.LogText;
import org.l3ha.common.SafeFiles;
import org.l3ha.common.routers.BadDocumentException;
import org.l3ha.common.routers.RouterParser;

/**
 * Reads one routers directory into its {@link FileStates}: lists it ({@link #scan}) or looks at
 * the files a watch event named ({@link #refresh}), and reads every {@code *.json} file that is
 * new or changed. {@link #publish} turns the state into a {@link Snapshot} ({@link SnapshotBuilder}).
 * Not thread-safe: the registry calls it under its lock.
 *
 * <p>The directory may be writable by another account (neutron's {@code state_path}), so it is
 * read as that account could trap it: the directory is opened with {@link SafeFiles#openDirectory}
 * (a link on the way is followed only if root or l3ha's own account owns it), each entry's type is
 * read without following links, and only a regular file is read ({@link SafeFiles#read}: never
 * through a link, never a FIFO or device). A symbolic link or special file named {@code *.json} is
 * a bad file: logged once at WARN with its (escaped) name and what it is, never read, never its
 * target named; the last good version of that name, if any, stays in effect like for any bad file.
 * A directory named {@code *.json} is not a document and is ignored. Every name and reason in a
 * log line is escaped ({@link LogText}).
 *
 * <p>A file is checked to be regular and then opened by name, so whoever can write the directory
 * can swap a FIFO in between: every read is given a time limit ({@link DocumentReads}). A read
 * that takes longer makes the file bad ("did not finish") and the file is not read again until it
 * changes; while {@link DocumentReads#MAX_STUCK_READS} reads are stuck, files are not read at all
 * (bad: "earlier reads are stuck"), and read again on the next scan.
 */
final class RouterFiles {
    private static final Logger LOG = LoggerFactory.getLogger(RouterFiles.class);

    private final Path dir;
    private final FileStates states;
    private final SnapshotBuilder builder;
    /* why the directory could not be listed last time (logged once), null if it could */
    private String lastListFailureReason;
    private final AtomicLong parsed;
    private final DocumentReads reads;

    /**
     * @param dir the routers directory
     * @param parsed counts every document parsed (shared across directories, read without a lock)
     */
    RouterFiles(Path dir, AtomicLong parsed) {
        this(dir, parsed, new DocumentReads());
    }

    RouterFiles(Path dir, AtomicLong parsed, DocumentReads reads) {
        this.dir = dir;
        this.states = new FileStates(dir);
        this.builder = new SnapshotBuilder(states);
        this.parsed = parsed;
        this.reads = reads;
    }

    Path dir() {
        return dir;
    }

    /** @return whether {@code name} is a router document's file name (not hidden, ends in .json) */
    static boolean isRouterFileName(String name) {
        return name.endsWith(".json") && !name.startsWith(".");
    }

    /**
     * Lists the directory and brings every entry up to date: new files and files whose size,
     * mtime or inode changed are parsed, vanished files are dropped. A missing directory drops
     * everything.
     *
     * @param cancelled checked between files; when true the scan stops and this object is stale
     * @return false if the directory could not be listed (missing, unreadable, or reached through
     *         a link another account owns)
     */
    boolean scan(BooleanSupplier cancelled) {
        Set<String> seen = new HashSet<>();
        try (SecureDirectoryStream<Path> stream = SafeFiles.openDirectory(dir)) {
            for (Path p : stream) {
                if (cancelled.getAsBoolean()) {
                    return true;
                }
                String name = p.getFileName().toString();
                if (isRouterFileName(name)) {
                    seen.add(name);
                    refresh(stream, name, false);
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            LOG.debug("routers_dir {} is not a directory or missing; no routers", LogText.path(dir));
            clear();
            return false;
        } catch (IOException | DirectoryIteratorException e) {
            // cannot tell what is there: change nothing
            String reason = Reasons.reason(e);
            if (!reason.equals(lastListFailureReason)) {
                LOG.warn("Cannot list routers_dir {}: {}; keeping what was loaded", LogText.path(dir), reason);
            } else {
                LOG.debug("Still cannot list routers_dir {}: {}", LogText.path(dir), reason);
            }
            lastListFailureReason = reason;
            return false;
        }
        if (lastListFailureReason != null) {
            LOG.info("routers_dir {} can be listed again", LogText.path(dir));
            lastListFailureReason = null;
        }
        states.retainOnly(seen);
        return true;
    }

    /** Drops every file, as when the directory disappears. */
    void clear() {
        states.clear();
    }

    /**
     * Brings the named files up to date (a watch event said they changed): each is parsed again
     * even if (size, mtime, inode) did not change.
     *
     * @param cancelled checked between files; when true this stops and this object is stale
     */
    void refresh(Collection<String> names, BooleanSupplier cancelled) {
        try (SecureDirectoryStream<Path> stream = SafeFiles.openDirectory(dir)) {
            for (String name : names) {
                if (cancelled.getAsBoolean()) {
                    return;
                }
                refresh(stream, name, true);
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            // the directory went away: the watcher notices and rescans; these files went with it
            for (String name : names) {
                states.drop(name);
            }
        } catch (IOException e) {
            // cannot tell what is there: change nothing (the next scan logs why)
            LOG.debug("Cannot open routers_dir {}: {}; {} changed files not reloaded", LogText.path(dir),
                    Reasons.reason(e), names.size());
        }
    }

    /**
     * Brings one file up to date.
     *
     * @param stream the directory, open
     * @param name a file name in the directory
     * @param force parse even if (size, mtime, inode) did not change (a watch event said it did)
     */
    private void refresh(SecureDirectoryStream<Path> stream, String name, boolean force) {
        if (!isRouterFileName(name)) {
            return;
        }
        Path relative;
        try {
            relative = Path.of(name);
        } catch (InvalidPathException e) {
            return;   // not a name this file system can hold
        }
        PosixFileAttributes attrs;
        try {
            Optional<PosixFileAttributes> found = SafeFiles.attributes(stream, relative);
            if (found.isEmpty()) {
                states.drop(name);
                return;
            }
            attrs = found.get();
        } catch (IOException e) {
            states.bad(name, null, "unreadable: " + Reasons.reason(e));
            return;
        }
        if (attrs.isDirectory()) {
            states.drop(name);
            LOG.debug("Ignoring {} in {}: a directory", LogText.escape(name), LogText.path(dir));
            return;
        }
        if (!attrs.isRegularFile()) {
            // never opened: a link could lead to a file of root's, a FIFO would block the reader
            states.bad(name, null, Reasons.kind(attrs, dir.resolve(relative))
                    + (attrs.isSymbolicLink() ? ": not followed" : ": not read") + " (only regular files are read)");
            return;
        }
        FileStates.Stat stat = FileStates.Stat.of(attrs);
        if (!force && states.isCurrent(name, stat)) {
            return;
        }
        states.reading(name, stat);
        if (attrs.size() > DocumentReads.MAX_FILE_BYTES) {
            states.bad(name, stat, "too large: " + attrs.size() + " bytes (limit " + DocumentReads.MAX_FILE_BYTES + ")");
            return;
        }
        RouterParser.Parsed doc;
        try {
            byte[] bytes = reads.read(dir.resolve(relative));
            parsed.incrementAndGet();
            doc = RouterParser.read(bytes);
        } catch (DocumentReads.StuckReadException e) {
            // a changed file is read again; while it stays as it is, it is not
            states.bad(name, e.retry() ? null : stat, e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            states.reading(name, null);   // read again next time
            return;
        } catch (BadDocumentException e) {
            states.bad(name, stat, e.getMessage());
            return;
        } catch (NoSuchFileException e) {
            // removed between its attributes and its content; its watch event follows
            states.drop(name);
            return;
        } catch (IOException e) {
            states.bad(name, stat, "unreadable: " + Reasons.reason(e));
            return;
        }
        states.loaded(name, doc);
    }

    /**
     * Builds the snapshot readers will see and the ids that differ from {@code previous}
     * ({@link SnapshotBuilder#publish}).
     *
     * @param previous the snapshot currently published
     * @param fullDiff compare every id (a switch from another directory), not only the ids of
     *        files that changed
     */
    Reload publish(Snapshot previous, boolean fullDiff) {
        return builder.publish(previous, fullDiff);
    }
}
