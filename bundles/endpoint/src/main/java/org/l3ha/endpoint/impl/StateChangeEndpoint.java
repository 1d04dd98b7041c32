package org.l3ha.endpoint.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.l3ha.common.Counters;
import org.l3ha.api.HaState;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.StatsProvider;
import org.l3ha.api.StateChangeSink;
import org.l3ha.common.AgentConfig;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigGate;
import org.l3ha.common.ConfigException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint on the unix socket {@code <state_path>/keepalived-state-change}, where
 * keepalived-state-change monitors post router state changes (Netty's NIO unix-domain transport and
 * HTTP/1 codec, see {@link SocketServer}).
 *
 * <p>Valid notifications go to the {@link StateChangeSink} (the engine) without waiting for any
 * downstream work; while there is none, or it is shutting down, the newest state per router is
 * held and handed to the next sink in order.
 *
 * <p>Abuse is bounded: at most {@value #MAX_CONNECTIONS} connections are open at once (more wait
 * in the listen backlog, see {@link ConnectionCap}), and a connection that does not deliver a
 * complete request head within {@value #HEADER_DEADLINE_MS} ms of its accept or of its previous
 * response is closed (see {@link HeaderDeadline}).
 */
@Component(name = "org.l3ha.endpoint", configurationPid = AgentSettings.PID, immediate = true,
        service = {StatsProvider.class, HealthCheck.class},
        property = {StatsProvider.NAME + "=endpoint", HealthCheck.NAME + "=endpoint"})
public final class StateChangeEndpoint implements StatsProvider, HealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(StateChangeEndpoint.class);

    /** Most routers held while no sink takes notifications. */
    static final int HOLD_CAPACITY = 131_072;
    /**
     * A connection must deliver a complete request head within this time of its accept, and on a
     * keep-alive connection of the end of its previous response, else it is closed (see
     * {@link HeaderDeadline}). A keepalived monitor (curl, httplib2) writes its ~180-byte request
     * in one go right after connecting, so its head is complete as soon as it is read: the
     * whole exchange took 24-30 ms at the 99th percentile with 64 clients on 2 cores in the
     * benchmark, and time spent waiting in the listen backlog does not count. 5 s is over 100
     * times that. It is also the idle timeout: a keep-alive connection that sends nothing within
     * it of its previous reply is closed, as is a client that sends nothing or trickles.
     */
    static final long HEADER_DEADLINE_MS = 5_000;
    /**
     * Most connections open at once (see {@link ConnectionCap}); beyond it clients wait in the
     * listen backlog ({@value SocketServer#ACCEPT_QUEUE}). Far above what monitors need: each notification is
     * one connection answered in well under a millisecond, so even a failover storm (the
     * benchmark's 64 clients at 6,000 requests/s, the tests' 50 at once) keeps a few dozen open;
     * a burst beyond the cap waits in the backlog for a fraction of a second. Far below the
     * descriptors of a JVM (Karaf's own use is a few hundred).
     */
    static final int MAX_CONNECTIONS = 1_024;
    /** The health check warns while this many connections or more were closed by the deadline recently. */
    static final int HEALTH_WARN_CLOSURES = 10;

    private final Counters counters = CounterNames.create(NotificationHandler.REASONS);
    private final int holdCapacity;
    private final Limits limits;
    private final HoldingBuffer buffer;

    /* guarded by this */
    private AgentSettings settings;
    private SocketServer listener;
    private boolean closed;

    /**
     * The bounds on connections: at most {@code maxConnections} open at once, and a complete
     * request head within {@code headerDeadlineMs}. Tests use smaller ones.
     */
    record Limits(int maxConnections, long headerDeadlineMs) {
        static final Limits DEFAULT = new Limits(MAX_CONNECTIONS, HEADER_DEADLINE_MS);
    }


    /**
     * Parses the agent options and starts listening.
     *
     * @param config the options of PID {@code org.l3ha.agent}
     * @throws ConfigException if an option is invalid (names key and value)
     * @throws IOException if the socket cannot be created (another listener, a file in the way)
     */
    @Activate
    public StateChangeEndpoint(AgentConfig config) throws IOException {
        this(config, HOLD_CAPACITY);
    }

    /** As the DS constructor, holding at most {@code holdCapacity} routers (tests). */
    StateChangeEndpoint(AgentConfig config, int holdCapacity) throws IOException {
        this(config, holdCapacity, Limits.DEFAULT);
    }

    /** As the DS constructor, with other bounds on connections (tests). */
    StateChangeEndpoint(AgentConfig config, Limits limits) throws IOException {
        this(config, HOLD_CAPACITY, limits);
    }

    private StateChangeEndpoint(AgentConfig config, int holdCapacity, Limits limits) throws IOException {
        this.holdCapacity = holdCapacity;
        this.limits = limits;
        this.buffer = new HoldingBuffer(holdCapacity);
        AgentSettings parsed = ConfigGate.atStart(LOG, "State-change endpoint", () -> AgentSettings.of(config));
        synchronized (this) {
            settings = parsed;
            listener = SocketServer.open(parsed, limits, buffer, holdCapacity, counters);
        }
        LOG.info("State-change endpoint listening on {} (mode {})", parsed.socketPath(), mode(parsed));
    }

    @Reference(name = "sink", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindSink(StateChangeSink sink) {
        buffer.bind(sink);
    }

    void unbindSink(StateChangeSink sink) {
        buffer.unbind(sink);
    }

    /**
     * Re-applies the agent options: a new {@code state_path} moves the socket (the new one listens
     * before the old one closes), a new {@code socket_mode} is applied to the live socket. An
     * invalid configuration is logged and ignored; the endpoint keeps its last good one.
     */
    @Modified
    synchronized void modified(AgentConfig config) {
        if (closed) {
            return;
        }
        Optional<AgentSettings> parsed = ConfigGate.onModify(LOG, () -> AgentSettings.of(config),
                () -> "serving on " + settings.socketPath() + " with the last good configuration");
        if (parsed.isEmpty()) {
            return;
        }
        AgentSettings next = parsed.get();
        Path oldPath = settings.socketPath();
        if (!next.socketPath().equals(oldPath)) {
            SocketServer fresh;
            try {
                fresh = SocketServer.open(next, limits, buffer, holdCapacity, counters);
            } catch (IOException | RuntimeException e) {
                LOG.error("Cannot move the state-change endpoint to {}: {}; it keeps serving on {}",
                        next.socketPath(), e.getMessage(), oldPath);
                return;
            }
            SocketServer old = listener;
            listener = fresh;
            settings = next;
            old.close();
            LOG.info("State-change endpoint moved from {} to {} (mode {})", oldPath, next.socketPath(), mode(next));
            return;
        }
        if (!next.socketMode().equals(settings.socketMode())) {
            try {
                listener.file().chmod(next.socketMode());
            } catch (IOException e) {
                LOG.error("Cannot set mode {} on {}: {}; the endpoint keeps serving with mode {}",
                        mode(next), oldPath, e.getMessage(), mode(settings));
                return;
            }
            LOG.info("State-change socket {} now has mode {}", oldPath, mode(next));
        }
        settings = next;
    }

    /**
     * Stops accepting, lets requests in flight finish (bounded), stops the server and its
     * threads and removes the socket. States still held for lack of a sink are logged, then lost.
     */
    @Deactivate
    synchronized void deactivate() {
        if (closed) {
            return;
        }
        closed = true;
        SocketServer l = listener;
        listener = null;
        if (l != null) {
            l.close();
        }
        Map<String, HaState> lost = buffer.close();
        if (!lost.isEmpty()) {
            LOG.warn("State-change endpoint stopped with {} notification(s) no engine took; lost: {}",
                    lost.size(), HoldingBuffer.describe(lost));
        }
        LOG.info("State-change endpoint stopped; {} no longer served", settings.socketPath());
    }

    /**
     * @return the counters: {@code received}, {@code accepted}, {@code held} (notifications put
     *         on hold), {@code holding} (routers held now), {@code errors} (5xx, a bug),
     *         {@code rejected.<reason>} per rejection reason, {@code closed_header_timeout} and
     *         {@code closed_request_timeout} (connections closed by the header deadline),
     *         {@code cap_reached} (times the connection cap was reached), {@code connections}
     *         (open now) and {@code connections_peak} (most open at once since the socket was
     *         opened)
     */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> out = counters.snapshot();
        out.put("holding", (long) buffer.size());
        SocketServer l;
        synchronized (this) {
            l = listener;
        }
        out.put("connections", l == null ? 0L : l.cap().open());
        out.put("connections_peak", l == null ? 0L : l.cap().peak());
        return out;
    }

    /**
     * CRITICAL if the socket is not served (server stopped, socket file gone or replaced); WARN
     * while the connection cap is reached, while {@value #HEALTH_WARN_CLOSURES} or more
     * connections were closed by the header deadline within the last minute or two (slow, stuck
     * or hostile clients), or while notifications are held for lack of an engine; else OK.
     */
    @Override
    public HealthResult check() {
        SocketServer l;
        synchronized (this) {
            l = listener;
        }
        if (l == null) {
            return HealthResult.critical("not listening (stopped)");
        }
        if (!l.isRunning() || !l.file().isOurs()) {
            return HealthResult.critical("not listening on " + l.file().path() + " (server stopped or socket file removed or replaced)");
        }
        StringBuilder warnings = new StringBuilder();
        if (l.cap().isCapped()) {
            warnings.append("; connection cap reached: ").append(l.cap().max())
                    .append(" connections open, new ones wait in the listen backlog");
        }
        int closed = l.deadline().recentClosures();
        if (closed >= HEALTH_WARN_CLOSURES) {
            warnings.append("; ").append(closed).append(" connections closed in the last minute or two for sending no")
                    .append(" complete request within ").append(l.deadline().deadlineMs()).append(" ms");
        }
        int held = buffer.size();
        if (held > 0) {
            warnings.append("; ").append(held).append(" routers' notifications held: no engine takes them");
        }
        String listening = "listening on " + l.file().path();
        return warnings.length() == 0 ? HealthResult.ok(listening) : HealthResult.warn(listening + warnings);
    }

    /** @return the socket path served now, or null once deactivated (for tests and the shell) */
    synchronized Path socketPath() {
        return listener == null ? null : listener.file().path();
    }

    /** @return the running server, or null once deactivated (tests) */
    synchronized SocketServer server() {
        return listener;
    }


    private static String mode(AgentSettings s) {
        return PosixFilePermissions.toString(s.socketMode());
    }
}
