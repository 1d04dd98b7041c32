package org.l3ha.metadata.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.l3ha.api.DaemonSpec;
import org.l3ha.common.SafeFiles;

/**
 * A router's haproxy as the process manager runs it: {@code haproxy -f <conf>} in
 * {@code qrouter-<id>} with {@code PROCESS_TAG=haproxy-<id>}, recognised by its pid file
 * {@code <external_pids>/<id>.pid.haproxy} and the router id in its command line (the config
 * path), stopped with SIGTERM and SIGKILL after 5 s; it may take 60 s to become active.
 *
 * @param conf where the configuration goes
 * @param content the configuration, written by {@link #prepare()} before every start; null when
 *        the spec is only used to find, check or stop the daemon
 */
record HaproxyDaemon(String uuid, String namespace, Path pidFile, List<String> command,
        Map<String, String> environment, Path conf, String content) implements DaemonSpec {

    static final String SERVICE = "haproxy";
    static final int SIGTERM = 15;
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** Larger than this is not a configuration l3ha wrote. */
    static final int MAX_CONFIG_BYTES = 1 << 20;

    HaproxyDaemon {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }

    /**
     * @param routerId the router id (validated)
     * @param namespace {@code qrouter-<id>}
     * @param binary the haproxy program ({@code haproxy}, looked up on PATH inside the namespace)
     * @param conf the configuration file
     * @param pidFile {@code <external_pids>/<id>.pid.haproxy}
     * @param content the configuration, or null
     */
    static HaproxyDaemon of(String routerId, String namespace, String binary, Path conf, Path pidFile, String content) {
        return new HaproxyDaemon(routerId, namespace, pidFile, List.of(binary, "-f", conf.toString()),
                Map.of("PROCESS_TAG", SERVICE + "-" + routerId), conf, content);
    }

    /**
     * Writes the configuration (under a fresh random name, renamed over the old one; no link
     * followed; mode 0644 as Neutron's default umask gives it).
     */
    @Override
    public void prepare() throws IOException {
        if (content != null) {
            SafeFiles.write(conf, content.getBytes(StandardCharsets.UTF_8), SafeFiles.FILE_0644, false, SafeFiles.DIR_0755);
        }
    }

    @Override
    public String service() {
        return SERVICE;
    }

    @Override
    public int stopSignal() {
        return SIGTERM;
    }

    @Override
    public Duration stopTimeout() {
        return STOP_TIMEOUT;
    }

    @Override
    public Duration startTimeout() {
        return START_TIMEOUT;
    }
}
