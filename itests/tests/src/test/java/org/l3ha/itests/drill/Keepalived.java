package org.l3ha.itests.drill;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import org.l3ha.itests.support.Pids;

/**
 * One keepalived process in a namespace, configured the way Neutron's L3 agent configures it
 * (docs/behaviour.md §5.5): every instance {@code state BACKUP} + {@code nopreempt}, a priority,
 * {@code advert_int}, {@code garp_master_delay 60}, tracking its {@code ha-} device, the primary VIP
 * {@code 169.254.0.<vrid>/24} on that device in {@code virtual_ipaddress} and the router's other
 * addresses in {@code virtual_ipaddress_excluded}; plus unicast peers over the HA network.
 *
 * <p>Run in the foreground ({@code -n}) under {@code ip netns exec} (which execs), so the process the
 * drill starts is keepalived's parent, the pid in {@code -p <pid file>}; the VRRP child's pid is in
 * {@code -r <vrrp pid file>}. Log to {@code <log>}.
 */
final class Keepalived implements AutoCloseable {

    /** One {@code vrrp_instance}. */
    record Instance(String name, String device, int vrid, int priority, int advertInt, String sourceIp, List<String> peers,
            List<String> excluded) {
        /** @return the primary VIP Neutron puts in {@code virtual_ipaddress}: {@code 169.254.0.<vrid>/24} */
        String vip() {
            return "169.254.0." + vrid + "/24";
        }

        /**
         * VRRPv2 master-down interval: {@code 3 × advert_int + skew}, skew =
         * {@code (256 − priority) × advert_int / 256}.
         */
        Duration masterDown() {
            return Duration.ofMillis(3000L * advertInt + (256L - priority) * advertInt * 1000 / 256);
        }

        void render(StringBuilder b) {
            b.append("vrrp_instance ").append(name).append(" {\n");
            b.append("    state BACKUP\n");
            b.append("    interface ").append(device).append('\n');
            b.append("    virtual_router_id ").append(vrid).append('\n');
            b.append("    priority ").append(priority).append('\n');
            b.append("    garp_master_delay 60\n");
            b.append("    nopreempt\n");
            b.append("    advert_int ").append(advertInt).append('\n');
            b.append("    unicast_src_ip ").append(sourceIp).append('\n');
            b.append("    unicast_peer {\n");
            peers.forEach(p -> b.append("        ").append(p).append('\n'));
            b.append("    }\n");
            b.append("    track_interface {\n        ").append(device).append("\n    }\n");
            b.append("    virtual_ipaddress {\n        ").append(vip()).append(" dev ").append(device).append("\n    }\n");
            if (!excluded.isEmpty()) {
                b.append("    virtual_ipaddress_excluded {\n");
                excluded.forEach(e -> b.append("        ").append(e).append('\n'));
                b.append("    }\n");
            }
            b.append("}\n");
        }
    }

    private final String namespace;
    private final Path conf;
    private final Path pidFile;
    private final Path vrrpPidFile;
    private final Path log;
    private final List<String> prefix;
    private Process process;

    /**
     * @param conf where the configuration is written (Neutron: {@code <ha_confs_path>/<id>/keepalived.conf})
     * @param pidFile {@code -p} (Neutron: {@code <ha_confs_path>/<id>.pid.keepalived})
     * @param vrrpPidFile {@code -r} (Neutron: {@code <ha_confs_path>/<id>.pid.keepalived-vrrp})
     */
    Keepalived(String namespace, Path conf, Path pidFile, Path vrrpPidFile, Path log) {
        this(List.of(), namespace, conf, pidFile, vrrpPidFile, log);
    }

    /** @param prefix a command that execs the rest, such as {@code nsenter -t <pid> -m --} (another mount namespace) */
    Keepalived(List<String> prefix, String namespace, Path conf, Path pidFile, Path vrrpPidFile, Path log) {
        this.prefix = List.copyOf(prefix);
        this.namespace = namespace;
        this.conf = conf;
        this.pidFile = pidFile;
        this.vrrpPidFile = vrrpPidFile;
        this.log = log;
    }

    static String render(List<Instance> instances) {
        StringBuilder b = new StringBuilder(512 * instances.size() + 128);
        b.append("global_defs {\n    notification_email_from neutron@openstack.local\n    router_id neutron\n}\n");
        instances.forEach(i -> i.render(b));
        return b.toString();
    }

    /** Writes the configuration, starts keepalived and waits until both of its pid files name it and its VRRP child. */
    Keepalived start(List<Instance> instances) throws IOException {
        Files.createDirectories(conf.getParent());
        Files.writeString(conf, render(instances), StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of("ip", "netns", "exec", namespace, "keepalived", "-n", "-l", "-D", "-P",
                "-f", conf.toString(), "-p", pidFile.toString(), "-r", vrrpPidFile.toString()));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        await("keepalived in " + namespace + " started").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .failFast("keepalived exited: " + log, () -> !process.isAlive())
                .until(() -> Pids.read(pidFile).orElse(-1) == process.pid() && vrrpPid().isPresent()
                        && Pids.alive(vrrpPid().getAsLong()));
        return this;
    }

    long pid() {
        return process.pid();
    }

    OptionalLong vrrpPid() {
        return Pids.read(vrrpPidFile);
    }

    Path log() {
        return log;
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** @return how often {@code text} occurs in the log */
    int logCount(String text) {
        String all = logText();
        int n = 0;
        for (int i = all.indexOf(text); i >= 0; i = all.indexOf(text, i + 1)) {
            n++;
        }
        return n;
    }

    /**
     * A crash: SIGSTOP to parent and VRRP child (so neither sees the other die and sends a
     * priority-0 advert or removes its addresses), then SIGKILL to both (pids from the pid files).
     */
    void crash() throws IOException, InterruptedException {
        List<Long> pids = pids();
        Pids.signal("STOP", pids);
        Pids.kill(pids);
    }

    /** @return the pids this keepalived has (parent, from its pid file, and VRRP child, from its own) */
    List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        if (process != null) {
            pids.add(process.pid());
        }
        vrrpPid().ifPresent(p -> {
            if (Pids.commandLine(p).contains(conf.toString())) {
                pids.add(p);
            }
        });
        return pids;
    }

    /** @return {@link #pids()} and every descendant of the process the drill started */
    List<Long> allPids() {
        List<Long> pids = pids();
        if (process != null) {
            pids.addAll(Pids.withDescendants(process.pid()));
        }
        return pids.stream().distinct().toList();
    }

    /** SIGKILL to parent and child (the namespace is deleted next; a graceful VRRP exit is of no use). */
    @Override
    public void close() throws IOException, InterruptedException {
        Pids.kill(allPids());
    }
}
