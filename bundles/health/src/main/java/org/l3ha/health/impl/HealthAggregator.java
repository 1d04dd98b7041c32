package org.l3ha.health.impl;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

import org.l3ha.api.Health;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthReport;
import org.l3ha.api.HealthResult;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The {@link Health} service: runs every registered {@link HealthCheck} and reports the worst
 * status. A check that throws counts as CRITICAL; no check at all is CRITICAL (nothing of l3ha
 * runs).
 */
@Component(name = "org.l3ha.health", service = Health.class)
public final class HealthAggregator implements Health {

    /* service id to the check, with its name */
    private final Map<Long, Named> checks = new ConcurrentSkipListMap<>();

    private record Named(String name, HealthCheck check) {
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindCheck(HealthCheck check, Map<String, Object> props) {
        Object name = props.get(HealthCheck.NAME);
        if (name == null) {
            name = props.getOrDefault("component.name", check.getClass().getName());
        }
        checks.put(((Number) props.get("service.id")).longValue(), new Named(String.valueOf(name), check));
    }

    void updatedCheck(HealthCheck check, Map<String, Object> props) {
        bindCheck(check, props);
    }

    void unbindCheck(HealthCheck check, Map<String, Object> props) {
        checks.remove(((Number) props.get("service.id")).longValue());
    }

    @Override
    public HealthReport report() {
        Map<String, HealthResult> results = new TreeMap<>();
        for (Named n : checks.values()) {
            HealthResult r;
            try {
                r = n.check().check();
            } catch (RuntimeException | LinkageError e) {
                r = HealthResult.critical("check failed: " + e);
            }
            String key = n.name();
            for (int i = 2; results.containsKey(key); i++) {
                key = n.name() + "#" + i;
            }
            results.put(key, r);
        }
        HealthResult.Status worst = results.isEmpty() ? HealthResult.Status.CRITICAL : HealthResult.Status.OK;
        for (HealthResult r : results.values()) {
            if (r.status().compareTo(worst) > 0) {
                worst = r.status();
            }
        }
        return new HealthReport(worst, results);
    }
}
