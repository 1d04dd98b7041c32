package org.l3ha.itests.drill;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

import org.l3ha.common.testing.Exec;
import org.l3ha.itests.support.Pids;

/**
 * Neutron's own Python monitor, {@code neutron.agent.l3.keepalived_state_change} from Debian's
 * python3-neutron (Neutron 21), started the way the L3 agent starts it (docs/behaviour.md §1.4): outside
 * the namespace, with {@code --router_id --namespace --conf_dir --monitor_interface --monitor_cidr
 * --pid_file --state_path --user --group --log-file}. It daemonises (double fork) and writes its
 * pid file; it reads the initial state at once (GET to l3ha), then follows the namespace's address
 * events through pyroute2, writing {@code <conf_dir>/state} before each GET. Its log is at DEBUG
 * (the program forces it), so every delivered notification shows as
 * {@code Notified agent router <id>, state <state>}.
 */
final class PythonMonitor extends Monitor {
    static final String PYTHON = "/usr/bin/python3";
    private static final Pattern NOTIFIED = Pattern.compile("Notified agent router [0-9a-f-]{36}, state (\\w+)");

    PythonMonitor(DrillRouter router, L3ha l3ha, Path work) {
        super(router, l3ha, work.resolve("monitor-" + router.id() + ".log"));
    }

    @Override
    Monitor start() throws Exception {
        Files.createDirectories(pidFile().getParent());
        Files.deleteIfExists(pidFile());
        List<String> command = new java.util.ArrayList<>(l3ha.prefix()); // l3ha's mount namespace, if it has its own
        command.addAll(List.of(PYTHON, "-c", // Neutron's imports alone take long on a loaded box
                "import sys; from neutron.cmd.keepalived_state_change import main; sys.exit(main())",
                "--router_id", router.id(), "--namespace", router.namespace(), "--conf_dir", confDir().toString(),
                "--monitor_interface", router.ha(), "--monitor_cidr", cidr(), "--pid_file", pidFile().toString(),
                "--state_path", l3ha.statePath().toString(), "--user", "0", "--group", "0",
                "--log-file", log.toString()));
        Exec.ok(Duration.ofSeconds(180), null, command);
        // the launcher returns after the first fork; the daemon writes its pid file a moment later
        await("python monitor pid file " + pidFile()).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> Pids.running(pidFile(), router.id()));
        return this;
    }

    @Override
    Set<Long> pids() {
        OptionalLong pid = Pids.read(pidFile());
        if (pid.isEmpty() || !Pids.alive(pid.getAsLong()) || !Pids.commandLine(pid.getAsLong()).contains(router.id())) {
            return Set.of();
        }
        return new LinkedHashSet<>(Pids.withDescendants(pid.getAsLong()));
    }

    @Override
    List<String> posted() throws IOException {
        return matches(logText(), NOTIFIED);
    }
}
