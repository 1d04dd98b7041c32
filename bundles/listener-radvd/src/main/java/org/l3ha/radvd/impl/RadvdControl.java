package org.l3ha.radvd.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import org.l3ha.api.DaemonSpec;
import org.l3ha.api.ProcessManager;
import org.l3ha.api.Router;
import org.l3ha.common.Counters;
import org.l3ha.common.LogText;
import org.l3ha.common.RouterIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enables and disables one router's radvd and its files for the {@link RadvdListener}
 * (docs/behaviour.md §4.4), and remembers per router what it enabled: the radvd a new process
 * manager rebuilds ({@link #daemon}), the configurations radvd did not get yet (pending reloads),
 * and the routers with other {@code <id>.*} files in {@code ra_confs} (see {@link ConfFiles}).
 * Counts enables, reload_requests, config_writes, disables, no_ipv6 and keepalived_down in the
 * listener's counters; logs under the listener's logger.
 */
final class RadvdControl {

    private static final Logger LOG = LoggerFactory.getLogger(RadvdListener.class);

    private final String radvdBinary;
    /** The listener's current radvd account, read when a daemon spec is built. */
    private final Supplier<RadvdUser> user;
    /** The radvd enabled, per router: what is rebuilt for a new process manager. */
    private final Map<String, RadvdDaemon> running = new ConcurrentHashMap<>();
    /** Routers with {@code <id>.*} files other than the ones l3ha writes (see {@link ConfFiles}). */
    private volatile Set<String> otherFiles;
    /** The directory could not be listed: every disable globs. */
    private volatile boolean sweepAll;
    /** Routers whose configuration changed but radvd did not get it yet (the enable failed). */
    private final Set<String> pendingReload = ConcurrentHashMap.newKeySet();

    private final LongAdder enables;
    private final LongAdder reloadRequests;
    private final LongAdder configWrites;
    private final LongAdder disables;
    private final LongAdder noIpv6;
    private final LongAdder keepalivedDown;

    /**
     * @param radvdBinary the radvd program to run
     * @param user the account radvd runs as now
     * @param counters the listener's counters, where this one's are created
     */
    RadvdControl(String radvdBinary, Supplier<RadvdUser> user, Counters counters) {
        this.radvdBinary = radvdBinary;
        this.user = user;
        enables = counters.counter("enables");
        reloadRequests = counters.counter("reload_requests");
        configWrites = counters.counter("config_writes");
        disables = counters.counter("disables");
        noIpv6 = counters.counter("no_ipv6");
        keepalivedDown = counters.counter("keepalived_down");
    }

    /**
     * The router is primary: radvd runs with its configuration written, unless keepalived is seen
     * not running or no internal port has an IPv6 subnet (then radvd is disabled).
     *
     * @throws IOException if the account is unknown, the file cannot be written or radvd not enabled
     * @throws IllegalArgumentException if the router's ports cannot be rendered
     */
    void primary(ProcessManager pm, RadvdSettings s, Router router, String id) throws IOException {
        Path keepalivedPid = s.keepalivedPidFile(id);
        if (Files.exists(keepalivedPid, LinkOption.NOFOLLOW_LINKS) && !pm.isActive(RadvdDaemon.keepalived(id, s))) {
            keepalivedDown.increment();
            LOG.warn("keepalived for router {} is not running (pid file {} names no live keepalived of this"
                    + " router): radvd is not run", id, LogText.path(keepalivedPid));
            disable(pm, s, id, "keepalived not running");
            return;
        }
        RadvdUser u = user.get();
        if (u.problem() != null) {
            throw new IOException("radvd for router " + id + " not started: " + u.problem());
        }
        String conf;
        try {
            conf = RadvdConfFile.render(router.interfaces(), s.minRtrAdvInterval(), s.maxRtrAdvInterval());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("radvd for router " + id + ": " + e.getMessage(), e);
        }
        if (conf.isEmpty()) {
            noIpv6.increment();
            disable(pm, s, id, "no IPv6 subnet on its internal ports");
            return;
        }
        Path file = s.configFile(id);
        boolean changed;
        try {
            changed = ConfFiles.writeIfChanged(file, conf);
        } catch (IOException e) {
            throw new IOException("Cannot write the radvd configuration " + LogText.path(file) + " for router " + id
                    + ": " + LogText.escape(e.getMessage()), e);
        }
        if (changed) {
            configWrites.increment();
            pendingReload.add(id);
            LOG.info("radvd configuration for router {} written to {}", id, LogText.path(file));
        }
        boolean reload = pendingReload.contains(id);
        RadvdDaemon radvd = RadvdDaemon.radvd(id, s, radvdBinary, u.name(), conf);
        try {
            pm.enable(radvd, reload);
        } catch (IOException e) {
            throw naming(id, e);
        }
        running.put(id, radvd);
        pendingReload.remove(id);
        enables.increment();
        if (reload) {
            reloadRequests.increment();
        }
    }

    /**
     * radvd is disabled (unregistered from the monitor, {@code kill -9}, pid file removed) and the
     * router's files in {@code ra_confs} removed.
     *
     * @param why what the log line gives as the reason
     * @throws IOException if radvd cannot be stopped or its files removed (the message names the router)
     */
    void disable(ProcessManager pm, RadvdSettings s, String id, String why) throws IOException {
        RadvdDaemon radvd = RadvdDaemon.radvd(id, s, radvdBinary, user.get().name());
        boolean wasActive = pm.isActive(radvd);
        running.remove(id);
        try {
            pm.disable(radvd);
        } catch (IOException e) {
            throw naming(id, e);
        }
        pendingReload.remove(id);
        boolean sweep = sweepAll || otherFiles.contains(id);
        int removed;
        try {
            removed = ConfFiles.remove(s.raConfs(), id, sweep);
        } catch (IOException e) {
            throw new IOException("Cannot remove the radvd configuration of router " + id + " from "
                    + LogText.path(s.raConfs()) + ": " + LogText.escape(e.getMessage()), e);
        }
        if (sweep) {
            otherFiles.remove(id);
        }
        disables.increment();
        if (wasActive || removed > 0) {
            LOG.info("radvd for router {} disabled ({}){}; {} file(s) removed from {}", id, why,
                    wasActive ? ", the running radvd stopped" : "", removed, LogText.path(s.raConfs()));
        } else {
            LOG.debug("radvd for router {} disabled ({}): was not running, no configuration", id, why);
        }
    }

    /** Forgets that the router's configuration still has to reach radvd. */
    void dropPendingReload(String id) {
        pendingReload.remove(id);
    }

    /** Forgets the radvd enabled for the router: no new process manager rebuilds it. */
    void forget(String id) {
        running.remove(id);
    }

    /** Finds the routers with other {@code <id>.*} files in {@code raConfs}; if it cannot, every disable searches. */
    void scanOtherFiles(Path raConfs) {
        try {
            Set<String> ids = ConfFiles.routersWithOtherFiles(raConfs);
            Set<String> set = ConcurrentHashMap.newKeySet(Math.max(16, ids.size()));
            set.addAll(ids);
            otherFiles = set;
            sweepAll = false;
            if (!ids.isEmpty()) {
                LOG.info("{} router(s) have other <router_id>.* files in {}; they are removed with the router's radvd",
                        ids.size(), LogText.path(raConfs));
            }
        } catch (IOException | RuntimeException e) {
            otherFiles = ConcurrentHashMap.newKeySet();
            sweepAll = true;
            LOG.warn("Cannot list {} ({}); every disable will search it for <router_id>.* files", LogText.path(raConfs),
                    LogText.escape(String.valueOf(e.getMessage())));
        }
    }

    /** @return the radvd enabled for the router and not disabled since */
    Optional<DaemonSpec> daemon(String routerId) {
        return RouterIds.isUuid(routerId) ? Optional.ofNullable(running.get(RouterIds.normalize(routerId)))
                : Optional.empty();
    }

    private static IOException naming(String id, IOException e) {
        String m = e.getMessage();
        return m != null && m.contains(id) ? e : new IOException("radvd for router " + id + ": " + m, e);
    }
}
