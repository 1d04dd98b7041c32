package org.l3ha.metadata.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import org.l3ha.api.DaemonSpec;
import org.l3ha.api.ProcessManager;
import org.l3ha.common.Counters;
import org.l3ha.common.DaemonAccount;
import org.l3ha.common.Devices;
import org.l3ha.common.HostIpv6;
import org.l3ha.common.LogText;
import org.l3ha.common.RouterIds;
import org.l3ha.common.SafeFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops one router's haproxy and its configuration file for the
 * {@link MetadataProxyListener} (docs/behaviour.md §4.3), and remembers per router the haproxy it
 * started: what a new process manager rebuilds ({@link #daemon}). Files are read and removed
 * without following links ({@link SafeFiles}). Counts started, stopped and
 * restarted_config_changed in the listener's counters; logs under the listener's logger.
 */
final class ProxyControl {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataProxyListener.class);

    private final String haproxy;
    private final HostIpv6 host;
    private final Path netnsDir;
    /** The listener's current haproxy account, read at each start. */
    private final Supplier<HaproxyIdentity> identity;
    /** The haproxy started, per router: what is rebuilt for a new process manager. */
    private final Map<String, HaproxyDaemon> running = new ConcurrentHashMap<>();
    /** The last problem with the metadata agent's socket that was logged, or null. */
    private final AtomicReference<String> backendProblem = new AtomicReference<>();

    private final LongAdder started;
    private final LongAdder stopped;
    private final LongAdder restarted;

    /**
     * @param haproxy the haproxy program to run
     * @param host tells whether IPv6 is enabled on the host (bind {@code ::} or {@code 0.0.0.0})
     * @param netnsDir where named namespaces are ({@code /run/netns})
     * @param identity the account haproxy runs as now
     * @param counters the listener's counters, where this one's are created
     */
    ProxyControl(String haproxy, HostIpv6 host, Path netnsDir, Supplier<HaproxyIdentity> identity, Counters counters) {
        this.haproxy = haproxy;
        this.host = host;
        this.netnsDir = netnsDir;
        this.identity = identity;
        started = counters.counter("started");
        stopped = counters.counter("stopped");
        restarted = counters.counter("restarted_config_changed");
    }

    /**
     * Writes the router's configuration and has {@code pm} run haproxy with it; a running proxy
     * whose configuration on disk differs (pid file lines aside) is stopped first.
     *
     * @throws IOException if the namespace is missing, the account unknown, or haproxy not started
     */
    void start(ProcessManager pm, MetadataSettings s, String id) throws IOException {
        String namespace = Devices.namespace(id);
        if (!Files.exists(netnsDir.resolve(namespace))) {
            throw new IOException("Metadata proxy for router " + id + " not started: namespace " + namespace
                    + " does not exist");
        }
        HaproxyIdentity who = identity.get();
        if (who.account() == null) {
            throw new IOException("Metadata proxy for router " + id + " not started: " + who.problem());
        }
        checkBackend(s, who.account());
        Path file = s.confFile(id);
        String conf = HaproxyConfFile.render(id, who.account().user(), who.account().group(), s.port(), host.enabled(),
                s.socket(), s.pidFile(id));
        HaproxyDaemon daemon = HaproxyDaemon.of(id, namespace, haproxy, file, s.pidFile(id), conf);
        Optional<String> old = read(file);
        try {
            if (old.isPresent() && !HaproxyConfFile.equivalent(old.get(), conf)) {
                LOG.info("Router {}: metadata proxy configuration {} changed; restarting haproxy", id, LogText.path(file));
                running.remove(id);
                pm.disable(daemon);
                restarted.increment();
            }
            if (old.isEmpty() || !old.get().equals(conf)) {
                daemon.prepare();
            }
            pm.enable(daemon, false);
        } catch (IOException e) {
            throw new IOException("Metadata proxy for router " + id + " not started: " + e.getMessage(), e);
        }
        running.put(id, daemon);
        started.increment();
        LOG.debug("Router {}: metadata proxy running in {} ({})", id, namespace, LogText.path(file));
    }

    /**
     * Stops the router's haproxy (unregistered from the monitor first) and deletes its configuration.
     *
     * @throws IOException if haproxy cannot be stopped or the file removed (the message names the router)
     */
    void stop(ProcessManager pm, MetadataSettings s, String id) throws IOException {
        HaproxyDaemon daemon = HaproxyDaemon.of(id, Devices.namespace(id), haproxy, s.confFile(id), s.pidFile(id), null);
        running.remove(id);
        try {
            pm.disable(daemon);
        } catch (IOException e) {
            throw new IOException("Metadata proxy for router " + id + " not stopped: " + e.getMessage(), e);
        }
        Path file = s.confFile(id);
        try {
            if (SafeFiles.delete(file)) {
                LOG.debug("Router {}: removed metadata proxy configuration {}", id, LogText.path(file));
            }
        } catch (IOException e) {
            throw new IOException("Metadata proxy for router " + id + " stopped, but its configuration "
                    + LogText.path(file) + " cannot be removed: " + LogText.escape(e.getMessage()), e);
        }
        stopped.increment();
    }

    /** Forgets the haproxy started for the router: no new process manager rebuilds it. */
    void forget(String id) {
        running.remove(id);
    }

    /** @return the haproxy started for the router and not stopped since */
    Optional<DaemonSpec> daemon(String routerId) {
        return RouterIds.isUuid(routerId) ? Optional.ofNullable(running.get(RouterIds.normalize(routerId)))
                : Optional.empty();
    }

    /**
     * Logs once (until it changes or clears) when haproxy's account cannot connect to the metadata
     * agent's socket: haproxy would start and answer every instance 503.
     */
    private Optional<String> checkBackend(MetadataSettings s, DaemonAccount account) {
        Optional<String> problem = BackendAccess.problem(s.socket(), account, DaemonAccount.Databases.SYSTEM);
        String was = backendProblem.getAndSet(problem.orElse(null));
        if (problem.isPresent() && !problem.get().equals(was)) {
            LOG.warn("Metadata proxy: {}; instances' metadata requests will be answered 503. Let that account write"
                    + " the socket (the metadata agent's metadata_proxy_socket_mode, or its user or group) or set"
                    + " metadata_proxy_user and metadata_proxy_group", problem.get());
        } else if (problem.isEmpty() && was != null) {
            LOG.info("Metadata proxy: haproxy's account {} can connect to the metadata agent's socket {} now", account,
                    LogText.path(s.socket()));
        }
        return problem;
    }

    /**
     * @return the configuration on disk, or empty if there is none, or it is a link or anything
     *         but a regular file l3ha may read (then it is replaced like a changed one)
     */
    private static Optional<String> read(Path file) {
        try {
            return SafeFiles.readIfExists(file, HaproxyDaemon.MAX_CONFIG_BYTES)
                    .map(b -> new String(b, StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.warn("Metadata proxy configuration {} cannot be read ({}); it is replaced", LogText.path(file),
                    LogText.escape(e.getMessage()));
            return Optional.of("");
        }
    }
}
