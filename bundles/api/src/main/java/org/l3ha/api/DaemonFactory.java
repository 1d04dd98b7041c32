package org.l3ha.api;

import java.util.Optional;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Rebuilds the {@link DaemonSpec} of a daemon its bundle runs, from the daemon's service name and
 * router id alone. Registered as a whiteboard service with {@link #SERVICE} by the component that
 * enables those daemons (radvd, the metadata proxy).
 *
 * <p>The process manager records which daemons it monitors by service and router id only, in a
 * file another account may write; a new process manager (after an update of its bundle) asks the
 * factory for each one, so that what it starts and signals always comes from l3ha's own code and
 * configuration, never from that file.
 */
@ConsumerType
public interface DaemonFactory {

    /** Service property (string): the {@link DaemonSpec#service()} whose daemons this factory builds. */
    String SERVICE = "l3ha.daemon.service";

    /**
     * @param routerId a router id (validated as a UUID by the caller)
     * @return the daemon this component runs for the router now, as it would start it; empty if
     *         it runs none for that router (then the process manager forgets the record). Must
     *         not block.
     */
    Optional<DaemonSpec> daemon(String routerId);
}
