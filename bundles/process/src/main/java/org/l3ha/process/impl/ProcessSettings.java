package org.l3ha.process.impl;

import java.nio.file.Path;
import java.util.List;

import org.l3ha.common.AgentSettings;

/**
 * The options the process manager uses, from PID {@code org.l3ha.agent}.
 *
 * @param intervalSeconds {@code check_child_processes_interval}, 0 = no monitor
 * @param exitOnDeath {@code check_child_processes_action} is {@code exit}
 * @param rootHelper {@code root_helper}, split; empty = none
 * @param statePath {@code state_path}, where the journal lives
 */
record ProcessSettings(int intervalSeconds, boolean exitOnDeath, List<String> rootHelper, Path statePath) {

    static ProcessSettings of(AgentSettings s) {
        return new ProcessSettings(s.checkChildProcessesInterval(), "exit".equals(s.checkChildProcessesAction()),
                s.rootHelperCommand(), s.statePath());
    }

    String monitorLabel() {
        return intervalSeconds == 0 ? "monitor off (check_child_processes_interval=0)"
                : "monitor every " + intervalSeconds + " s, action " + (exitOnDeath ? "exit" : "respawn");
    }

    /** @return the root helper for a log line */
    String rootHelperLabel() {
        return rootHelper.isEmpty() ? "none" : rootHelper.toString();
    }
}
