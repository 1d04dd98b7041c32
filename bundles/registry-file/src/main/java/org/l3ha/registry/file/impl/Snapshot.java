package org.l3ha.registry.file.impl;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;

import org.l3ha.api.Router;

/**
 * What readers see: published atomically (one volatile write), never modified afterwards.
 *
 * @param dir the routers directory it was loaded from
 * @param routers router id (lower case) to router, unmodifiable
 * @param badFiles file name (raw: escape it for a log line) to the reason it is bad (log-safe),
 *        sorted, unmodifiable
 * @param incompleteFiles file name (raw) to what its router was loaded without (subnets and DNS
 *        servers radvd cannot advertise; log-safe), sorted, unmodifiable
 * @param duplicates number of router ids defined by more than one file
 */
record Snapshot(Path dir, Map<String, Router> routers, Map<String, String> badFiles,
        Map<String, String> incompleteFiles, int duplicates) {

    static Snapshot empty(Path dir) {
        return new Snapshot(dir, Map.of(), Map.of(), Map.of(), 0);
    }

    /** @return an unmodifiable view of the routers, stable because the map never changes */
    Collection<Router> all() {
        return Collections.unmodifiableCollection(routers.values());
    }
}
