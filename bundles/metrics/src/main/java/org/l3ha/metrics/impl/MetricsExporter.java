package org.l3ha.metrics.impl;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.HistogramProvider;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.ConfigException;
import org.l3ha.common.ConfigGate;
import org.l3ha.common.ConfigReader;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves every l3ha component's counters, histograms and health checks to Prometheus, in the
 * text exposition format at {@code http://<bind_address>:<port>/metrics}, on loopback only. Off
 * until {@code port} is set in PID {@value MetricsSettings#PID}.
 *
 * <p>Every scrape is built from the whiteboard services bound at that moment ({@link L3haCollector}
 * in a registry of this activation's own, never the library's default one): nothing is kept here,
 * so swapping this bundle resets no number. A new configuration restarts the server on the new
 * address; an invalid one is logged at ERROR naming key and value, the health check turns
 * CRITICAL, and the server running (if any) keeps serving. Deactivation closes the server and
 * ends its threads before returning.
 *
 * <p>Its own health check {@code metrics}: OK while serving or while no port is set, CRITICAL
 * with the reason when the configuration is invalid or the server cannot listen (port taken);
 * its counters, section {@code metrics}: {@code scrapes}, {@code collection_failures},
 * {@code collisions} (series left out because their name and labels were taken).
 */
@Component(name = MetricsSettings.PID, configurationPid = MetricsSettings.PID, immediate = true,
        service = {HealthCheck.class, StatsProvider.class},
        property = {HealthCheck.NAME + "=metrics", StatsProvider.NAME + "=metrics"})
@Designate(ocd = MetricsExporter.Config.class)
public final class MetricsExporter implements HealthCheck, StatsProvider {

    /** The options of PID {@value MetricsSettings#PID}. */
    @ObjectClassDefinition(name = "l3ha metrics",
            description = "Prometheus metrics of every l3ha component (text format, GET /metrics), on loopback only."
                    + " Off while port is not set.")
    public @interface Config {
        @AttributeDefinition(name = "port", type = AttributeType.INTEGER, required = false, min = "0", max = "65535",
                description = "TCP port served; not set (the default) = nothing served; 0 = any free port (tests)")
        int port();

        @AttributeDefinition(name = "bind_address",
                description = "Loopback IP address listened on (127.0.0.0/8 or ::1); any other is refused")
        String bind__address() default MetricsSettings.DEFAULT_BIND_ADDRESS;
    }

    private static final Logger LOG = LoggerFactory.getLogger(MetricsExporter.class);
    /**
     * Every whiteboard service but this component's own: DS would refuse to give a component its
     * own service (a circular reference, logged at ERROR), so the exporter adds itself.
     */
    static final String NOT_SELF = "(!(component.name=" + MetricsSettings.PID + "))";
    /** The properties this component's own check and counters are collected under (no service id: -1). */
    private static final Map<String, Object> SELF = Map.of("service.id", -1L, "component.name", MetricsSettings.PID,
            HealthCheck.NAME, "metrics", StatsProvider.NAME, "metrics");

    private final L3haCollector collector;
    private final PrometheusRegistry registry = new PrometheusRegistry();

    /* guarded by this */
    private MetricsSettings settings;
    private MetricsServer server;
    /** Why the last configuration was refused; null while it is valid. */
    private String configProblem;
    /** Why the server could not start; null while it serves or has nothing to serve. */
    private String serveProblem;
    private String unknownKeys;
    private boolean closed;

    /**
     * Starts serving if a port is set. An invalid configuration or a port that cannot be listened
     * on leaves the component active and its health check CRITICAL (so that the operator sees why
     * in {@code l3ha:health}); a new configuration is tried again.
     *
     * @param props the configuration of PID {@value MetricsSettings#PID}
     */
    @Activate
    public MetricsExporter(Map<String, Object> props) {
        this(props, new L3haCollector());
    }

    /** As the DS constructor, with another collector (tests). */
    MetricsExporter(Map<String, Object> props, L3haCollector collector) {
        this.collector = collector;
        collector.addStats(this, SELF);
        collector.addCheck(this, SELF);
        registry.register(collector);
        synchronized (this) {
            warnUnknownKeys(props);
            try {
                settings = ConfigGate.atStart(LOG, "Metrics server", () -> parse(props));
            } catch (ConfigException e) {
                return;
            }
            startServer();
        }
    }

    /** Takes a new configuration: restarts the server on it; an invalid one is refused, the running server kept. */
    @Modified
    synchronized void modified(Map<String, Object> props) {
        if (closed) {
            return;
        }
        warnUnknownKeys(props);
        Optional<MetricsSettings> parsed = ConfigGate.onModify(LOG, () -> parse(props),
                () -> server != null ? "serving on " + server.url() : "serving nothing");
        if (parsed.isEmpty()) {
            return;
        }
        MetricsSettings next = parsed.get();
        if (next.equals(settings) && serveProblem == null) {
            return;
        }
        stopServer();
        settings = next;
        startServer();
    }

    /** Closes the server and waits for its threads. */
    @Deactivate
    synchronized void deactivate() {
        if (closed) {
            return;
        }
        closed = true;
        stopServer();
        registry.unregister(collector);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = NOT_SELF)
    void bindStats(StatsProvider provider, Map<String, Object> props) {
        collector.addStats(provider, props);
    }

    void updatedStats(StatsProvider provider, Map<String, Object> props) {
        collector.addStats(provider, props);
    }

    void unbindStats(StatsProvider provider, Map<String, Object> props) {
        collector.removeStats(props);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindHistograms(HistogramProvider provider, Map<String, Object> props) {
        collector.addHistograms(provider, props);
    }

    void updatedHistograms(HistogramProvider provider, Map<String, Object> props) {
        collector.addHistograms(provider, props);
    }

    void unbindHistograms(HistogramProvider provider, Map<String, Object> props) {
        collector.removeHistograms(props);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = NOT_SELF)
    void bindCheck(HealthCheck check, Map<String, Object> props) {
        collector.addCheck(check, props);
    }

    void updatedCheck(HealthCheck check, Map<String, Object> props) {
        collector.addCheck(check, props);
    }

    void unbindCheck(HealthCheck check, Map<String, Object> props) {
        collector.removeCheck(props);
    }

    /**
     * OK while serving ({@code serving on <url>}) or while no port is set; CRITICAL while the
     * configuration is invalid (naming key and value, and what still serves) or the server cannot
     * listen (with the reason).
     */
    @Override
    public synchronized HealthResult check() {
        if (configProblem != null) {
            return HealthResult.critical(configProblem + "; " + (server != null ? "still serving on " + server.url()
                    : "not serving"));
        }
        if (serveProblem != null) {
            return HealthResult.critical(serveProblem);
        }
        if (server != null) {
            return HealthResult.ok("serving on " + server.url());
        }
        return HealthResult.ok(closed ? "not serving: stopped" : "not serving: port not set");
    }

    /** @return scrapes, collection_failures, collisions */
    @Override
    public Map<String, Long> counters() {
        return collector.counters();
    }

    /** @return the running server's URL, or null (tests) */
    synchronized String url() {
        return server == null ? null : server.url();
    }

    /** @return the running server's port, or -1 (tests) */
    synchronized int port() {
        return server == null ? -1 : server.port();
    }

    /** @return the registry scrapes read (tests) */
    PrometheusRegistry registry() {
        return registry;
    }

    private void startServer() {
        serveProblem = null;
        if (!settings.serves()) {
            LOG.info("Metrics not served: port not set in PID {}", MetricsSettings.PID);
            return;
        }
        String url = settings.url(settings.port());
        try {
            server = MetricsServer.start(settings, registry);
            LOG.info("Metrics served on {}", server.url());
        } catch (IOException | RuntimeException | LinkageError e) {
            serveProblem = "cannot serve on " + url + ": " + reason(e);
            LOG.error("Metrics server not started: {}; it is tried again when PID {} changes", serveProblem,
                    MetricsSettings.PID);
        }
    }

    private void stopServer() {
        MetricsServer s = server;
        server = null;
        if (s != null) {
            s.close();
            LOG.info("Metrics no longer served on {}", s.url());
        }
    }

    private void warnUnknownKeys(Map<String, Object> props) {
        String keys = ConfigReader.unknownKeysWarning(props, MetricsSettings.KEYS, "Metrics server", MetricsSettings.PID);
        if (keys != null && !keys.equals(unknownKeys)) {
            LOG.warn("{}", keys);
        }
        unknownKeys = keys;
    }

    /** Parses {@code props}, remembering for the health check why they are refused, if they are. */
    private MetricsSettings parse(Map<String, Object> props) {
        try {
            MetricsSettings s = MetricsSettings.parse(props);
            configProblem = null;
            return s;
        } catch (ConfigException e) {
            configProblem = e.getMessage();
            throw e;
        }
    }

    private static String reason(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
