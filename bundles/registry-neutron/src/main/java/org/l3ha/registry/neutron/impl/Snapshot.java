package org.l3ha.registry.neutron.impl;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.Router;
import org.l3ha.common.routers.RouterParser;

/**
 * What readers see: published in one volatile write, never modified afterwards.
 *
 * @param routers router id (lower case) to router
 * @param skipped router id to why its latest dict was rejected (log-safe); its last good version,
 *        if any, is in {@code routers}
 * @param incomplete router id to the subnets and DNS servers it was loaded without (log-safe)
 */
record Snapshot(Map<String, Router> routers, Map<String, String> skipped, Map<String, String> incomplete) {

    /* the registry's logger: these lines are the registry's */
    private static final Logger LOG = LoggerFactory.getLogger(NeutronRouters.class);

    static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), Map.of());

    /**
     * Changes to a snapshot, copied on the first write and published in one step
     * ({@link #result()}); logs what changed about a router's dict (skipped, readable again,
     * loaded without subnets) once per change. Not thread-safe: one writer at a time.
     */
    static final class Edit {
        final Snapshot base;
        private Map<String, Router> routers;
        private Map<String, String> skipped;
        private Map<String, String> incomplete;
        private final Set<String> changed = new TreeSet<>();
        private final Set<String> dropped = new LinkedHashSet<>();

        Edit(Snapshot base) {
            this.base = base;
        }

        private Map<String, Router> routersNow() {
            return routers != null ? routers : base.routers();
        }

        private Map<String, String> skippedNow() {
            return skipped != null ? skipped : base.skipped();
        }

        private Map<String, String> incompleteNow() {
            return incomplete != null ? incomplete : base.incomplete();
        }

        private Map<String, Router> routers() {
            if (routers == null) {
                routers = new HashMap<>(base.routers());
            }
            return routers;
        }

        private Map<String, String> skipped() {
            if (skipped == null) {
                skipped = new TreeMap<>(base.skipped());
            }
            return skipped;
        }

        private Map<String, String> incomplete() {
            if (incomplete == null) {
                incomplete = new TreeMap<>(base.incomplete());
            }
            return incomplete;
        }

        /**
         * Puts a router read from neutron-server's dict.
         *
         * @return whether the router was added or changed
         */
        boolean put(RouterParser.Parsed p) {
            Router r = p.router();
            String id = r.id();
            if (skippedNow().containsKey(id)) {
                skipped().remove(id);
                LOG.info("Router {} from neutron-server is readable again", id);
            }
            String now = p.skipped().isEmpty() ? null : String.join("; ", p.skipped());
            if (!Objects.equals(incompleteNow().get(id), now)) {
                if (now == null) {
                    incomplete().remove(id);
                    LOG.info("Router {} from neutron-server loaded with all its subnets again", id);
                } else {
                    incomplete().put(id, now);
                    LOG.warn("Router {} from neutron-server loaded without {} subnet(s) or DNS server(s) radvd cannot "
                            + "advertise: {}", id, p.skipped().size(), now);
                }
            }
            if (r.equals(routersNow().get(id))) {
                return false;
            }
            routers().put(id, r);
            changed.add(id);
            return true;
        }

        /**
         * Notes that the router's latest dict was rejected; its last good version, if any, stays.
         *
         * @param reason log-safe: a JSON path and what was wrong
         */
        void skip(String id, String reason) {
            if (reason.equals(skippedNow().get(id))) {
                return;
            }
            skipped().put(id, reason);
            LOG.warn("Router {} from neutron-server skipped: {}; {}", id, reason,
                    routersNow().containsKey(id) ? "keeping its last good version" : "not loaded");
        }

        /** @return whether a router was removed (a skipped dict is forgotten all the same) */
        boolean remove(String id) {
            dropped.add(id);
            if (skippedNow().containsKey(id)) {
                skipped().remove(id);
            }
            if (incompleteNow().containsKey(id)) {
                incomplete().remove(id);
            }
            if (!routersNow().containsKey(id)) {
                return false;
            }
            routers().remove(id);
            changed.add(id);
            return true;
        }

        /** @return the ids of the routers added, changed or removed, sorted */
        Set<String> changed() {
            return Collections.unmodifiableSet(changed);
        }

        /** @return every id {@link #remove} was called for, removed or not */
        Set<String> dropped() {
            return Collections.unmodifiableSet(dropped);
        }

        Snapshot result() {
            if (routers == null && skipped == null && incomplete == null) {
                return base;
            }
            return new Snapshot(
                    routers == null ? base.routers() : Collections.unmodifiableMap(routers),
                    skipped == null ? base.skipped() : Collections.unmodifiableMap(skipped),
                    incomplete == null ? base.incomplete() : Collections.unmodifiableMap(incomplete));
        }
    }
}
