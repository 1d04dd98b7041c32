package org.l3ha.registry.neutron.impl;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** The registry's counters; every one only grows. Thread-safe. */
final class RegistryStats {
    final AtomicLong fullSyncs = new AtomicLong();
    final AtomicLong driftChecks = new AtomicLong();
    final AtomicLong driftAdded = new AtomicLong();
    final AtomicLong driftRemoved = new AtomicLong();
    final AtomicLong getRouterIdsCalls = new AtomicLong();
    final AtomicLong syncRoutersCalls = new AtomicLong();
    final AtomicLong routersFetched = new AtomicLong();
    final AtomicLong dictsRejected = new AtomicLong();
    final AtomicLong agentNotFound = new AtomicLong();
    final AtomicLong chunkTimeouts = new AtomicLong();
    final AtomicLong lookups = new AtomicLong();
    final AtomicLong notificationsIgnored = new AtomicLong();
    final AtomicLong notificationsMalformed = new AtomicLong();
    final AtomicLong feedConnects = new AtomicLong();
    final AtomicLong feedDisconnects = new AtomicLong();
    private final Map<NeutronRpcException.Kind, AtomicLong> failures = new EnumMap<>(NeutronRpcException.Kind.class);
    private final Map<L3Notification.Method, AtomicLong> notifications = new EnumMap<>(L3Notification.Method.class);

    RegistryStats() {
        for (NeutronRpcException.Kind k : NeutronRpcException.Kind.values()) {
            failures.put(k, new AtomicLong());
        }
        for (L3Notification.Method m : L3Notification.Method.values()) {
            notifications.put(m, new AtomicLong());
        }
    }

    void failed(NeutronRpcException.Kind kind) {
        failures.get(kind).incrementAndGet();
    }

    void notified(L3Notification.Method method) {
        notifications.get(method).incrementAndGet();
    }

    /**
     * @param routers routers in the registry now
     * @param skipped routers whose latest dict was rejected
     * @param incomplete routers loaded without a subnet or DNS server radvd cannot advertise
     * @param chunkSize the current {@code sync_routers} chunk size
     */
    Map<String, Long> counters(int routers, int skipped, int incomplete, int chunkSize) {
        Map<String, Long> c = new LinkedHashMap<>();
        c.put("routers", (long) routers);
        c.put("routers_skipped", (long) skipped);
        c.put("routers_incomplete", (long) incomplete);
        c.put("full_syncs", fullSyncs.get());
        c.put("drift_checks", driftChecks.get());
        c.put("drift_added", driftAdded.get());
        c.put("drift_removed", driftRemoved.get());
        c.put("rpc_get_router_ids", getRouterIdsCalls.get());
        c.put("rpc_sync_routers", syncRoutersCalls.get());
        c.put("routers_fetched", routersFetched.get());
        c.put("dicts_rejected", dictsRejected.get());
        for (Map.Entry<NeutronRpcException.Kind, AtomicLong> e : failures.entrySet()) {
            c.put("failures_" + e.getKey().counter(), e.getValue().get());
        }
        c.put("failures_agent_not_found", agentNotFound.get());
        c.put("chunk_timeouts", chunkTimeouts.get());
        c.put("chunk_size", (long) chunkSize);
        c.put("lookups", lookups.get());
        for (Map.Entry<L3Notification.Method, AtomicLong> e : notifications.entrySet()) {
            c.put("notifications_" + e.getKey().wireName(), e.getValue().get());
        }
        c.put("notifications_ignored", notificationsIgnored.get());
        c.put("notifications_malformed", notificationsMalformed.get());
        c.put("feed_connects", feedConnects.get());
        c.put("feed_disconnects", feedDisconnects.get());
        return Collections.unmodifiableMap(c);
    }
}
