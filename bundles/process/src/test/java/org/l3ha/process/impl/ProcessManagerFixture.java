package org.l3ha.process.impl;

import org.l3ha.common.testing.AgentConfigs;
import java.time.Clock;
import java.util.Map;

import org.l3ha.api.DaemonFactory;
import org.l3ha.api.ProcessManager;

/**
 * The real process manager of bundle org.l3ha.process, as DS would activate it, for tests of
 * listeners against real daemons. Lives in the process manager's package to reach its
 * framework-free constructor and its deactivate method (both package-private there).
 */
public final class ProcessManagerFixture implements AutoCloseable {
    private final NamespaceProcessManager component;

    /** @param props configuration of PID org.l3ha.agent (state_path, check_child_processes_interval, ...) */
    public ProcessManagerFixture(Map<String, ?> props) {
        component = new NamespaceProcessManager(AgentConfigs.of(props), () -> {
            throw new IllegalStateException("check_child_processes_action=exit is not used by these tests");
        }, Clock.systemUTC());
    }

    /** @return the process manager (the component itself, with its counters) */
    public NamespaceProcessManager manager() {
        return component;
    }

    /** Binds {@code factory} for {@code service}, as DS binds a bundle's {@link DaemonFactory} service. */
    public void bindFactory(DaemonFactory factory, String service) {
        component.bindFactory(factory, Map.of(DaemonFactory.SERVICE, service));
    }

    /** @return the process manager's counters (monitored, respawns, ...) */
    public Map<String, Long> counters() {
        return component.counters();
    }

    /** Deactivates it: stops the monitor thread (daemons keep running). */
    @Override
    public void close() {
        component.deactivate();
    }
}
