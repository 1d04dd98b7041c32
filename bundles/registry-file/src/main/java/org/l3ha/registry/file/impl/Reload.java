package org.l3ha.registry.file.impl;

import java.util.Set;

/**
 * Result of a publish ({@link SnapshotBuilder#publish}).
 *
 * @param snapshot the snapshot to publish (the previous one if nothing changed)
 * @param changedIds ids added, changed or removed
 * @param added ids in the snapshot that were not in the previous one
 * @param changed ids whose router differs from the previous one's
 * @param removed ids of the previous snapshot that are gone
 * @param problemsChanged whether the bad or incomplete files differ from the previous snapshot's
 */
record Reload(Snapshot snapshot, Set<String> changedIds, int added, int changed, int removed,
        boolean problemsChanged) {
    boolean anything() {
        return !changedIds.isEmpty() || problemsChanged;
    }
}
