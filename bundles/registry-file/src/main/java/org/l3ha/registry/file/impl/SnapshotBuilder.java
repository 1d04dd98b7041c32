package org.l3ha.registry.file.impl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.Router;
import org.l3ha.common.LogText;

/**
 * Turns the {@link FileStates} of one routers directory into the {@link Snapshot} readers see, and
 * tells which router ids differ from the snapshot published before: the ids listeners are told.
 * Only the ids of files that changed are compared, unless a full comparison is asked for. A router
 * id defined by more than one file is taken from the lexicographically first file name; a new or
 * changed duplicate is logged at WARN once, its resolution at INFO once. Not thread-safe: the
 * registry calls it under its lock.
 */
final class SnapshotBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotBuilder.class);

    private final FileStates files;
    /* the duplicates of the last publish: id to its files, sorted */
    private Map<String, List<String>> duplicates = Map.of();

    SnapshotBuilder(FileStates files) {
        this.files = files;
    }

    /**
     * Builds the snapshot readers will see and the ids that differ from {@code previous}, and
     * starts the files' count of changes afresh.
     *
     * @param previous the snapshot currently published
     * @param fullDiff compare every id (a switch from another directory), not only the ids of
     *        files that changed
     */
    Reload publish(Snapshot previous, boolean fullDiff) {
        if (!files.routersDirty() && !files.problemsDirty() && !fullDiff) {
            return new Reload(previous, Set.of(), 0, 0, 0, false);
        }
        Map<String, Router> routers = previous.routers();
        int dupCount = previous.duplicates();
        if (files.routersDirty() || fullDiff) {
            Map<String, Router> byId = new HashMap<>(Math.max(16, files.size() * 4 / 3 + 1));
            Set<String> dupIds = new HashSet<>();
            files.forEachGood((name, router) -> {
                if (byId.putIfAbsent(router.id(), router) != null) {
                    dupIds.add(router.id());
                }
            });
            Map<String, List<String>> dups = dupIds.isEmpty() ? Map.of() : duplicateFiles(dupIds);
            logDuplicates(dups);
            duplicates = dups;
            routers = Collections.unmodifiableMap(byId);
            dupCount = dups.size();
        }
        Set<String> candidates = files.touchedIds();
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
        boolean problemsChanged = files.problemsDirty();
        if (files.problemsDirty() || fullDiff) {
            bad = sortedCopy(files.problems());
            partial = sortedCopy(files.incomplete());
            problemsChanged = !bad.equals(previous.badFiles()) || !partial.equals(previous.incompleteFiles());
        }
        files.published();
        Snapshot snapshot = new Snapshot(files.dir(), routers, bad, partial, dupCount);
        return new Reload(snapshot, Set.copyOf(changedIds), added, changed, removed, problemsChanged);
    }

    private static Map<String, String> sortedCopy(Map<String, String> m) {
        return m.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(m));
    }

    private Map<String, List<String>> duplicateFiles(Set<String> dupIds) {
        Map<String, List<String>> dups = new TreeMap<>();
        files.forEachGood((name, router) -> {
            if (dupIds.contains(router.id())) {
                dups.computeIfAbsent(router.id(), k -> new ArrayList<>()).add(name);
            }
        });
        return dups;
    }

    private void logDuplicates(Map<String, List<String>> now) {
        for (Map.Entry<String, List<String>> e : now.entrySet()) {
            if (!e.getValue().equals(duplicates.get(e.getKey()))) {
                LOG.warn("Router {} is defined by {} files in {}: {}; using {}", e.getKey(), e.getValue().size(),
                        LogText.path(files.dir()), String.join(", ", e.getValue().stream().map(LogText::escape).toList()),
                        LogText.escape(e.getValue().get(0)));
            }
        }
        for (String id : duplicates.keySet()) {
            if (!now.containsKey(id)) {
                LOG.info("Router {} is no longer defined by more than one file in {}", id, LogText.path(files.dir()));
            }
        }
    }
}
