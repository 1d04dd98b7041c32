package org.l3ha.registry.neutron.impl;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.RouterRegistryListener;
import org.l3ha.common.routers.RouterParser;

/**
 * Applies what neutron-server said to the registry's {@link Snapshot}: a get_router_ids answer
 * (routers no longer scheduled here dropped), a sync_routers reply (routers added, changed,
 * skipped or dropped) and removals notified; swaps the new snapshot in with one write, then tells
 * the listener which routers changed.
 *
 * <p><b>Threads.</b> Called on the scheduler's thread. The edit and the swap happen with the
 * registry's lock held; the listener is told after the swap, never while a lock is held, and not
 * at all once the registry stopped. <b>Ordering.</b> Events newer than the call that produced an
 * answer win over it: a router dropped by a notification during the call stays dropped, one with a
 * newer event is not dropped by the answer.
 */
final class SnapshotWriter {
    /* the registry's logger: these lines are the registry's */
    private static final Logger LOG = LoggerFactory.getLogger(NeutronRouters.class);

    private final RegistryState state;
    private final RouterRegistryListener listener;
    /* guarded by state.lock */
    private String unidentifiedLogged;

    SnapshotWriter(RegistryState state, RouterRegistryListener listener) {
        this.state = state;
        this.listener = listener;
    }

    /**
     * Drops the routers not in {@code want} (get_router_ids' answer, asked at {@code s0}), except
     * those with an event newer than the answer.
     *
     * @return how many routers were dropped
     */
    int applyMembership(Set<String> want, long s0, String why) {
        Set<String> changed;
        int removed = 0;
        synchronized (state.lock) {
            if (state.stopped) {
                return 0;
            }
            Snapshot.Edit edit = new Snapshot.Edit(state.snapshot);
            Set<String> known = new HashSet<>(edit.base.routers().keySet());
            known.addAll(edit.base.skipped().keySet());
            for (String id : known) {
                if (!want.contains(id) && !state.pending.newerThan(id, s0) && edit.remove(id)) {
                    removed++;
                }
            }
            // earlier events for routers not scheduled here are answered too
            state.pending.answeredNotScheduled(want, s0);
            changed = publish(edit);
        }
        if (removed > 0) {
            LOG.info("{} routers no longer scheduled to host {} removed ({})", removed, state.shownHost, why);
        }
        tell(changed);
        return removed;
    }

    /** Drops the routers neutron-server's notifications removed. */
    void applyRemovals(List<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        Set<String> changed;
        synchronized (state.lock) {
            if (state.stopped) {
                return;
            }
            Snapshot.Edit edit = new Snapshot.Edit(state.snapshot);
            for (String id : ids) {
                edit.remove(id);
            }
            changed = publish(edit);
        }
        if (!changed.isEmpty()) {
            LOG.info("{} routers removed by neutron-server's notifications: {}", changed.size(),
                    Texts.ids(changed));
        }
        tell(changed);
    }

    /**
     * Applies a sync_routers reply: returned routers added or changed (a rejected dict skipped,
     * its last good version kept), requested routers not returned dropped; events newer than the
     * call ({@code s0}) win.
     */
    void applyReply(List<String> requested, JsonNode reply, long s0) {
        ReplyDicts dicts = ReplyDicts.read(reply);
        Map<String, RouterParser.Parsed> good = dicts.good();
        Map<String, String> bad = dicts.bad();
        List<String> unidentified = dicts.unidentified();
        state.stats.routersFetched.addAndGet(reply.size());
        state.stats.dictsRejected.addAndGet(dicts.rejected());
        Set<String> changed;
        int[] counts = new int[3];
        synchronized (state.lock) {
            if (state.stopped) {
                return;
            }
            PendingEvents pending = state.pending;
            Snapshot.Edit edit = new Snapshot.Edit(state.snapshot);
            for (RouterParser.Parsed p : good.values()) {
                String id = p.router().id();
                if (!pending.removedAfter(id, s0)) {
                    counts[edit.base.routers().containsKey(id) ? 1 : 0] += edit.put(p) ? 1 : 0;
                }
            }
            for (Map.Entry<String, String> e : bad.entrySet()) {
                if (!pending.removedAfter(e.getKey(), s0)) {
                    edit.skip(e.getKey(), e.getValue());
                }
            }
            if (unidentified.isEmpty()) {
                for (String id : requested) {
                    if (!dicts.returned(id) && !pending.newerThan(id, s0) && edit.remove(id)) {
                        counts[2]++;
                    }
                }
            } else {
                // a dict without a usable id may be any of those asked for: none is dropped this time
                state.unidentifiedNow = unidentified.size() + " router dicts without a usable id ("
                        + unidentified.get(0) + ")";
            }
            Set<String> answered = new HashSet<>(requested);
            answered.addAll(good.keySet());
            answered.addAll(bad.keySet());
            pending.answered(answered, s0);
            changed = publish(edit);
            if (!unidentified.isEmpty() && !unidentified.get(0).equals(unidentifiedLogged)) {
                unidentifiedLogged = unidentified.get(0);
                LOG.warn("sync_routers reply for host {}: {} router dicts skipped, without a usable id ({}); routers "
                        + "asked for and not returned are kept this time", state.shownHost, unidentified.size(),
                        String.join("; ", unidentified));
            }
        }
        if (!changed.isEmpty()) {
            LOG.debug("sync_routers for {} routers: {} added, {} changed, {} removed", requested.size(), counts[0],
                    counts[1], counts[2]);
        }
        tell(changed);
    }

    /* caller holds lock: publishes the edit; find() right after a removal (a listener asking about the
     * router it was just told of) asks neutron-server nothing */
    private Set<String> publish(Snapshot.Edit edit) {
        state.snapshot = edit.result();
        if (!edit.dropped().isEmpty()) {
            long now = state.scheduler.nanoTime();
            for (String id : edit.dropped()) {
                state.lookups.put(id, now);
            }
        }
        return edit.changed();
    }

    private void tell(Set<String> ids) {
        if (ids.isEmpty() || state.isStopped()) {
            return;
        }
        try {
            listener.routersChanged(Collections.unmodifiableSet(new LinkedHashSet<>(ids)));
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Router registry listener failed on {} changed routers", ids.size(), e);
        }
    }
}
