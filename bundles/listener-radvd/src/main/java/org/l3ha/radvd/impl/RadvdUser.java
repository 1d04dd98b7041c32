package org.l3ha.radvd.impl;

import java.io.IOException;

import org.l3ha.common.DaemonAccount;
import org.l3ha.common.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The account radvd drops its privileges to ({@code -u}), resolved from {@code radvd_user}: empty
 * means the daemons' account ({@link DaemonAccount}: never root when l3ha runs as root), {@code root}
 * keeps it root (no {@code -u}, logged at WARN), a user that does not exist is kept as the problem
 * every primary apply and the health check report. Logs under the radvd listener's logger.
 *
 * @param name the {@code -u} user, null for none
 * @param problem why there is no user, or null
 */
record RadvdUser(String name, String problem) {

    private static final Logger LOG = LoggerFactory.getLogger(RadvdListener.class);

    /** @return radvd's {@code -u} user for {@code s}, resolved now through {@code accounts}, or why it cannot be */
    static RadvdUser of(RadvdSettings s, DaemonAccount.Databases accounts) {
        String configured = s.radvdUser();
        if ("root".equals(configured)) {
            LOG.warn("radvd_user=root: radvd keeps root privileges (no -u); an empty radvd_user runs it as an"
                    + " unprivileged account");
            return new RadvdUser(null, null);
        }
        try {
            DaemonAccount account = DaemonAccount.resolve(configured, null, s.statePath(), accounts);
            // a configured name or numeric id, resolved to its name; empty: the daemons' account
            return new RadvdUser(account.user(), null);
        } catch (IOException e) {
            String problem = "radvd_user " + LogText.quote(configured, 40) + " cannot be resolved: "
                    + LogText.escape(e.getMessage());
            LOG.error("{}; radvd is not started until it is fixed", problem);
            return new RadvdUser(null, problem);
        }
    }

    /** @return how the listener's log lines name this account */
    String label() {
        if (problem != null) {
            return "nobody yet (" + problem + ")";
        }
        return name == null ? "root (no -u)" : "-u " + name;
    }
}
