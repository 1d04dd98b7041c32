package org.l3ha.metadata.impl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The haproxy configuration of a router's metadata proxy (docs/behaviour.md §5.2), in the layout
 * Neutron's agent writes to {@code <state_path>/ns-metadata-proxy/<router_id>.conf}: a
 * {@code global} section (syslog, log tag, user and group, maxconn 1024, nbthread 2, pid file,
 * daemon), a {@code defaults} section (HTTP mode, forwardfor, timeouts 30s/30s/32s/32s/30s) and
 * {@code listen listener}: bind {@code :::<port>} (host IPv6 enabled) or {@code 0.0.0.0:<port>},
 * the metadata agent's unix socket as the only server, client-supplied
 * {@code X-Neutron-Network-ID} removed, {@code X-Neutron-Router-ID <router_id>} set. No rate
 * limiting.
 */
final class HaproxyConfFile {

    /** Sub-directory of {@code state_path} holding the configurations. */
    static final String DIR = "ns-metadata-proxy";

    private HaproxyConfFile() {
    }

    /**
     * @param routerId the router id (validated)
     * @param user the user haproxy runs as
     * @param group the group haproxy runs as
     * @param port {@code metadata_port}
     * @param bindIpv6 whether to bind {@code ::} (host IPv6 enabled) rather than {@code 0.0.0.0}
     * @param socket {@code metadata_proxy_socket}
     * @param pidFile {@code <external_pids>/<router_id>.pid.haproxy}
     * @return the configuration text
     */
    static String render(String routerId, String user, String group, int port, boolean bindIpv6, Path socket,
            Path pidFile) {
        StringBuilder b = new StringBuilder(1024);
        b.append("global\n");
        b.append("    log         /dev/log local0 info\n");
        b.append("    log-tag     haproxy-metadata-proxy-").append(routerId).append('\n');
        b.append("    user        ").append(user).append('\n');
        b.append("    group       ").append(group).append('\n');
        b.append("    maxconn     1024\n");
        b.append("    nbthread    2\n");
        b.append("    pidfile     ").append(pidFile).append('\n');
        b.append("    daemon\n");
        b.append('\n');
        b.append("defaults\n");
        b.append("    log global\n");
        b.append("    mode http\n");
        b.append("    option httplog\n");
        b.append("    option dontlognull\n");
        b.append("    option http-server-close\n");
        b.append("    option forwardfor\n");
        b.append("    retries                 3\n");
        b.append("    timeout http-request    30s\n");
        b.append("    timeout connect         30s\n");
        b.append("    timeout client          32s\n");
        b.append("    timeout server          32s\n");
        b.append("    timeout http-keep-alive 30s\n");
        b.append('\n');
        b.append("listen listener\n");
        b.append("    bind ").append(bindIpv6 ? "::" : "0.0.0.0").append(':').append(port).append('\n');
        b.append("    server metadata ").append(socket).append('\n');
        b.append("    http-request del-header X-Neutron-Network-ID\n");
        b.append("    http-request set-header X-Neutron-Router-ID ").append(routerId).append('\n');
        return b.toString();
    }

    /**
     * Whether two configurations configure the same proxy, as Neutron decides whether to restart
     * it: {@code pidfile} lines are ignored; so are blank lines and the amount of white space
     * (Neutron's template leaves an indented empty line in {@code listen}), so a configuration
     * Neutron's agent wrote compares equal to ours and its haproxy is adopted, not restarted.
     */
    static boolean equivalent(String a, String b) {
        return significant(a).equals(significant(b));
    }

    private static List<String> significant(String conf) {
        List<String> lines = new ArrayList<>();
        for (String line : conf.split("\\R")) {
            String l = line.strip().replaceAll("\\s+", " ");
            if (!l.isEmpty() && !l.startsWith("pidfile ") && !l.equals("pidfile")) {
                lines.add(l);
            }
        }
        return lines;
    }
}
