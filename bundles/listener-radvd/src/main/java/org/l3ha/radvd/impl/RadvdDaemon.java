package org.l3ha.radvd.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.l3ha.api.DaemonSpec;
import org.l3ha.common.Devices;
import org.l3ha.common.SafeFiles;

/**
 * A {@link DaemonSpec} built by this bundle: radvd for one router, or (only to ask whether it is
 * active) the router's keepalived.
 *
 * @param config radvd's configuration and where it goes, written afresh before every start
 *        ({@link #prepare()}); null when the spec is only used to find, check or stop the daemon
 */
record RadvdDaemon(String service, String uuid, String namespace, Path pidFile, List<String> command,
        Map<String, String> environment, int stopSignal, Duration startTimeout, Config config) implements DaemonSpec {

    /** A configuration file and its content. */
    record Config(Path file, String content) {
    }

    static final String RADVD = "radvd";
    static final String KEEPALIVED = "keepalived";
    /** Neutron kills radvd with {@code kill -9}. */
    static final int SIGKILL = 9;
    /** radvd daemonises and writes its pid file within milliseconds; this covers a loaded node. */
    static final Duration RADVD_START_TIMEOUT = Duration.ofSeconds(20);

    RadvdDaemon {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }

    /**
     * Writes the configuration this spec was built with (atomically, no link followed, mode 0444).
     * The process manager calls it before every start, so a respawned radvd reads l3ha's
     * configuration, not what another account may have put in {@code ra_confs} since.
     */
    @Override
    public void prepare() throws IOException {
        if (config != null) {
            SafeFiles.write(config.file(), config.content().getBytes(StandardCharsets.UTF_8), SafeFiles.FILE_0444, true,
                    SafeFiles.DIR_0755);
        }
    }

    /** @return radvd for router {@code routerId} with no configuration to write (to find, check or stop it) */
    static RadvdDaemon radvd(String routerId, RadvdSettings s, String binary, String user) {
        return radvd(routerId, s, binary, user, null);
    }

    /**
     * radvd for router {@code routerId} as Neutron runs it (docs/behaviour.md §5.1): in
     * {@code qrouter-<id>}, env {@code PROCESS_TAG=radvd-<id>},
     * {@code radvd -C <ra_confs>/<id>.radvd.conf -p <external_pids>/<id>.pid.radvd -m syslog [-u USER]},
     * stopped with SIGKILL.
     *
     * @param binary the radvd program ({@code radvd}, found on the PATH inside the namespace)
     * @param user the value of {@code -u}, or null for none (see {@link #radvdUser})
     * @param conf the configuration's content, written by {@link #prepare()}; null for none
     */
    static RadvdDaemon radvd(String routerId, RadvdSettings s, String binary, String user, String conf) {
        List<String> cmd = new ArrayList<>(List.of(binary, "-C", s.configFile(routerId).toString(),
                "-p", s.radvdPidFile(routerId).toString(), "-m", "syslog"));
        if (user != null) {
            cmd.add("-u");
            cmd.add(user);
        }
        return new RadvdDaemon(RADVD, routerId, Devices.namespace(routerId), s.radvdPidFile(routerId), cmd,
                Map.of("PROCESS_TAG", RADVD + "-" + routerId), SIGKILL, RADVD_START_TIMEOUT,
                conf == null ? null : new Config(s.configFile(routerId), conf));
    }

    /**
     * The router's keepalived, as far as its pid file {@code <ha_confs_path>/<id>.pid.keepalived}
     * tells: {@link org.l3ha.api.ProcessManager#isActive} says whether that pid is alive and its
     * command line contains the router id (keepalived's does: its config and pid file paths). Never
     * enabled or disabled by this bundle.
     */
    static RadvdDaemon keepalived(String routerId, RadvdSettings s) {
        return new RadvdDaemon(KEEPALIVED, routerId, Devices.namespace(routerId), s.keepalivedPidFile(routerId),
                List.of(KEEPALIVED), Map.of(), 15, Duration.ofSeconds(60), null);
    }

    /**
     * The {@code -u} argument from {@code radvd_user}: empty → the daemons' account
     * ({@link org.l3ha.common.DaemonAccount}: Neutron's "agent's effective user", but never root
     * when l3ha runs as root); {@code root} → none (radvd stays root, as Neutron does for this
     * value); anything else → that user.
     *
     * @param configured {@code radvd_user}, empty for unset
     * @param daemonAccount the daemons' account's user name
     * @return the user to pass with {@code -u}, or null for no {@code -u}
     */
    static String radvdUser(String configured, String daemonAccount) {
        if (configured == null || configured.isEmpty()) {
            return daemonAccount;
        }
        return "root".equals(configured) ? null : configured;
    }
}
