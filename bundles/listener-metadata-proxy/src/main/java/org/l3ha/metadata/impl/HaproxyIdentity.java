package org.l3ha.metadata.impl;

import java.io.IOException;
import java.nio.file.Path;

import org.l3ha.common.DaemonAccount;
import org.l3ha.common.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The account haproxy drops its privileges to, resolved from {@code metadata_proxy_user} and
 * {@code metadata_proxy_group} ({@link DaemonAccount#resolve}; empty means the daemons' account,
 * never root when l3ha runs as root; an explicit root is logged at WARN), or why it cannot be
 * resolved: then every start fails with that problem and the health check is CRITICAL. Logs under
 * the metadata proxy listener's logger.
 *
 * @param account haproxy's user and group, or null
 * @param problem why there is no account, or null
 */
record HaproxyIdentity(DaemonAccount account, String problem) {

    /** Resolves the account haproxy runs as ({@link DaemonAccount#resolve}). */
    interface Accounts {
        DaemonAccount resolve(String user, String group, Path statePath) throws IOException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(MetadataProxyListener.class);

    /** @return haproxy's account for {@code s}, resolved now through {@code accounts}, or why it cannot be */
    static HaproxyIdentity of(MetadataSettings s, Accounts accounts) {
        try {
            DaemonAccount a = accounts.resolve(s.user(), s.group(), s.statePath());
            if (a.isRoot()) {
                LOG.warn("Metadata proxy: haproxy, which instances talk to, runs as root (metadata_proxy_user={});"
                        + " an empty metadata_proxy_user runs it as an unprivileged account", LogText.escape(s.user()));
            }
            return new HaproxyIdentity(a, null);
        } catch (IOException | RuntimeException e) {
            String problem = "cannot tell the user and group haproxy should run as: " + LogText.escape(e.getMessage());
            LOG.error("Metadata proxy listener: {}; starting a proxy will fail", problem);
            return new HaproxyIdentity(null, problem);
        }
    }

    /** @return how the listener's log lines name this account (nothing when there is none) */
    String label() {
        return account == null ? "" : ", haproxy runs as " + account;
    }
}
