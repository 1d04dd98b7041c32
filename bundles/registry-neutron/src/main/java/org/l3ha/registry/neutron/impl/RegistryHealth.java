package org.l3ha.registry.neutron.impl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.l3ha.api.HealthResult;

/**
 * The registry's health from what it knows at one moment: CRITICAL while neutron-server says this
 * host is not a registered L3 agent; WARN while calls fail (naming the cause, the last good sync
 * and how many routers are kept), before the first full sync, while the notification feed is
 * disconnected, while router dicts are skipped (naming them) or routers were loaded without
 * subnets; else OK.
 *
 * @param shownHost the host, quoted and escaped
 * @param snapshot the routers now
 * @param failure the last failed call, or null if the last call succeeded
 * @param lastGoodSyncMillis when the last full sync or periodic check succeeded, or -1
 * @param feedDown why the notification feed is disconnected (escaped), or null
 * @param feedDownSinceMillis since when
 * @param retryInNanos time until the next attempt after a failure, or -1
 * @param unidentified what the last replies said about dicts without a usable id, or null
 */
record RegistryHealth(String shownHost, Snapshot snapshot, Failure failure, long lastGoodSyncMillis, String feedDown,
        long feedDownSinceMillis, long retryInNanos, String unidentified) {

    HealthResult verdict() {
        HealthResult.Status status = HealthResult.Status.OK;
        List<String> parts = new ArrayList<>();
        int n = snapshot.routers().size();
        String lastGood = Texts.time(lastGoodSyncMillis);
        String retry = retryInNanos < 0 ? ""
                : "; retrying in " + Math.max(1, Duration.ofNanos(retryInNanos).toSeconds()) + " s";
        if (failure != null && failure.agentNotFound()) {
            status = HealthResult.Status.CRITICAL;
            parts.add("host " + shownHost + " is not a registered L3 agent in neutron-server (" + failure.method()
                    + " raised " + failure.remoteClass() + "): register this host's L3 agent or check host in "
                    + "org.l3ha.agent; " + n + " routers kept from the last good sync (" + lastGood + ")" + retry);
        } else if (failure != null) {
            status = HealthResult.Status.WARN;
            parts.add(failure.describe() + ", last good sync " + lastGood + ", " + n + " routers kept" + retry);
        } else if (lastGoodSyncMillis < 0) {
            status = HealthResult.Status.WARN;
            parts.add("first sync with neutron-server for host " + shownHost + " not done yet");
        } else {
            parts.add(n + " routers from neutron-server for host " + shownHost + ", last good sync " + lastGood);
        }
        if (feedDown != null) {
            status = worst(status, HealthResult.Status.WARN);
            parts.add("notification feed disconnected since " + Texts.time(feedDownSinceMillis) + " (" + feedDown
                    + "): changes are seen only by the periodic check");
        }
        if (!snapshot.skipped().isEmpty()) {
            status = worst(status, HealthResult.Status.WARN);
            parts.add(snapshot.skipped().size() + " router dicts skipped: " + reasons(snapshot.skipped()));
        }
        if (unidentified != null) {
            status = worst(status, HealthResult.Status.WARN);
            parts.add(unidentified);
        }
        if (!snapshot.incomplete().isEmpty()) {
            status = worst(status, HealthResult.Status.WARN);
            parts.add(snapshot.incomplete().size() + " routers loaded without subnets radvd cannot advertise: "
                    + Texts.ids(snapshot.incomplete().keySet()));
        }
        return new HealthResult(status, String.join("; ", parts));
    }

    /** @return {@code id (reason)} for the first ids (sorted), and how many more */
    private static String reasons(Map<String, String> reasons) {
        List<String> out = new ArrayList<>();
        for (String id : Texts.first(reasons.keySet())) {
            out.add(id + " (" + reasons.get(id) + ")");
        }
        if (reasons.size() > Texts.MAX_IDS) {
            out.add("... (" + (reasons.size() - Texts.MAX_IDS) + " more)");
        }
        return String.join(", ", out);
    }

    private static HealthResult.Status worst(HealthResult.Status a, HealthResult.Status b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
