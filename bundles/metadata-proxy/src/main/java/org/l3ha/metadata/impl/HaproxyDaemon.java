package org.l3ha.metadata.impl;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.l3ha.api.DaemonSpec;

/**
 * A router's haproxy as the process manager runs it: {@code haproxy -f <conf>} in
 * {@code qrouter-<id>} with {@code PROCESS_TAG=haproxy-<id>}, recognised by its pid file
 * {@code <external_pids>/<id>.pid.haproxy} and the router id in its command line (the config
 * path), stopped with SIGTERM and SIGKILL after 5 s; it may take 60 s to become active.
 */
record HaproxyDaemon(String uuid, String namespace, Path pidFile, List<String> command,
        Map<String, String> environment) implements DaemonSpec {

    static final String SERVICE = "haproxy";
    static final int SIGTERM = 15;
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

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
     */
    static HaproxyDaemon of(String routerId, String namespace, String binary, Path conf, Path pidFile) {
        return new HaproxyDaemon(routerId, namespace, pidFile, List.of(binary, "-f", conf.toString()),
                Map.of("PROCESS_TAG", SERVICE + "-" + routerId));
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
