package org.l3ha.registry.neutron.impl;

import org.l3ha.common.Scheduler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.l3ha.common.LogText;

/**
 * What the jobs of the neutron router registry ({@link NeutronRouters} and the classes it wires
 * together) share: the host, the pacing, the calls, the counters, the snapshot readers see, and the
 * one lock that guards everything else here. It has no job of its own beyond holding that state
 * where each job can reach it.
 *
 * <p><b>Threads.</b> {@link #snapshot} is volatile: readers take it in one read, never the lock;
 * it is written only with {@link #lock} held. Every other mutable field is guarded by {@link #lock};
 * the lock is never held during a call to neutron-server nor while the listener is told.
 */
final class RegistryState {
    /** Most ids whose last lookup time is remembered (oldest forgotten first). */
    static final int MAX_LOOKUPS_REMEMBERED = 100_000;

    final String host;
    final String shownHost;
    final NeutronSettings settings;
    final ServerCalls calls;
    final Scheduler scheduler;
    final RegistryStats stats = new RegistryStats();

    /* readers: one volatile read, never a lock */
    volatile Snapshot snapshot = Snapshot.EMPTY;

    final Object lock = new Object();
    /* guarded by lock */
    final PendingEvents pending = new PendingEvents();
    /* guarded by lock: when find() last asked for each id, or when each id was last dropped */
    final LinkedHashMap<String, Long> lookups = new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_LOOKUPS_REMEMBERED;
        }
    };
    final Backoff backoff;
    boolean started;
    boolean stopped;
    boolean fullSyncRequested;
    boolean fullSyncRunning;
    boolean driftCheckDue;
    long lastGoodSyncMillis = -1;
    String feedDown;
    long feedDownSinceMillis;
    int chunk;
    String unidentifiedNow;

    RegistryState(String host, NeutronSettings settings, L3PluginRpc rpc, Scheduler scheduler) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        this.host = host;
        this.shownHost = LogText.quote(host, Texts.MAX_SHOWN);
        this.settings = Objects.requireNonNull(settings, "settings");
        this.calls = new ServerCalls(host, Objects.requireNonNull(rpc, "rpc"), stats);
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.chunk = settings.syncRoutersChunkSize();
        this.backoff = new Backoff(settings.retryMin(), settings.retryMax());
    }

    /** @return the sequence number of the newest event: take it just before a call */
    long currentSeq() {
        synchronized (lock) {
            return pending.seq();
        }
    }

    /** @return how many routers one sync_routers call asks for now */
    int chunk() {
        synchronized (lock) {
            return chunk;
        }
    }

    boolean isStopped() {
        synchronized (lock) {
            return stopped;
        }
    }

    /** Caller holds lock: whether the registry started and has not stopped. */
    boolean running() {
        return started && !stopped;
    }
}
