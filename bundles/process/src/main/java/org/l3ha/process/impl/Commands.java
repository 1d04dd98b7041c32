package org.l3ha.process.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The command lines the process manager runs, composed as Neutron composes them:
 * {@code [root_helper...] [ip netns exec <namespace>] [env K=V...] <command...>} to start a daemon
 * and {@code [root_helper...] kill -<signal> <pid>} to signal one. The environment is passed with
 * {@code env} after {@code ip netns exec}, so it reaches the daemon through a root helper such as
 * sudo that resets the environment.
 */
final class Commands {

    private Commands() {
    }

    /**
     * @param rootHelper the root helper prefix, possibly empty
     * @param namespace the network namespace, empty for the host's
     * @param environment extra environment for the daemon, possibly empty
     * @param command the daemon's command line
     * @return the full command line to run
     */
    static List<String> spawn(List<String> rootHelper, String namespace, Map<String, String> environment,
            List<String> command) {
        List<String> cmd = new ArrayList<>(rootHelper);
        if (!namespace.isEmpty()) {
            cmd.addAll(List.of("ip", "netns", "exec", namespace));
        }
        if (!environment.isEmpty()) {
            cmd.add("env");
            new TreeMap<>(environment).forEach((k, v) -> cmd.add(k + "=" + v));
        }
        cmd.addAll(command);
        return cmd;
    }

    /** @return the command line that sends {@code signal} (a number) to {@code pid} */
    static List<String> kill(List<String> rootHelper, int signal, long pid) {
        List<String> cmd = new ArrayList<>(rootHelper);
        cmd.add("kill");
        cmd.add("-" + signal);
        cmd.add(Long.toString(pid));
        return cmd;
    }
}
