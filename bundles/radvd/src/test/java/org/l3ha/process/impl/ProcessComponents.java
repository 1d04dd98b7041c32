package org.l3ha.process.impl;

import java.time.Clock;
import java.util.Map;

/**
 * Test access to the real process manager: constructs it without an OSGi framework (no exit hook:
 * the tests never use check_child_processes_action=exit) and deactivates it as DS would, so a
 * test stops its monitor thread. Lives in the process bundle's package because both are
 * package-private there.
 */
public final class ProcessComponents {

    private ProcessComponents() {
    }

    /** @return an activated process manager for configuration {@code props} of PID org.l3ha.agent */
    public static ProcessComponent start(Map<String, ?> props) {
        return new ProcessComponent(props, () -> {
            throw new IllegalStateException("check_child_processes_action=exit is not used in these tests");
        }, Clock.systemUTC());
    }

    /** Deactivates {@code pm} (stops its monitor; daemons keep running). */
    public static void stop(ProcessComponent pm) {
        pm.deactivate();
    }
}
