package org.l3ha.registry.file.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.Router;

/**
 * The per-file state of one routers directory: for each {@code *.json} file its (size, mtime,
 * inode), its last good router and, if its current content is bad, why. Not thread-safe: the
 * registry calls it under its lock. {@link #publish} turns the state into a {@link Snapshot}.
 */
final class RouterFiles {
    private static final Logger LOG = LoggerFactory.getLogger(RouterFiles.class);

    /** A router document is a few KB; anything this large is not one. */
    static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

    private final Path dir;
    /* sorted by file name: the lexicographically first file wins a duplicate id */
    private final TreeMap<String, FileEntry> entries = new TreeMap<>();
    private final TreeMap<String, String> problems = new TreeMap<>();
    /* ids whose winner may have changed since the last publish */
    private final Set<String> touchedIds = new HashSet<>();
    private boolean routersDirty;
    private boolean problemsDirty;
    private Map<String, List<String>> duplicates = Map.of();
    private final AtomicLong parsed;

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
        this.dir = dir;
        this.parsed = parsed;
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
     * @return false if the directory could not be listed (missing or unreadable)
     */
    boolean scan(BooleanSupplier cancelled) {
        Set<String> seen = new HashSet<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                if (cancelled.getAsBoolean()) {
                    return true;
                }
                String name = p.getFileName().toString();
                if (isRouterFileName(name)) {
                    seen.add(name);
                    refresh(name, false);
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            LOG.debug("routers_dir {} is not a directory or missing; no routers", dir);
            clear();
            return false;
        } catch (IOException | DirectoryIteratorException e) {
            // cannot tell what is there: change nothing
            LOG.warn("Cannot list routers_dir {}: {}; keeping what was loaded", dir, reason(e));
            return false;
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
     * Brings one file up to date.
     *
     * @param name a file name in the directory
     * @param force parse even if (size, mtime, inode) did not change (a watch event said it did)
     */
    void refresh(String name, boolean force) {
        if (!isRouterFileName(name)) {
            return;
        }
        Path file = dir.resolve(name);
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            FileEntry gone = entries.remove(name);
            if (gone != null) {
                dropped(name, gone);
            }
            return;
        } catch (IOException e) {
            bad(name, entries.computeIfAbsent(name, n -> new FileEntry()), null, "unreadable: " + reason(e));
            return;
        }
        if (!attrs.isRegularFile()) {
            FileEntry gone = entries.remove(name);
            if (gone != null) {
                dropped(name, gone);
            }
            LOG.debug("Ignoring {} in {}: not a regular file", name, dir);
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
        Router router;
        try {
            parsed.incrementAndGet();
            router = RouterParser.parse(read(file, attrs.size()));
        } catch (BadDocumentException e) {
            bad(name, entry, stat, e.getMessage());
            return;
        } catch (IOException e) {
            bad(name, entry, stat, "unreadable: " + reason(e));
            return;
        }
        Router old = entry.good;
        entry.good = router;
        if (problems.remove(name) != null) {
            problemsDirty = true;
            LOG.info("Router file {} in {} is good again: router {}", name, dir, router.id());
        }
        if (!router.equals(old)) {
            routersDirty = true;
            if (old != null) {
                touchedIds.add(old.id());
            }
            touchedIds.add(router.id());
            LOG.debug("Loaded router {} from {}", router.id(), file);
        } else {
            LOG.debug("Router file {} rewritten, router {} unchanged", file, router.id());
        }
    }

    private void bad(String name, FileEntry entry, Stat stat, String reason) {
        entry.stat = stat;
        String previous = problems.put(name, reason);
        if (!reason.equals(previous)) {
            problemsDirty = true;
            if (entry.good != null) {
                LOG.warn("Bad router file {} in {}: {}; keeping its last good version (router {})",
                        name, dir, reason, entry.good.id());
            } else {
                LOG.warn("Bad router file {} in {}: {}; skipped", name, dir, reason);
            }
        } else {
            LOG.debug("Router file {} in {} is still bad: {}", name, dir, reason);
        }
    }

    /* the entry is already out of the map */
    private void dropped(String name, FileEntry gone) {
        if (problems.remove(name) != null) {
            problemsDirty = true;
        }
        if (gone.good != null) {
            routersDirty = true;
            touchedIds.add(gone.good.id());
        }
        LOG.debug("Router file {} removed from {}", name, dir);
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
        boolean problemsChanged = problemsDirty;
        if (problemsDirty || fullDiff) {
            bad = problems.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(problems));
            problemsChanged = !bad.equals(previous.badFiles());
        }
        touchedIds.clear();
        routersDirty = false;
        problemsDirty = false;
        Snapshot snapshot = new Snapshot(dir, routers, bad, dupCount);
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
                        dir, String.join(", ", e.getValue()), e.getValue().get(0));
            }
        }
        for (String id : duplicates.keySet()) {
            if (!now.containsKey(id)) {
                LOG.info("Router {} is no longer defined by more than one file in {}", id, dir);
            }
        }
    }

    private static byte[] read(Path file, long size) throws IOException, BadDocumentException {
        if (size > MAX_FILE_BYTES) {
            throw new BadDocumentException("too large: " + size + " bytes (limit " + MAX_FILE_BYTES + ")");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new BadDocumentException("too large: over " + MAX_FILE_BYTES + " bytes");
            }
            return bytes;
        }
    }

    private static String reason(Exception e) {
        if (e instanceof DirectoryIteratorException) {
            return reason(((DirectoryIteratorException) e).getCause());
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
