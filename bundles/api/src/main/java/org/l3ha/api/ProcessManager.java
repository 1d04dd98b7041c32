package org.l3ha.api;

import java.io.IOException;
import java.util.OptionalLong;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Spawns, recognises, monitors and stops external daemons in network namespaces (Neutron's
 * ProcessManager and ProcessMonitor). A daemon is <em>active</em> when the pid in its pid file is
 * alive and is the daemon: its executable, its namespace and its command line are the spec's
 * (see {@link DaemonSpec}). Nothing else is ever signalled.
 *
 * <p>Daemons belong to the node, not to the bundle: stopping or updating an l3ha bundle leaves them
 * running, and the next activation adopts them from their pid files. Only {@link #disable} stops
 * one.
 */
@ProviderType
public interface ProcessManager {

    /**
     * Makes sure the daemon runs and is monitored: if it is not active, removes a stale pid file,
     * calls {@link DaemonSpec#prepare()}, spawns the command in the namespace and waits until it
     * is active; if it is active and
     * {@code reload} is set, sends it SIGHUP. Then registers it with the monitor, which respawns
     * it if it dies.
     *
     * @throws IOException if it cannot be started or does not become active in time; the message
     *         names the service, the uuid and the cause (binary or namespace missing, exit status)
     */
    void enable(DaemonSpec daemon, boolean reload) throws IOException;

    /**
     * Unregisters the daemon from the monitor, then stops it if active: its stop signal, then
     * SIGKILL after its stop timeout; removes the pid file. A daemon not running is not an error.
     *
     * @throws IOException if it could not be stopped
     */
    void disable(DaemonSpec daemon) throws IOException;

    /** @return whether the daemon is active (the pid in its pid file is alive and is the daemon) */
    boolean isActive(DaemonSpec daemon);

    /** @return the daemon's pid if it is active */
    OptionalLong pid(DaemonSpec daemon);
}
