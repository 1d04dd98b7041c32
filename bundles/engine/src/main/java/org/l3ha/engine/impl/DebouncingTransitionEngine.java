package org.l3ha.engine.impl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.l3ha.api.HaState;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HistogramProvider;
import org.l3ha.api.HistogramSnapshot;
import org.l3ha.api.HealthResult;
import org.l3ha.api.RouterRegistry;
import org.l3ha.api.RouterRegistryListener;
import org.l3ha.api.RouterStatus;
import org.l3ha.api.StatsProvider;
import org.l3ha.api.StateBatcher;
import org.l3ha.api.StateChangeSink;
import org.l3ha.api.Transition;
import org.l3ha.api.TransitionEngine;
import org.l3ha.api.TransitionListener;
import org.l3ha.common.AgentConfig;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigGate;
import org.l3ha.common.ConfigException;
import org.l3ha.common.ConfigReader;
import org.l3ha.common.LogText;
import org.l3ha.common.RouterIds;
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
 * The transition engine as a DS component: takes notifications from the endpoint, debounces,
 * applies through the transition listeners, persists state files and queues reports. It gives
 * {@link Transitions} its configuration, its threads ({@link PoolScheduler}), the bound services
 * ({@link BoundListeners} for the listeners) and the hand-over file ({@link PendingFile}), and
 * answers the services' calls from it.
 *
 * <p>Hot swap: every reference is dynamic and greedy; while no registry is bound transitions are
 * held, while no batcher is bound reports are skipped and a resync of every router follows when
 * one binds. On deactivate, desired states not yet applied, and router removals not yet carried
 * out, are written to {@code <state_path>/l3ha-engine.pending} and the next activation carries on
 * with them. Unbinding a registry, or binding one that lacks a router, removes no router: only a
 * bound registry's {@link #routersChanged} does ({@link Transitions}).
 *
 * <p>{@code state_path} may belong to another account: files there are handled as
 * {@link StateFiles} and {@link PendingFile} say, and the health check is WARN while another
 * account can change {@code state_path} or {@code ha_confs_path} ({@link WritableDirectories}).
 */
@Component(name = "org.l3ha.engine", configurationPid = AgentSettings.PID, immediate = true,
        service = {StateChangeSink.class, TransitionEngine.class, RouterRegistryListener.class, StatsProvider.class,
            HistogramProvider.class, HealthCheck.class},
        property = {StatsProvider.NAME + "=engine", HealthCheck.NAME + "=engine"})
public final class DebouncingTransitionEngine
        implements StateChangeSink, TransitionEngine, RouterRegistryListener, StatsProvider, HistogramProvider, HealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(DebouncingTransitionEngine.class);

    private final PoolScheduler pool;
    private final Transitions transitions;
    private final BoundListeners listeners;
    private final WritableDirectories writable = new WritableDirectories();
    private volatile String unknownKeys;
    private volatile AgentSettings settings;
    private volatile RouterRegistry registry;
    private volatile StateBatcher batcher;
    private volatile boolean deactivated;

    /**
     * @param config the options of PID {@code org.l3ha.agent}
     * @param props the same, as raw properties: this component names keys that are no option
     * @throws ConfigException if the options are invalid (logged); DS retries when they change
     */
    @Activate
    public DebouncingTransitionEngine(AgentConfig config, Map<String, Object> props) {
        AgentSettings s = ConfigGate.atStart(LOG, "Transition engine", () -> AgentSettings.of(config));
        this.pool = new PoolScheduler();
        this.settings = s;
        checkConfiguration(props, s);
        this.transitions = new Transitions(pool, new StateFiles(s.haConfsPath()), s.haVrrpAdvertInt());
        this.listeners = new BoundListeners(transitions::setListeners);
        int files = transitions.loadStateFiles(new StateFiles(s.haConfsPath()));
        List<Transitions.Pending> pending = PendingFile.take(s.statePath());
        transitions.restorePending(pending);
        LOG.info("Transition engine active: {} state files read from {}, {} pending transitions carried over, "
                + "primary debounce {} s", files, LogText.path(s.haConfsPath()), pending.size(), s.haVrrpAdvertInt());
    }

    /** Unknown keys of the agent PID (this component is the one that names them) and directories others can change. */
    private void checkConfiguration(Map<String, Object> props, AgentSettings s) {
        String w = ConfigReader.unknownKeysWarning(props, AgentSettings.KEYS, "org.l3ha.engine", AgentSettings.PID);
        if (w != null && !w.equals(unknownKeys)) {
            LOG.warn("{}", w);
        }
        unknownKeys = w;
        Map<String, Path> dirs = new LinkedHashMap<>();
        dirs.put("state_path", s.statePath());
        dirs.put("ha_confs_path", s.haConfsPath());
        writable.check(dirs);
    }

    @Modified
    void modified(AgentConfig config, Map<String, Object> props) {
        Optional<AgentSettings> parsed = ConfigGate.onModify(LOG, () -> AgentSettings.of(config),
                () -> "the transition engine's previous configuration");
        if (parsed.isEmpty()) {
            return;
        }
        AgentSettings s = parsed.get();
        AgentSettings old = settings;
        settings = s;
        checkConfiguration(props, s);
        transitions.setAdvertInterval(s.haVrrpAdvertInt());
        if (!s.haConfsPath().equals(old.haConfsPath())) {
            int files = transitions.loadStateFiles(new StateFiles(s.haConfsPath()));
            LOG.info("ha_confs_path changed from {} to {}: {} state files read there", LogText.path(old.haConfsPath()),
                    LogText.path(s.haConfsPath()), files);
            if (registry != null) {
                transitions.routersChanged(Set.copyOf(registry.all().stream().map(r -> r.id()).toList()));
            }
        }
        LOG.info("Configuration updated: primary debounce {} s", s.haVrrpAdvertInt());
    }

    @Deactivate
    void deactivate() {
        if (deactivated) {
            return;
        }
        deactivated = true;
        transitions.close();
        pool.shutdown();
        PendingFile.handOver(settings.statePath(), transitions.pending());
    }

    // ------------------------------------------------------------------ services

    @Override
    public boolean accept(String routerId, HaState state) {
        return transitions.accept(RouterIds.normalize(routerId), state);
    }

    @Override
    public Optional<HaState> appliedState(String routerId) {
        return RouterIds.isUuid(routerId) ? transitions.view().appliedState(RouterIds.normalize(routerId)) : Optional.empty();
    }

    @Override
    public Optional<RouterStatus> status(String routerId) {
        return RouterIds.isUuid(routerId) ? transitions.view().status(RouterIds.normalize(routerId)) : Optional.empty();
    }

    @Override
    public List<RouterStatus> statuses() {
        return transitions.view().statuses();
    }

    @Override
    public List<Transition> history(String routerId, int max) {
        return RouterIds.isUuid(routerId) ? transitions.view().history(RouterIds.normalize(routerId), max) : List.of();
    }

    /**
     * CRITICAL without a registry (transitions are held); WARN without a batcher (nothing reported)
     * or while another account can change {@code state_path} or {@code ha_confs_path}.
     */
    @Override
    public HealthResult check() {
        if (registry == null) {
            return HealthResult.critical("no router registry bound: transitions are held");
        }
        List<String> warnings = new ArrayList<>(2);
        if (batcher == null) {
            warnings.add("no batcher bound: applied states are not reported until one binds");
        }
        writable.warning().ifPresent(warnings::add);
        if (!warnings.isEmpty()) {
            return HealthResult.warn(String.join("; ", warnings));
        }
        return HealthResult.ok(transitions.routers() + " routers, debounce " + settings.haVrrpAdvertInt() + " s");
    }

    @Override
    public boolean resync(String routerId) {
        return RouterIds.isUuid(routerId) && transitions.resync(RouterIds.normalize(routerId));
    }

    @Override
    public int resyncAll() {
        return transitions.resyncAll();
    }

    @Override
    public void routersChanged(Set<String> routerIds) {
        if (!deactivated) {
            transitions.routersChanged(routerIds);
        }
    }

    /** @return counters for the operator: notifications, applied, debounced, held, removed, failures */
    @Override
    public Map<String, Long> counters() {
        return transitions.counters();
    }

    /** @return how long notifications took to be applied, by state */
    @Override
    public List<HistogramSnapshot> histograms() {
        return transitions.histograms();
    }

    // ------------------------------------------------------------------ references

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindRegistry(RouterRegistry r) {
        registry = r;
        transitions.setRegistry(r);
    }

    void unbindRegistry(RouterRegistry r) {
        if (registry == r) {
            registry = null;
            transitions.setRegistry(null);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindBatcher(StateBatcher b) {
        batcher = b;
        transitions.setBatcher(b);
    }

    void unbindBatcher(StateBatcher b) {
        if (batcher == b) {
            batcher = null;
            transitions.setBatcher(null);
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindListener(TransitionListener l, Map<String, Object> props) {
        listeners.bind(l, props);
        LOG.info("Transition listener {} bound (order {})", props.getOrDefault("component.name", l.getClass().getName()),
                BoundListeners.order(props));
    }

    void updatedListener(TransitionListener l, Map<String, Object> props) {
        bindListener(l, props);
    }

    void unbindListener(TransitionListener l, Map<String, Object> props) {
        listeners.unbind(props);
        LOG.info("Transition listener {} unbound", props.getOrDefault("component.name", l.getClass().getName()));
    }
}
