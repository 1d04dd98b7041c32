package org.l3ha.radvd.impl;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.l3ha.api.DaemonSpec;
import org.l3ha.common.Devices;

/**
 * A {@link DaemonSpec} built by this bundle: radvd for one router, or (only to ask whether it is
 * active) the router's keepalived.
 */
record Daemon(String service, String uuid, String namespace, Path pidFile, List<String> command,
        Map<String, String> environment, int stopSignal, Duration startTimeout) implements DaemonSpec {

    static final String RADVD = "radvd";
    static final String KEEPALIVED = "keepalived";
    /** Neutron kills radvd with {@code kill -9}. */
    static final int SIGKILL = 9;
    /** radvd daemonises and writes its pid file within milliseconds; this covers a loaded node. */
    static final Duration RADVD_START_TIMEOUT = Duration.ofSeconds(20);

    Daemon {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }

    /**
     * radvd for router {@code routerId} as Neutron runs it (NEUTRON.md §5.1): in
     * {@code qrouter-<id>}, env {@code PROCESS_TAG=radvd-<id>},
     * {@code radvd -C <ra_confs>/<id>.radvd.conf -p <external_pids>/<id>.pid.radvd -m syslog [-u USER]},
     * stopped with SIGKILL.
     *
     * @param binary the radvd program ({@code radvd}, found on the PATH inside the namespace)
     * @param user the value of {@code -u}, or null for none (see {@link #radvdUser})
     */
    static Daemon radvd(String routerId, RadvdSettings s, String binary, String user) {
        List<String> cmd = new ArrayList<>(List.of(binary, "-C", s.configFile(routerId).toString(),
                "-p", s.radvdPidFile(routerId).toString(), "-m", "syslog"));
        if (user != null) {
            cmd.add("-u");
            cmd.add(user);
        }
        return new Daemon(RADVD, routerId, Devices.namespace(routerId), s.radvdPidFile(routerId), cmd,
                Map.of("PROCESS_TAG", RADVD + "-" + routerId), SIGKILL, RADVD_START_TIMEOUT);
    }

    /**
     * The router's keepalived, as far as its pid file {@code <ha_confs_path>/<id>.pid.keepalived}
     * tells: {@link org.l3ha.api.ProcessManager#isActive} says whether that pid is alive and its
     * command line contains the router id (keepalived's does: its config and pid file paths). Never
     * enabled or disabled by this bundle.
     */
    static Daemon keepalived(String routerId, RadvdSettings s) {
        return new Daemon(KEEPALIVED, routerId, Devices.namespace(routerId), s.keepalivedPidFile(routerId),
                List.of(KEEPALIVED), Map.of(), 15, Duration.ofSeconds(60));
    }

    /**
     * The {@code -u} argument, as Neutron chooses it from {@code radvd_user}: empty → the agent's
     * effective user name; {@code root} → none (radvd is spawned as root already); anything else →
     * that value.
     *
     * @param configured {@code radvd_user}, empty for unset
     * @param effectiveUser the name of the user the agent runs as
     * @return the user to pass with {@code -u}, or null for no {@code -u}
     */
    static String radvdUser(String configured, String effectiveUser) {
        if (configured == null || configured.isEmpty()) {
            return effectiveUser == null || effectiveUser.isBlank() ? null : effectiveUser;
        }
        return "root".equals(configured) ? null : configured;
    }
}
