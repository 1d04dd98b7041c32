package org.l3ha.itests.drill;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The current generation: {@code drill/neutron-keepalived-state-change.sh} (a test resource), a
 * {@code /bin/sh} script that does what Neutron's current shell monitor does: {@code ip -o monitor
 * address} in the namespace, the state file written by the script itself, then Neutron's exact
 * {@code curl --connect-timeout 5 -X POST -H "X-Neutron-Router-Id: <id>" -H "X-Neutron-State: <state>"
 * -H "Connection: close" --unix-socket <state_path>/keepalived-state-change http://127.0.0.1/}, under
 * {@code set -e}. It watches the VIP like Neutron's monitor rather than being keepalived's
 * {@code notify_*} script, so notifications keep keepalived's order (keepalived runs notify scripts
 * concurrently). The drill starts it, so its pid is the process it holds.
 */
final class ShellMonitor extends Monitor {
    static final String RESOURCE = "/drill/neutron-keepalived-state-change.sh";
    private static final Pattern POSTED = Pattern.compile(" posted (\\w+)");
    private final Path script;
    private Process process;

    ShellMonitor(DrillRouter router, L3ha l3ha, Path work) {
        super(router, l3ha, work.resolve("monitor-" + router.id() + ".log"));
        this.script = work.resolve("neutron-keepalived-state-change.sh");
    }

    @Override
    Monitor start() throws IOException {
        synchronized (ShellMonitor.class) { // monitors of one drill start in parallel and share the script
            if (!Files.exists(script)) {
                try (InputStream in = ShellMonitor.class.getResourceAsStream(RESOURCE)) {
                    if (in == null) {
                        throw new IllegalStateException("missing test resource " + RESOURCE);
                    }
                    Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Files.createDirectories(pidFile().getParent());
        process = new ProcessBuilder("/bin/sh", script.toString(), router.id(), router.namespace(), confDir().toString(),
                router.ha(), cidr(), l3ha.statePath().toString(), pidFile().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        return this;
    }

    @Override
    Set<Long> pids() {
        if (process == null) {
            return Set.of();
        }
        Set<Long> out = new LinkedHashSet<>();
        process.toHandle().descendants().forEach(h -> out.add(h.pid()));
        if (process.isAlive()) {
            out.add(process.pid());
        }
        return out;
    }

    @Override
    List<String> posted() {
        return matches(logText(), POSTED);
    }
}
