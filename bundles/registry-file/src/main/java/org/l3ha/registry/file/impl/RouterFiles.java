package org.l3ha.registry.file.impl;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.InvalidPathException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.Router;
import org.l3ha.common.LogText;
import org.l3ha.common.SafeFiles;
import org.l3ha.common.routers.BadDocumentException;
import org.l3ha.common.routers.RouterParser;

/**
 * The per-file state of one routers directory: for each {@code *.json} file its (size, mtime,
 * inode), its last good router and, if its current content is bad, why. Not thread-safe: the
 * registry calls it under its lock. {@link #publish} turns the state into a {@link Snapshot}.
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
 * can swap a FIFO in between; opening it would wait for a writer for ever, under the registry's
 * lock (activation, reconfiguration and deactivation would hang with it), and Java cannot open
 * without blocking. So every read runs on a small pool of daemon threads and is given
 * {@link #READ_LIMIT}: a read that takes longer makes the file bad ("did not finish"), is left to
 * its thread, and the file is not read again until it changes. While {@link #MAX_STUCK_READS}
 * reads are stuck, files are not read at all (bad: "earlier reads are stuck").
 */
final class RouterFiles {
    private static final Logger LOG = LoggerFactory.getLogger(RouterFiles.class);

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

    /* shared by every registry of this bundle; threads end when idle, a stuck one stays stuck */
    private static final ThreadPoolExecutor READERS = new ThreadPoolExecutor(0, MAX_STUCK_READS, 30,
            TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, READER_THREAD);
                t.setDaemon(true);
                return t;
            });

    private final Path dir;
    /* sorted by file name: the lexicographically first file wins a duplicate id */
    private final TreeMap<String, FileEntry> entries = new TreeMap<>();
    private final TreeMap<String, String> problems = new TreeMap<>();
    /* files loaded without some subnets or DNS servers: what was skipped */
    private final TreeMap<String, String> incomplete = new TreeMap<>();
    /* ids whose winner may have changed since the last publish */
    private final Set<String> touchedIds = new HashSet<>();
    private boolean routersDirty;
    private boolean problemsDirty;
    private Map<String, List<String>> duplicates = Map.of();
    /* why the directory could not be listed last time (logged once), null if it could */
    private String lastListFailureReason;
    private final AtomicLong parsed;
    private final DocumentReader reader;
    private final Duration readLimit;

    private static final class FileEntry {
        Stat stat;
        Router good;      // last good version, null if the file never was good
    }

    /** What identifies a version of a file without reading it. */
    private record Stat(long size, long mtimeNanos, Object fileKey) {
        static Stat of(BasicFileAttributes a) {
            return new Stat(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.fileKey());
        }
    }

    /**
     * Result of a publish.
     *
     * @param snapshot the snapshot to publish (the previous one if nothing changed)
     * @param changedIds ids added, changed or removed
     */
    record Reload(Snapshot snapshot, Set<String> changedIds, int added, int changed, int removed,
            boolean problemsChanged) {
        boolean anything() {
            return !changedIds.isEmpty() || problemsChanged;
        }
    }

    /**
     * @param dir the routers directory
     * @param parsed counts every document parsed (shared across directories, read without a lock)
     */
    RouterFiles(Path dir, AtomicLong parsed) {
        this(dir, parsed, SafeFiles::read, READ_LIMIT);
    }

    RouterFiles(Path dir, AtomicLong parsed, DocumentReader reader, Duration readLimit) {
        this.dir = dir;
        this.parsed = parsed;
        this.reader = reader;
        this.readLimit = readLimit;
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
            if (!reason(e).equals(lastListFailureReason)) {
                LOG.warn("Cannot list routers_dir {}: {}; keeping what was loaded", LogText.path(dir), reason(e));
            } else {
                LOG.debug("Still cannot list routers_dir {}: {}", LogText.path(dir), reason(e));
            }
            lastListFailureReason = reason(e);
            return false;
        }
        if (lastListFailureReason != null) {
            LOG.info("routers_dir {} can be listed again", LogText.path(dir));
            lastListFailureReason = null;
        }
        for (Iterator<Map.Entry<String, FileEntry>> it = entries.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, FileEntry> e = it.next();
            if (!seen.contains(e.getKey())) {
                it.remove();
                dropped(e.getKey(), e.getValue());
            }
        }
        return true;
    }

    /** Drops every file, as when the directory disappears. */
    void clear() {
        for (String name : new ArrayList<>(entries.keySet())) {
            dropped(name, entries.remove(name));
        }
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
                FileEntry gone = entries.remove(name);
                if (gone != null) {
                    dropped(name, gone);
                }
            }
        } catch (IOException e) {
            // cannot tell what is there: change nothing (the next scan logs why)
            LOG.debug("Cannot open routers_dir {}: {}; {} changed files not reloaded", LogText.path(dir), reason(e),
                    names.size());
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
                FileEntry gone = entries.remove(name);
                if (gone != null) {
                    dropped(name, gone);
                }
                return;
            }
            attrs = found.get();
        } catch (IOException e) {
            bad(name, entries.computeIfAbsent(name, n -> new FileEntry()), null, "unreadable: " + reason(e));
            return;
        }
        if (attrs.isDirectory()) {
            FileEntry gone = entries.remove(name);
            if (gone != null) {
                dropped(name, gone);
            }
            LOG.debug("Ignoring {} in {}: a directory", LogText.escape(name), LogText.path(dir));
            return;
        }
        if (!attrs.isRegularFile()) {
            // never opened: a link could lead to a file of root's, a FIFO would block the reader
            bad(name, entries.computeIfAbsent(name, n -> new FileEntry()), null, kind(attrs, dir.resolve(relative))
                    + (attrs.isSymbolicLink() ? ": not followed" : ": not read") + " (only regular files are read)");
            return;
        }
        Stat stat = Stat.of(attrs);
        FileEntry entry = entries.get(name);
        if (entry != null && !force && stat.equals(entry.stat)) {
            return;
        }
        if (entry == null) {
            entry = new FileEntry();
            entries.put(name, entry);
        }
        entry.stat = stat;
        if (attrs.size() > MAX_FILE_BYTES) {
            bad(name, entry, stat, "too large: " + attrs.size() + " bytes (limit " + MAX_FILE_BYTES + ")");
            return;
        }
        RouterParser.Parsed doc;
        try {
            byte[] bytes = readBounded(dir.resolve(relative));
            parsed.incrementAndGet();
            doc = RouterParser.read(bytes);
        } catch (StuckReadException e) {
            // a changed file is read again; while it stays as it is, it is not
            bad(name, entry, e.retry ? null : stat, e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            entry.stat = null;   // read again next time
            return;
        } catch (BadDocumentException e) {
            bad(name, entry, stat, e.getMessage());
            return;
        } catch (NoSuchFileException e) {
            // removed between its attributes and its content; its watch event follows
            entries.remove(name);
            dropped(name, entry);
            return;
        } catch (IOException e) {
            bad(name, entry, stat, "unreadable: " + reason(e));
            return;
        }
        Router router = doc.router();
        Router old = entry.good;
        entry.good = router;
        if (problems.remove(name) != null) {
            problemsDirty = true;
            LOG.info("Router file {} in {} is good again: router {}", LogText.escape(name), LogText.path(dir), router.id());
        }
        noteSkipped(name, router, doc.skipped());
        if (!router.equals(old)) {
            routersDirty = true;
            if (old != null) {
                touchedIds.add(old.id());
            }
            touchedIds.add(router.id());
            LOG.debug("Loaded router {} from {} in {}", router.id(), LogText.escape(name), LogText.path(dir));
        } else {
            LOG.debug("Router file {} in {} rewritten, router {} unchanged", LogText.escape(name), LogText.path(dir),
                    router.id());
        }
    }

    /** A read that did not finish within the limit, or could not start because earlier ones are stuck. */
    private static final class StuckReadException extends IOException {
        private static final long serialVersionUID = 1L;
        final boolean retry;

        StuckReadException(String message, boolean retry) {
            super(message);
            this.retry = retry;
        }
    }

    /** Reads a document on a reader thread, waiting at most {@link #readLimit}. */
    private byte[] readBounded(Path file) throws IOException, InterruptedException {
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

    /** Logs (once per change) what a good document was loaded without. */
    private void noteSkipped(String name, Router router, List<String> skipped) {
        String now = skipped.isEmpty() ? null : String.join("; ", skipped);
        String before = now == null ? incomplete.remove(name) : incomplete.put(name, now);
        if (Objects.equals(before, now)) {
            return;
        }
        problemsDirty = true;
        if (now != null) {
            LOG.warn("Router file {} in {}: router {} loaded without {} subnet(s) or DNS server(s) radvd cannot advertise: {}",
                    LogText.escape(name), LogText.path(dir), router.id(), skipped.size(), now);
        } else {
            LOG.info("Router file {} in {}: router {} loaded with all its subnets again", LogText.escape(name),
                    LogText.path(dir), router.id());
        }
    }

    /**
     * Records that a file's current content cannot be used; logs at WARN when the reason changed.
     *
     * @param reason log-safe by construction: fixed text, JSON paths, escaped values and names
     */
    private void bad(String name, FileEntry entry, Stat stat, String reason) {
        entry.stat = stat;
        String previous = problems.put(name, reason);
        String shownName = LogText.escape(name);
        String shownReason = reason;
        if (!reason.equals(previous)) {
            problemsDirty = true;
            if (entry.good != null) {
                LOG.warn("Bad router file {} in {}: {}; keeping its last good version (router {})",
                        shownName, LogText.path(dir), shownReason, entry.good.id());
            } else {
                LOG.warn("Bad router file {} in {}: {}; skipped", shownName, LogText.path(dir), shownReason);
            }
        } else {
            LOG.debug("Router file {} in {} is still bad: {}", shownName, LogText.path(dir), shownReason);
        }
    }

    /* the entry is already out of the map */
    private void dropped(String name, FileEntry gone) {
        if (problems.remove(name) != null) {
            problemsDirty = true;
        }
        if (incomplete.remove(name) != null) {
            problemsDirty = true;
        }
        if (gone.good != null) {
            routersDirty = true;
            touchedIds.add(gone.good.id());
        }
        LOG.debug("Router file {} removed from {}", LogText.escape(name), LogText.path(dir));
    }

    /**
     * Builds the snapshot readers will see and the ids that differ from {@code previous}.
     * Duplicate ids: the lexicographically first file name wins; a new or changed duplicate is
     * logged at WARN once, its resolution at INFO once.
     *
     * @param previous the snapshot currently published
     * @param fullDiff compare every id (a switch from another directory), not only the ids of
     *        files that changed
     */
    Reload publish(Snapshot previous, boolean fullDiff) {
        if (!routersDirty && !problemsDirty && !fullDiff) {
            return new Reload(previous, Set.of(), 0, 0, 0, false);
        }
        Map<String, Router> routers = previous.routers();
        int dupCount = previous.duplicates();
        if (routersDirty || fullDiff) {
            Map<String, Router> byId = new HashMap<>(Math.max(16, entries.size() * 4 / 3 + 1));
            Set<String> dupIds = null;
            for (FileEntry e : entries.values()) {
                if (e.good != null && byId.putIfAbsent(e.good.id(), e.good) != null) {
                    if (dupIds == null) {
                        dupIds = new HashSet<>();
                    }
                    dupIds.add(e.good.id());
                }
            }
            Map<String, List<String>> dups = dupIds == null ? Map.of() : duplicateFiles(dupIds);
            logDuplicates(dups);
            duplicates = dups;
            routers = Collections.unmodifiableMap(byId);
            dupCount = dups.size();
        }
        Set<String> candidates = touchedIds;
        if (fullDiff) {
            candidates = new HashSet<>(previous.routers().keySet());
            candidates.addAll(routers.keySet());
        }
        Set<String> changedIds = new HashSet<>();
        int added = 0;
        int changed = 0;
        int removed = 0;
        for (String id : candidates) {
            Router o = previous.routers().get(id);
            Router n = routers.get(id);
            if (!Objects.equals(o, n)) {
                changedIds.add(id);
                if (o == null) {
                    added++;
                } else if (n == null) {
                    removed++;
                } else {
                    changed++;
                }
            }
        }
        Map<String, String> bad = previous.badFiles();
        Map<String, String> partial = previous.incompleteFiles();
        boolean problemsChanged = problemsDirty;
        if (problemsDirty || fullDiff) {
            bad = problems.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(problems));
            partial = incomplete.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(incomplete));
            problemsChanged = !bad.equals(previous.badFiles()) || !partial.equals(previous.incompleteFiles());
        }
        touchedIds.clear();
        routersDirty = false;
        problemsDirty = false;
        Snapshot snapshot = new Snapshot(dir, routers, bad, partial, dupCount);
        return new Reload(snapshot, Set.copyOf(changedIds), added, changed, removed, problemsChanged);
    }

    private Map<String, List<String>> duplicateFiles(Set<String> dupIds) {
        Map<String, List<String>> dups = new TreeMap<>();
        for (Map.Entry<String, FileEntry> e : entries.entrySet()) {
            Router r = e.getValue().good;
            if (r != null && dupIds.contains(r.id())) {
                dups.computeIfAbsent(r.id(), k -> new ArrayList<>()).add(e.getKey());
            }
        }
        return dups;
    }

    private void logDuplicates(Map<String, List<String>> now) {
        for (Map.Entry<String, List<String>> e : now.entrySet()) {
            if (!e.getValue().equals(duplicates.get(e.getKey()))) {
                LOG.warn("Router {} is defined by {} files in {}: {}; using {}", e.getKey(), e.getValue().size(),
                        LogText.path(dir), String.join(", ", e.getValue().stream().map(LogText::escape).toList()),
                        LogText.escape(e.getValue().get(0)));
            }
        }
        for (String id : duplicates.keySet()) {
            if (!now.containsKey(id)) {
                LOG.info("Router {} is no longer defined by more than one file in {}", id, LogText.path(dir));
            }
        }
    }

    /** What a non-regular file is, for the log; never what a link points to. */
    private static String kind(PosixFileAttributes a, Path file) {
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        try {
            Object mode = Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if (mode instanceof Integer m) {
                switch (m & 0170000) {
                    case 0010000:
                        return "a FIFO";
                    case 0140000:
                        return "a socket";
                    case 0020000:
                        return "a character device";
                    case 0060000:
                        return "a block device";
                    default:
                        break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // it changed meanwhile: still not a regular file when it was looked at
        }
        return "a special file";
    }

    /** A reason for a log line: escaped, without the JDK's raw file names. */
    static String reason(Throwable e) {
        if (e instanceof DirectoryIteratorException) {
            return reason(e.getCause());
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileSystemLoopException) {
            return "too many levels of symbolic links";
        }
        if (e instanceof FileSystemException f) {
            // getReason() is the system's text; getFile() is a raw name, left out
            return LogText.escape(f.getReason() == null ? e.getClass().getSimpleName() : f.getReason());
        }
        String m = e.getMessage();
        return LogText.escape(m == null ? e.getClass().getSimpleName() : m);
    }
}
