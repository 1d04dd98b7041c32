package org.l3ha.common;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options of Config Admin PID {@value #PID}: the options l3ha shares with Neutron's
 * {@code l3_agent.ini}, under Neutron's names and defaults, plus l3ha's own. Every component that
 * needs one reads the same PID and parses it here, so names, defaults and validation exist once.
 *
 * @param statePath {@code state_path}: base of the socket, pid files, ha_confs, ra, proxy configs
 * @param haConfsPath {@code ha_confs_path}: per-router HA dirs and state files
 * @param haVrrpAdvertInt {@code ha_vrrp_advert_int}: VRRP advert interval, seconds; the primary
 *        debounce delay and the default batch interval (0 = no debounce, batches every 50 ms)
 * @param batchInterval {@code batch_interval}: shortest time between two reports
 * @param host {@code host}: the name this agent reports as
 * @param socketMode {@code socket_mode}: permissions of the state-change socket
 * @param enableMetadataProxy {@code enable_metadata_proxy}
 * @param metadataPort {@code metadata_port}
 * @param metadataProxySocket {@code metadata_proxy_socket}
 * @param raConfs {@code ra_confs}
 * @param externalPids {@code external_pids}
 * @param radvdUser {@code radvd_user}, empty for unset
 * @param metadataProxyUser {@code metadata_proxy_user}, empty for unset
 * @param metadataProxyGroup {@code metadata_proxy_group}, empty for unset
 * @param minRtrAdvInterval {@code min_rtr_adv_interval}
 * @param maxRtrAdvInterval {@code max_rtr_adv_interval}
 * @param ipv6Gateway {@code ipv6_gateway}
 * @param checkChildProcessesInterval {@code check_child_processes_interval}, seconds, 0 = off
 * @param checkChildProcessesAction {@code check_child_processes_action}: respawn or exit
 * @param rootHelper {@code root_helper}: command prefix for privileged commands, empty = none
 */
public record AgentSettings(
        Path statePath,
        Path haConfsPath,
        int haVrrpAdvertInt,
        Duration batchInterval,
        String host,
        Set<PosixFilePermission> socketMode,
        boolean enableMetadataProxy,
        int metadataPort,
        Path metadataProxySocket,
        Path raConfs,
        Path externalPids,
        String radvdUser,
        String metadataProxyUser,
        String metadataProxyGroup,
        int minRtrAdvInterval,
        int maxRtrAdvInterval,
        String ipv6Gateway,
        int checkChildProcessesInterval,
        String checkChildProcessesAction,
        String rootHelper) {

    public static final String PID = "org.l3ha.agent";

    public static final String STATE_PATH = "state_path";
    public static final String HA_CONFS_PATH = "ha_confs_path";
    public static final String HA_VRRP_ADVERT_INT = "ha_vrrp_advert_int";
    public static final String BATCH_INTERVAL = "batch_interval";
    public static final String HOST = "host";
    public static final String SOCKET_MODE = "socket_mode";
    public static final String ENABLE_METADATA_PROXY = "enable_metadata_proxy";
    public static final String METADATA_PORT = "metadata_port";
    public static final String METADATA_PROXY_SOCKET = "metadata_proxy_socket";
    public static final String RA_CONFS = "ra_confs";
    public static final String EXTERNAL_PIDS = "external_pids";
    public static final String RADVD_USER = "radvd_user";
    public static final String METADATA_PROXY_USER = "metadata_proxy_user";
    public static final String METADATA_PROXY_GROUP = "metadata_proxy_group";
    public static final String MIN_RTR_ADV_INTERVAL = "min_rtr_adv_interval";
    public static final String MAX_RTR_ADV_INTERVAL = "max_rtr_adv_interval";
    public static final String IPV6_GATEWAY = "ipv6_gateway";
    public static final String CHECK_CHILD_PROCESSES_INTERVAL = "check_child_processes_interval";
    public static final String CHECK_CHILD_PROCESSES_ACTION = "check_child_processes_action";
    public static final String ROOT_HELPER = "root_helper";

    /** Every key of PID {@value #PID}. */
    public static final Set<String> KEYS = Set.of(STATE_PATH, HA_CONFS_PATH, HA_VRRP_ADVERT_INT, BATCH_INTERVAL, HOST,
            SOCKET_MODE, ENABLE_METADATA_PROXY, METADATA_PORT, METADATA_PROXY_SOCKET, RA_CONFS, EXTERNAL_PIDS,
            RADVD_USER, METADATA_PROXY_USER, METADATA_PROXY_GROUP, MIN_RTR_ADV_INTERVAL, MAX_RTR_ADV_INTERVAL, IPV6_GATEWAY, CHECK_CHILD_PROCESSES_INTERVAL,
            CHECK_CHILD_PROCESSES_ACTION, ROOT_HELPER);

    /* Defaults, usable in annotation defaults (compile-time constants). */
    public static final String DEFAULT_STATE_PATH = "/var/lib/neutron";
    public static final String DEFAULT_HA_CONFS_PATH = "$state_path/ha_confs";
    public static final int DEFAULT_HA_VRRP_ADVERT_INT = 2;
    /**
     * The default {@code batch_interval} when {@code ha_vrrp_advert_int} is 0. Neutron's batching
     * stops at 0 (one RPC per router in a failover storm); 50 ms keeps a storm of 10,000 routers
     * in a few dozen batches and adds at most 50 ms to a report.
     */
    public static final Duration MIN_DEFAULT_BATCH_INTERVAL = Duration.ofMillis(50);
    public static final String DEFAULT_SOCKET_MODE = "0600";
    public static final boolean DEFAULT_ENABLE_METADATA_PROXY = true;
    public static final int DEFAULT_METADATA_PORT = 9697;
    public static final String DEFAULT_METADATA_PROXY_SOCKET = "$state_path/metadata_proxy";
    public static final String DEFAULT_RA_CONFS = "$state_path/ra";
    public static final String DEFAULT_EXTERNAL_PIDS = "$state_path/external/pids";
    public static final int DEFAULT_MIN_RTR_ADV_INTERVAL = 30;
    public static final int DEFAULT_MAX_RTR_ADV_INTERVAL = 100;
    public static final int DEFAULT_CHECK_CHILD_PROCESSES_INTERVAL = 60;
    public static final String DEFAULT_CHECK_CHILD_PROCESSES_ACTION = "respawn";

    /** The state-change socket's file name inside {@code state_path}. */
    public static final String SOCKET_NAME = "keepalived-state-change";

    /** Longest unix socket path the kernel accepts (sun_path is 108 bytes with the NUL). */
    public static final int MAX_SOCKET_PATH_BYTES = 107;

    /**
     * @return the {@code batch_interval} used when none is set: {@code ha_vrrp_advert_int}, but not
     *         less than {@link #MIN_DEFAULT_BATCH_INTERVAL}
     */
    public static Duration defaultBatchInterval(int haVrrpAdvertInt) {
        Duration advert = Duration.ofSeconds(haVrrpAdvertInt);
        return advert.compareTo(MIN_DEFAULT_BATCH_INTERVAL) < 0 ? MIN_DEFAULT_BATCH_INTERVAL : advert;
    }

    /**
     * Validates the options a component was activated with (the one place the PID is validated).
     *
     * @param config the component property type of PID {@value #PID}
     * @return the settings
     * @throws ConfigException naming every bad key and value
     */
    public static AgentSettings of(AgentConfig config) {
        return parse(PropertyTypes.values(AgentConfig.class, config));
    }

    /**
     * Parses and validates the properties of PID {@value #PID}.
     *
     * @param props Config Admin properties (may be null or empty: all defaults)
     * @return the settings
     * @throws ConfigException naming every bad key and value
     */
    public static AgentSettings parse(Map<String, ?> props) {
        ConfigReader r = new ConfigReader(PID, props);
        Path statePath = r.path(STATE_PATH, DEFAULT_STATE_PATH, null);
        Path haConfs = r.path(HA_CONFS_PATH, DEFAULT_HA_CONFS_PATH, statePath);
        int advert = r.integer(HA_VRRP_ADVERT_INT, DEFAULT_HA_VRRP_ADVERT_INT, 0, 255);
        Duration batch = r.seconds(BATCH_INTERVAL, defaultBatchInterval(advert), Duration.ofHours(1));
        String host = r.string(HOST, null);
        if (host == null) {
            host = localHostname();
        }
        Set<PosixFilePermission> mode = socketMode(r);
        boolean metadata = r.bool(ENABLE_METADATA_PROXY, DEFAULT_ENABLE_METADATA_PROXY);
        int metadataPort = r.integer(METADATA_PORT, DEFAULT_METADATA_PORT, 1, 65535);
        Path metadataSocket = r.path(METADATA_PROXY_SOCKET, DEFAULT_METADATA_PROXY_SOCKET, statePath);
        Path raConfs = r.path(RA_CONFS, DEFAULT_RA_CONFS, statePath);
        Path pids = r.path(EXTERNAL_PIDS, DEFAULT_EXTERNAL_PIDS, statePath);
        String radvdUser = account(r, RADVD_USER);
        String metadataUser = account(r, METADATA_PROXY_USER);
        String metadataGroup = account(r, METADATA_PROXY_GROUP);
        int minRa = r.integer(MIN_RTR_ADV_INTERVAL, DEFAULT_MIN_RTR_ADV_INTERVAL, 3, 1800);
        int maxRa = r.integer(MAX_RTR_ADV_INTERVAL, DEFAULT_MAX_RTR_ADV_INTERVAL, 4, 1800);
        if (minRa > maxRa) {
            r.problem(MIN_RTR_ADV_INTERVAL, String.valueOf(minRa), "must not exceed " + MAX_RTR_ADV_INTERVAL + "=" + maxRa);
        }
        String ipv6Gateway = r.string(IPV6_GATEWAY, "");
        int checkInterval = r.integer(CHECK_CHILD_PROCESSES_INTERVAL, DEFAULT_CHECK_CHILD_PROCESSES_INTERVAL, 0, 86400);
        String action = r.choice(CHECK_CHILD_PROCESSES_ACTION, DEFAULT_CHECK_CHILD_PROCESSES_ACTION, Set.of("respawn", "exit"));
        String rootHelper = r.string(ROOT_HELPER, "");
        Path socket = statePath.resolve(SOCKET_NAME);
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            r.problem(STATE_PATH, statePath.toString(), "is too long: the socket path " + socket + " exceeds "
                    + MAX_SOCKET_PATH_BYTES + " bytes, the limit of a unix socket path");
        }
        r.done();
        return new AgentSettings(statePath, haConfs, advert, batch, host, mode, metadata, metadataPort,
                metadataSocket, raConfs, pids, radvdUser, metadataUser, metadataGroup, minRa, maxRa, ipv6Gateway, checkInterval, action, rootHelper);
    }

    /** @return {@code <state_path>/keepalived-state-change} */
    public Path socketPath() {
        return statePath.resolve(SOCKET_NAME);
    }

    /** @return {@code root_helper} split on whitespace: the prefix of privileged commands, empty for none */
    public List<String> rootHelperCommand() {
        return rootHelper.isBlank() ? List.of() : List.of(rootHelper.strip().split("\\s+"));
    }

    /** @return {@code <ha_confs_path>/<routerId>/state} */
    public Path stateFile(String routerId) {
        return haConfsPath.resolve(routerId).resolve("state");
    }

    /** A user or group name (POSIX portable: letters, digits, '_', '.', '-'; not starting with '-') or a numeric id. */
    private static String account(ConfigReader r, String key) {
        String s = r.string(key, "");
        if (!s.isEmpty() && !s.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}")) {
            r.problem(key, s, "must be a user or group name or a numeric id");
            return "";
        }
        return s;
    }

    private static Set<PosixFilePermission> socketMode(ConfigReader r) {
        String s = r.string(SOCKET_MODE, DEFAULT_SOCKET_MODE);
        int bits;
        try {
            if (!s.matches("0?[0-7]{3}")) {
                throw new NumberFormatException();
            }
            bits = Integer.parseInt(s, 8);
        } catch (NumberFormatException e) {
            r.problem(SOCKET_MODE, s, "must be an octal mode such as 0600 or 0660");
            bits = 0600;
        }
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int i = 0; i < order.length; i++) {
            if ((bits & (1 << i)) != 0) {
                perms.add(order[i]);
            }
        }
        return perms;
    }

    /** @return this machine's host name, as {@code gethostname()} (Neutron's default for {@code host}) */
    public static String localHostname() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).trim();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
