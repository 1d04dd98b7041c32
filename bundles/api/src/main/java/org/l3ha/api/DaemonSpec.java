package org.l3ha.api;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a {@link ProcessManager} needs to know to run, recognise, stop and respawn one daemon
 * (radvd or haproxy for one router). Built by the component that wants the daemon.
 *
 * <p>A live process is this daemon only if all three match: its executable is the program
 * {@code command().get(0)} names (looked up on the agent's {@code PATH} when it is not absolute),
 * it runs in {@link #namespace()}, and its command line contains {@link #uuid()}. A pid file is
 * written by the daemon into a directory another account may write, so nothing less is enough
 * before a signal is sent to the pid it names.
 */
@ConsumerType
public interface DaemonSpec {

    /** @return the service name, e.g. {@code radvd}, {@code haproxy} (used in logs and pid file names) */
    String service();

    /**
     * @return the id the daemon belongs to (the router id); it must appear in the daemon's command
     *         line, which is how a live pid is recognised as this daemon and a recycled pid is not
     */
    String uuid();

    /** @return the network namespace to run in ({@code qrouter-<id>}), or empty for the host's */
    String namespace();

    /** @return the pid file the daemon writes itself (radvd -p, haproxy pidfile) */
    Path pidFile();

    /**
     * @return the command line to run inside the namespace; the daemon forks and writes
     *         {@link #pidFile()}. The first element is the program: an absolute path, or a name
     *         found on the agent's {@code PATH}.
     */
    List<String> command();

    /**
     * Writes what the daemon reads when it starts (its configuration file) afresh from what the
     * component that built this spec decided. The process manager calls it right before every
     * start, the monitor's respawns included, so a daemon never starts from a file that another
     * account changed since. The default writes nothing.
     *
     * @throws IOException if it cannot be written; the daemon is then not started
     */
    default void prepare() throws IOException {
    }

    /** @return extra environment for the command */
    default Map<String, String> environment() {
        return Map.of();
    }

    /** @return the signal {@link ProcessManager#disable} sends first (15 = SIGTERM, 9 = SIGKILL) */
    default int stopSignal() {
        return 15;
    }

    /** @return how long to wait after {@link #stopSignal()} before SIGKILL */
    default Duration stopTimeout() {
        return Duration.ofSeconds(5);
    }

    /** @return how long {@link ProcessManager#enable} waits for the daemon to become active */
    default Duration startTimeout() {
        return Duration.ofSeconds(60);
    }
}
