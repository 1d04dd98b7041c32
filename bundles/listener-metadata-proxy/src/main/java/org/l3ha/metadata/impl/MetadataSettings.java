package org.l3ha.metadata.impl;

import java.nio.file.Path;

import org.l3ha.common.AgentConfig;
import org.l3ha.common.AgentSettings;

/**
 * The options of PID {@code org.l3ha.agent} the metadata proxy listener uses, and the paths built
 * from them (docs/behaviour.md §0).
 *
 * @param enabled {@code enable_metadata_proxy}
 * @param port {@code metadata_port}
 * @param socket {@code metadata_proxy_socket}
 * @param statePath {@code state_path}
 * @param externalPids {@code external_pids}
 * @param user {@code metadata_proxy_user}, empty for unset
 * @param group {@code metadata_proxy_group}, empty for unset
 */
record MetadataSettings(boolean enabled, int port, Path socket, Path statePath, Path externalPids, String user,
        String group) {

    static MetadataSettings of(AgentConfig config) {
        AgentSettings a = AgentSettings.of(config);
        return new MetadataSettings(a.enableMetadataProxy(), a.metadataPort(), a.metadataProxySocket(), a.statePath(),
                a.externalPids(), a.metadataProxyUser(), a.metadataProxyGroup());
    }

    /** @return {@code <state_path>/ns-metadata-proxy/<id>.conf} */
    Path confFile(String routerId) {
        return statePath.resolve(HaproxyConfFile.DIR).resolve(routerId + ".conf");
    }

    /** @return {@code <external_pids>/<id>.pid.haproxy} */
    Path pidFile(String routerId) {
        return externalPids.resolve(routerId + ".pid." + HaproxyDaemon.SERVICE);
    }

    @Override
    public String toString() {
        return enabled ? "port " + port + ", backend " + socket + ", configs in " + statePath.resolve(HaproxyConfFile.DIR)
                + ", pid files in " + externalPids : "disabled (enable_metadata_proxy=false)";
    }
}
