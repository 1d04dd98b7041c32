package org.l3ha.common.testing;

import java.util.Map;

import org.l3ha.common.AgentConfig;

/** {@link AgentConfig} instances for unit tests that activate a component by hand. */
public final class AgentConfigs {
    private AgentConfigs() {
    }

    /** @return the options of PID org.l3ha.agent as Declarative Services would give {@code props} */
    public static AgentConfig of(Map<String, ?> props) {
        return PropertyTypeProxies.of(AgentConfig.class, props);
    }
}
