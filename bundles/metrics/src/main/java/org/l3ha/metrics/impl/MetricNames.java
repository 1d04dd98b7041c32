package org.l3ha.metrics.impl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which Prometheus series each {@code StatsProvider} counter becomes: the one table of the
 * mapping. A counter is named here {@code <section>.<counter>}, the section being the provider's
 * {@code l3ha.stats.name}.
 *
 * <p>A counter the table names becomes a series of a named family with labels (a {@code *} in
 * the table's counter stands for the text the label takes, e.g. the rejection reason); a counter
 * the table drops (a total of series exported per label) becomes nothing; every other counter,
 * of any section, including those added later, becomes {@code l3ha_<section>_<counter>}, every
 * character outside {@code [a-zA-Z0-9_]} turned into {@code _}, of type unknown: l3ha's counter
 * maps mix monotonic counts and current sizes.
 */
final class MetricNames {
    /** The prefix of every l3ha metric name. */
    static final String PREFIX = "l3ha_";

    /** Prometheus metric types the exporter writes. */
    enum Type {
        /** Monotonic; its name ends in {@code _total}. */
        COUNTER,
        /** A current value. */
        GAUGE,
        /** Either: the generic mapping. */
        UNKNOWN
    }

    /**
     * One row: counter {@code counter} of section {@code section} (one {@code *} in it matches any
     * non-empty text, which becomes label {@code capture}) is series {@code family} with the
     * labels {@code fixed}; a null family drops the counter.
     */
    record Rule(String section, String counter, String family, Type type, String capture, Map<String, String> fixed,
            String help) {
        /** @return the text {@code *} matched, "" if the rule has none, or null if {@code name} does not match */
        String match(String sec, String name) {
            if (!section.equals(sec)) {
                return null;
            }
            int star = counter.indexOf('*');
            if (star < 0) {
                return counter.equals(name) ? "" : null;
            }
            String prefix = counter.substring(0, star);
            String suffix = counter.substring(star + 1);
            if (name.length() <= prefix.length() + suffix.length() || !name.startsWith(prefix) || !name.endsWith(suffix)) {
                return null;
            }
            return name.substring(prefix.length(), name.length() - suffix.length());
        }
    }

    /** What a counter is exported as: a series of {@code family}, or nothing if {@code family} is null. */
    record Series(String family, Type type, Map<String, String> labels, String help) {
    }

    private static final String NOTIFICATIONS = "Notifications the state-change endpoint answered, by result";
    private static final String REPORTS = "Batches of router states a reporter delivered or failed to deliver";

    /** The table: first matching row wins. */
    static final List<Rule> RULES = List.of(
            counter("endpoint", "accepted", "l3ha_notifications_total", null, NOTIFICATIONS, "result", "accepted"),
            counter("endpoint", "rejected.*", "l3ha_notifications_total", "reason", NOTIFICATIONS, "result", "rejected"),
            counter("endpoint", "errors", "l3ha_notifications_total", null, NOTIFICATIONS, "result", "error"),
            counter("endpoint", "received", "l3ha_notifications_received_total", null,
                    "Requests that reached the state-change endpoint"),

            counter("engine", "applied.*", "l3ha_transitions_applied_total", "state",
                    "Router state transitions the engine applied, by the state entered"),
            dropped("engine", "applied"),
            counter("engine", "listener_failures.*", "l3ha_listener_failures_total", "listener",
                    "Transition listener calls that failed, by listener"),
            dropped("engine", "listener_failures"),
            gauge("engine", "routers.*", "l3ha_routers", "state", "Routers the engine knows, by state"),
            gauge("engine", "pending", "l3ha_pending_transitions", null,
                    "Desired router states not yet applied (mostly primaries waiting out the debounce)"),
            gauge("engine", "routers", "l3ha_engine_routers", null, "Routers the engine keeps state for"),
            gauge("engine", "unknown_held", "l3ha_engine_unknown_held", null, "Routers the engine holds as unknown"),

            counter("notifier", "reporter.*.batches_sent", "l3ha_reports_total", "reporter", REPORTS, "result", "delivered"),
            counter("notifier", "reporter.*.report_failures", "l3ha_reports_total", "reporter", REPORTS, "result", "failed"),
            counter("notifier", "reporter.*.states_reported", "l3ha_reported_states_total", "reporter",
                    "Router states a reporter delivered"),
            gauge("notifier", "reporter.*.pending", "l3ha_pending_reports", "reporter",
                    "Router states waiting to be delivered by a reporter"),
            dropped("notifier", "batches_sent"),
            dropped("notifier", "states_reported"),
            dropped("notifier", "report_failures"),

            counter("process", "respawns", "l3ha_daemons_respawned_total", null, "Daemons restarted by the monitor"),
            counter("process", "spawned", "l3ha_daemons_spawned_total", null, "Daemons started (enabled or respawned)"),
            counter("process", "spawn_failures", "l3ha_daemon_spawn_failures_total", null, "Daemon starts that failed"),
            gauge("process", "monitored", "l3ha_daemons_monitored", null, "Daemons the process monitor watches"));

    private MetricNames() {
    }

    /**
     * @param section the provider's {@code l3ha.stats.name}
     * @param counter the counter's name in its map
     * @return the series it is exported as (family null: not exported)
     */
    static Series of(String section, String counter) {
        for (Rule r : RULES) {
            String captured = r.match(section, counter);
            if (captured == null) {
                continue;
            }
            if (r.family() == null) {
                return new Series(null, null, Map.of(), null);
            }
            Map<String, String> labels = new LinkedHashMap<>(r.fixed());
            if (r.capture() != null) {
                labels.put(r.capture(), captured);
            }
            return new Series(r.family(), r.type(), labels, r.help());
        }
        return new Series(generic(section, counter), Type.UNKNOWN, Map.of(),
                "l3ha counter " + section + "." + counter + " (as l3ha:stats shows it)");
    }

    /** @return {@code l3ha_<section>_<counter>}, every character outside {@code [a-zA-Z0-9_]} turned into {@code _} */
    static String generic(String section, String counter) {
        return PREFIX + sanitize(section) + "_" + sanitize(counter);
    }

    /** @return {@code s} with every character outside {@code [a-zA-Z0-9_]} turned into {@code _} */
    static String sanitize(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            out.append(ok ? c : '_');
        }
        return out.toString();
    }

    private static Rule counter(String section, String counter, String family, String capture, String help,
            String... fixed) {
        return new Rule(section, counter, family, Type.COUNTER, capture, labels(fixed), help);
    }

    private static Rule gauge(String section, String counter, String family, String capture, String help) {
        return new Rule(section, counter, family, Type.GAUGE, capture, Map.of(), help);
    }

    private static Rule dropped(String section, String counter) {
        return new Rule(section, counter, null, null, null, Map.of(), null);
    }

    private static Map<String, String> labels(String... pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put(pairs[i], pairs[i + 1]);
        }
        return out;
    }
}
