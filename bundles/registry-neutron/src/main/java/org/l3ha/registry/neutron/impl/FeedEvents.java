package org.l3ha.registry.neutron.impl;

import java.util.HashSet;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.common.LogText;

/**
 * Applies what the notification feed delivers ({@link L3Events}): a (re)connection requests a full
 * sync at once (no waiting out the backoff), a disconnection is remembered for the health, and each
 * notification queues the routers it names to be fetched or dropped; a notification that cannot be
 * read requests a full sync instead. Counts all of it.
 *
 * <p><b>Threads.</b> Called from the feed's thread (any thread will do); never waits for
 * neutron-server: it records events under the registry's lock and kicks the {@link Pump}, which
 * acts on them on the scheduler's thread. The newest event per router wins ({@link PendingEvents}).
 */
final class FeedEvents implements L3Events {
    /* the registry's logger: these lines are the registry's */
    private static final Logger LOG = LoggerFactory.getLogger(NeutronRouters.class);

    private final RegistryState state;
    private final Retries retries;
    private final Pump pump;
    /* guarded by state.lock */
    private final Set<String> malformedLogged = new HashSet<>();

    FeedEvents(RegistryState state, Retries retries, Pump pump) {
        this.state = state;
        this.retries = retries;
        this.pump = pump;
    }

    @Override
    public void connected() {
        String was;
        long since;
        synchronized (state.lock) {
            state.stats.feedConnects.incrementAndGet();
            was = state.feedDown;
            since = state.feedDownSinceMillis;
            state.feedDown = null;
            if (!state.running()) {
                return;
            }
            state.fullSyncRequested = true;
            retries.retryNow();   // the broker is back: no reason to wait out the backoff
            pump.kick();
        }
        if (was != null) {
            LOG.info("Notification feed reconnected (down since {}): syncing every router again", Texts.time(since));
        } else {
            LOG.info("Notification feed connected: syncing every router (notifications before it were not seen)");
        }
    }

    @Override
    public void disconnected(String cause) {
        String shown = Texts.shown(cause);
        boolean first;
        synchronized (state.lock) {
            state.stats.feedDisconnects.incrementAndGet();
            first = state.feedDown == null;
            if (first) {
                state.feedDownSinceMillis = state.scheduler.currentTimeMillis();
            }
            state.feedDown = shown;
        }
        if (first) {
            LOG.warn("Notification feed disconnected ({}): keeping the routers; changes in neutron-server are seen "
                    + "again when it reconnects, and meanwhile only by the periodic check every {} s", shown,
                    state.settings.periodicInterval().toSeconds());
        }
    }

    @Override
    public void notification(String method, JsonNode args) {
        L3Notification n = L3Notification.decode(method, args);
        if (n.method() == null) {
            state.stats.notificationsIgnored.incrementAndGet();
            LOG.debug("Notification {} ignored", LogText.quote(method, Texts.MAX_SHOWN));
            return;
        }
        state.stats.notified(n.method());
        String name = n.method().wireName();
        if (n.malformed() != null) {
            state.stats.notificationsMalformed.incrementAndGet();
            boolean log;
            synchronized (state.lock) {
                log = malformedLogged.size() < 100 && malformedLogged.add(name + ": " + n.malformed());
                if (state.running()) {
                    state.fullSyncRequested = true;
                    pump.kick();
                }
            }
            if (log) {
                LOG.warn("Notification {} from neutron-server cannot be read ({}): syncing every router instead", name,
                        n.malformed());
            }
            return;
        }
        if (!n.problems().isEmpty()) {
            LOG.warn("Notification {} from neutron-server: {} entries skipped ({})", name, n.problems().size(),
                    String.join("; ", n.problems()));
        }
        synchronized (state.lock) {
            if (!state.running()) {
                return;   // the full sync at start reads what it would have told
            }
            for (String id : n.ids()) {
                state.pending.add(id, n.method().removes() ? PendingEvents.Action.REMOVE : PendingEvents.Action.FETCH);
            }
            pump.kick();
        }
        LOG.debug("Notification {} for {}", name, n.ids());
    }
}
