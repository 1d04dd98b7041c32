package org.l3ha.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * l3ha's overall health for an operator's monitoring: every {@link HealthCheck} service run and
 * the worst of their verdicts (socket listening, registry loaded, reporters delivering, daemons
 * running).
 */
@ProviderType
public interface Health {

    /** @return the verdict of every check now, and the overall (worst) status */
    HealthReport report();
}
