package org.l3ha.itests.drill;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.l3ha.itests.support.Pids;

/**
 * A keepalived state-change monitor for one router of the local node: watches the router's
 * {@code ha-} device for the primary VIP in {@code qrouter-<id>}, writes the state file and tells
 * l3ha's socket. Two generations, see {@link Kind}.
 */
abstract class Monitor implements AutoCloseable {

    /** The two generations of Neutron's monitor the drills run with. */
    enum Kind {
        /** Neutron's own Python {@code neutron-keepalived-state-change} from Debian's python3-neutron (GET, httplib2). */
        PYTHON,
        /** A shell monitor doing what Neutron's current one does (state file, then {@code curl -X POST}). */
        SHELL;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        Monitor create(DrillRouter router, L3ha l3ha, Path work) {
            return this == PYTHON ? new PythonMonitor(router, l3ha, work) : new ShellMonitor(router, l3ha, work);
        }
    }

    final DrillRouter router;
    final L3ha l3ha;
    final Path log;

    Monitor(DrillRouter router, L3ha l3ha, Path log) {
        this.router = router;
        this.l3ha = l3ha;
        this.log = log;
    }

    /** Starts it (the router's {@code <ha_confs_path>/<id>} directory must exist). */
    abstract Monitor start() throws Exception;

    /** @return its live pids (the process and its descendants) */
    abstract Set<Long> pids();

    /** @return the states it reported to l3ha successfully so far, in order (read from its log) */
    abstract List<String> posted() throws IOException;

    /** The pid file Neutron's agent gives the monitor. */
    Path pidFile() {
        return l3ha.externalPids().resolve(router.id() + ".monitor.pid.neutron-keepalived-state-change-monitor");
    }

    Path confDir() {
        return l3ha.haConfs().resolve(router.id());
    }

    /** The primary VIP's CIDR it watches. */
    String cidr() {
        return "169.254.0." + router.vrid() + "/24";
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    static List<String> matches(String text, Pattern p) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** Stops it (SIGTERM, SIGKILL after 3 s) with every descendant. */
    @Override
    public void close() throws IOException, InterruptedException {
        Pids.terminate(pids(), java.time.Duration.ofSeconds(3));
    }
}
