package org.l3ha.registry.file.impl;

import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.Router;
import org.l3ha.common.LogText;
import org.l3ha.common.routers.RouterParser;

/**
 * The per-file state of one routers directory: for each {@code *.json} file its (size, mtime,
 * inode), its last good router and, if its current content is bad, why; and what changed since
 * the last publish ({@link SnapshotBuilder} reads it and then calls {@link #published}). Logs
 * once per change when a file turns bad, good again or is loaded without some subnets. Not
 * thread-safe: the registry calls it under its lock.
 *
 * <p>Every name in a log line is escaped ({@link LogText}); reasons are log-safe as given.
 */
final class FileStates {
    private static final Logger LOG = LoggerFactory.getLogger(FileStates.class);

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

    private static final class FileEntry {
        Stat stat;
        Router good;      // last good version, null if the file never was good
    }

    /** What identifies a version of a file without reading it. */
    record Stat(long size, long mtimeNanos, Object fileKey) {
        static Stat of(BasicFileAttributes a) {
            return new Stat(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.fileKey());
        }
    }

    /** @param dir the routers directory, for the log */
    FileStates(Path dir) {
        this.dir = dir;
    }

    /** @return whether {@code name} is known and was last read (or found bad) as {@code stat} */
    boolean isCurrent(String name, Stat stat) {
        FileEntry entry = entries.get(name);
        return entry != null && stat.equals(entry.stat);
    }

    /**
     * Records the version of a file about to be read (null: read it again next time even if it
     * does not change); a new name is added without a router.
     */
    void reading(String name, Stat stat) {
        entries.computeIfAbsent(name, n -> new FileEntry()).stat = stat;
    }

    /** Records a good document; logs when the file was bad, or what it was loaded without changed. */
    void loaded(String name, RouterParser.Parsed doc) {
        FileEntry entry = entries.computeIfAbsent(name, n -> new FileEntry());
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
     * Records that a file's current content cannot be used (its last good version, if any, stays);
     * logs at WARN when the reason changed.
     *
     * @param stat the version found bad, not read again until it changes; null to read it again
     * @param reason log-safe by construction: fixed text, JSON paths, escaped values and names
     */
    void bad(String name, Stat stat, String reason) {
        FileEntry entry = entries.computeIfAbsent(name, n -> new FileEntry());
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

    /** Forgets a file (removed, or no longer a file), if known. */
    void drop(String name) {
        FileEntry gone = entries.remove(name);
        if (gone != null) {
            dropped(name, gone);
        }
    }

    /** Forgets every file not named in {@code names}. */
    void retainOnly(Set<String> names) {
        for (Iterator<Map.Entry<String, FileEntry>> it = entries.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, FileEntry> e = it.next();
            if (!names.contains(e.getKey())) {
                it.remove();
                dropped(e.getKey(), e.getValue());
            }
        }
    }

    /** Forgets every file, as when the directory disappears. */
    void clear() {
        for (String name : new ArrayList<>(entries.keySet())) {
            dropped(name, entries.remove(name));
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

    /* ---- for SnapshotBuilder ---- */

    Path dir() {
        return dir;
    }

    int size() {
        return entries.size();
    }

    /** Calls {@code action} with each file name and its last good router, in file name order. */
    void forEachGood(BiConsumer<String, Router> action) {
        for (Map.Entry<String, FileEntry> e : entries.entrySet()) {
            if (e.getValue().good != null) {
                action.accept(e.getKey(), e.getValue().good);
            }
        }
    }

    /** @return whether a router was loaded, changed or dropped since the last publish */
    boolean routersDirty() {
        return routersDirty;
    }

    /** @return whether a file turned bad or good, or what it was loaded without changed, since the last publish */
    boolean problemsDirty() {
        return problemsDirty;
    }

    /** @return ids whose winner may have changed since the last publish (a live view) */
    Set<String> touchedIds() {
        return Collections.unmodifiableSet(touchedIds);
    }

    /** @return file name to why its current content is bad, sorted (a live view) */
    Map<String, String> problems() {
        return Collections.unmodifiableSortedMap(problems);
    }

    /** @return file name to what its router was loaded without, sorted (a live view) */
    Map<String, String> incomplete() {
        return Collections.unmodifiableSortedMap(incomplete);
    }

    /** Starts counting changes afresh: everything so far is in the published snapshot. */
    void published() {
        touchedIds.clear();
        routersDirty = false;
        problemsDirty = false;
    }
}
