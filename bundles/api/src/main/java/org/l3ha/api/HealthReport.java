package org.l3ha.api;

import java.util.Map;
import java.util.Objects;

/**
 * What {@link Health#report()} found.
 *
 * @param status the worst status of all checks; {@link HealthResult.Status#CRITICAL} if there is no check at all
 * @param checks each check's name to its verdict, ordered by name
 */
public record HealthReport(HealthResult.Status status, Map<String, HealthResult> checks) {
    public HealthReport {
        Objects.requireNonNull(status, "status");
        checks = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(checks));
    }
}
