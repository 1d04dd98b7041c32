package org.l3ha.metadata.impl;

import org.l3ha.common.testing.AgentConfigs;
import org.l3ha.common.testing.TestRouters;

import org.l3ha.common.HostIpv6;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.common.testing.TestRouters.router;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.DaemonSpec;
import org.l3ha.api.HaState;
import org.l3ha.common.DaemonAccount;
import org.l3ha.api.HealthResult;
import org.l3ha.api.ProcessManager;
import org.l3ha.api.Router;
import org.l3ha.common.ConfigException;

/** The listener's decisions (docs/behaviour.md §10 cases 22, 41–44) with a fake process manager. */
class MetadataProxyListenerTest {

    static final String R = "8d2a1f6e-3c4b-4d5e-9f60-7182a3b4c5d6";
    static final String NS = "qrouter-" + R;

    /** One call on the fake process manager. */
    record Call(String op, DaemonSpec spec, boolean reload) {
    }

    static final class FakeProcessManager implements ProcessManager {
        final List<Call> calls = new ArrayList<>();
        IOException enableFailure;
        IOException disableFailure;

        @Override
        public void enable(DaemonSpec daemon, boolean reload) throws IOException {
            calls.add(new Call("enable", daemon, reload));
            if (enableFailure != null) {
                throw enableFailure;
            }
        }

        @Override
        public void disable(DaemonSpec daemon) throws IOException {
            calls.add(new Call("disable", daemon, false));
            if (disableFailure != null) {
                throw disableFailure;
            }
        }

        @Override
        public boolean isActive(DaemonSpec daemon) {
            return false;
        }

        @Override
        public OptionalLong pid(DaemonSpec daemon) {
            return OptionalLong.empty();
        }

        List<String> ops() {
            return calls.stream().map(Call::op).toList();
        }
    }

    @TempDir
    Path dir;
    Path state;
    Path netnsDir;
    final FakeProcessManager pm = new FakeProcessManager();
    final AtomicBoolean hostIpv6 = new AtomicBoolean(true);

    @BeforeEach
    void setUp() throws IOException {
        state = dir.resolve("state");
        netnsDir = Files.createDirectories(dir.resolve("netns"));
        Files.createFile(netnsDir.resolve(NS));
    }

    MetadataProxyListener listener(Object... kv) {
        MetadataProxyListener l = new MetadataProxyListener(AgentConfigs.of(props(kv)), "haproxy", hostIpv6::get, netnsDir,
                (user, group, statePath) -> new DaemonAccount(user.isEmpty() ? "neutron" : user,
                        group.isEmpty() ? "neutron" : group));
        l.bindProcessManager(pm);
        return l;
    }

    Map<String, Object> props(Object... kv) {
        Map<String, Object> props = new HashMap<>();
        props.put("state_path", state.toString());
        for (int i = 0; i < kv.length; i += 2) {
            props.put((String) kv[i], kv[i + 1]);
        }
        return props;
    }

    Path conf() {
        return state.resolve("ns-metadata-proxy").resolve(R + ".conf");
    }

    static Router r(boolean distributed) {
        return router(R, distributed, null);
    }

    @Test
    void case42PrimaryWritesConfigAndEnablesHaproxyInTheNamespace() throws Exception {
        listener().apply(r(false), HaState.PRIMARY);
        String expected = HaproxyConfFile.render(R, "neutron", "neutron", 9697, true, state.resolve("metadata_proxy"),
                state.resolve("external/pids/" + R + ".pid.haproxy"));
        assertEquals(expected, Files.readString(conf()));
        assertTrue(expected.contains("    bind :::9697\n"), expected);
        assertEquals(List.of("enable"), pm.ops());
        Call c = pm.calls.get(0);
        assertFalse(c.reload());
        DaemonSpec spec = c.spec();
        assertEquals("haproxy", spec.service());
        assertEquals(R, spec.uuid());
        assertEquals(NS, spec.namespace());
        assertEquals(state.resolve("external/pids/" + R + ".pid.haproxy"), spec.pidFile());
        assertEquals(List.of("haproxy", "-f", conf().toString()), spec.command());
        assertEquals(Map.of("PROCESS_TAG", "haproxy-" + R), spec.environment());
        assertEquals(15, spec.stopSignal());
        assertEquals(Duration.ofSeconds(5), spec.stopTimeout());
        assertEquals(Duration.ofSeconds(60), spec.startTimeout());
    }

    @Test
    void primaryAgainWithTheSameConfigDoesNotRestart() throws Exception {
        MetadataProxyListener l = listener();
        l.apply(r(false), HaState.PRIMARY);
        l.apply(r(false), HaState.PRIMARY);
        assertEquals(List.of("enable", "enable"), pm.ops());
        assertEquals(0L, l.counters().get("restarted_config_changed"));
    }

    @Test
    void changedConfigStopsTheRunningProxyFirst() throws Exception {
        MetadataProxyListener l = listener();
        l.apply(r(false), HaState.PRIMARY);
        l.modified(AgentConfigs.of(props("metadata_port", "8775")));
        l.apply(r(false), HaState.PRIMARY);
        assertEquals(List.of("enable", "disable", "enable"), pm.ops());
        assertTrue(Files.readString(conf()).contains("    bind :::8775\n"));
        assertEquals(1L, l.counters().get("restarted_config_changed"));
    }

    @Test
    void onlyThePidfileLineChangedIsNotARestart() throws Exception {
        MetadataProxyListener l = listener();
        l.apply(r(false), HaState.PRIMARY);
        l.modified(AgentConfigs.of(props("external_pids", dir.resolve("elsewhere").toString())));
        l.apply(r(false), HaState.PRIMARY);
        assertEquals(List.of("enable", "enable"), pm.ops());
        assertTrue(Files.readString(conf()).contains("pidfile     " + dir.resolve("elsewhere/" + R + ".pid.haproxy")),
                "the new pid file is written");
    }

    @Test
    void configWrittenByNeutronsTemplateIsAdoptedNotRestarted() throws Exception {
        String ours = HaproxyConfFile.render(R, "neutron", "neutron", 9697, true, state.resolve("metadata_proxy"),
                Path.of("/var/lib/neutron/external/pids/" + R + ".pid.haproxy"));
        // Neutron's template: a leading newline, and an indented empty line where the DHCP variant binds v6
        String neutrons = "\n" + ours.replace("    bind :::9697\n", "    bind :::9697\n    \n");
        Files.createDirectories(conf().getParent());
        Files.writeString(conf(), neutrons);
        listener().apply(r(false), HaState.PRIMARY);
        assertEquals(List.of("enable"), pm.ops());
    }

    @Test
    void case43BackupDisablesThenDeletesTheConfig() throws Exception {
        MetadataProxyListener l = listener();
        l.apply(r(false), HaState.PRIMARY);
        assertTrue(Files.exists(conf()));
        l.apply(r(false), HaState.BACKUP);
        assertEquals(List.of("enable", "disable"), pm.ops());
        org.l3ha.api.DaemonSpec started = pm.calls.get(0).spec();
        org.l3ha.api.DaemonSpec stopped = pm.calls.get(1).spec();
        assertEquals(List.of(started.service(), started.uuid(), started.namespace(), started.pidFile(), started.command()),
                List.of(stopped.service(), stopped.uuid(), stopped.namespace(), stopped.pidFile(), stopped.command()),
                "the same daemon is stopped");
        assertFalse(Files.exists(conf()));
        assertEquals(1L, l.counters().get("stopped"));
    }

    @Test
    void faultIsLikeBackupAndBackupWithoutConfigIsFine() throws Exception {
        MetadataProxyListener l = listener();
        l.apply(r(false), HaState.FAULT);
        l.apply(r(false), HaState.BACKUP);
        assertEquals(List.of("disable", "disable"), pm.ops());
        assertFalse(Files.exists(conf()));
    }

    @Test
    void case44DistributedBackupKeepsTheProxy() throws Exception {
        MetadataProxyListener l = listener();
        l.apply(r(true), HaState.PRIMARY);
        l.apply(r(true), HaState.BACKUP);
        l.apply(r(true), HaState.FAULT);
        assertEquals(List.of("enable", "enable", "enable"), pm.ops());
        assertTrue(Files.exists(conf()));
    }

    @Test
    void aRemovedRoutersProxyIsStoppedAndItsConfigDeletedEvenForADistributedRouter() throws Exception {
        MetadataProxyListener l = listener();
        l.apply(r(true), HaState.BACKUP); // a DVR-HA standby serves: its proxy runs
        assertTrue(Files.exists(conf()));
        assertTrue(l.daemon(R).isPresent());

        l.remove(R.toUpperCase());

        assertEquals(List.of("enable", "disable"), pm.ops());
        DaemonSpec stopped = pm.calls.get(1).spec();
        assertEquals(List.of("haproxy", R, NS, state.resolve("external/pids").resolve(R + ".pid.haproxy")),
                List.of(stopped.service(), stopped.uuid(), stopped.namespace(), stopped.pidFile()));
        assertEquals(15, stopped.stopSignal(), "SIGTERM, then SIGKILL, as on backup");
        assertFalse(Files.exists(conf()), "configuration deleted");
        assertTrue(l.daemon(R).isEmpty(), "a new process manager is not given it to rebuild");
        assertEquals(1L, l.counters().get("removals"));

        l.remove(R); // idempotent
        assertEquals(List.of("enable", "disable", "disable"), pm.ops());
    }

    @Test
    void aRemovedRouterIsNoLongerNamedByTheHealthCheckAndAFailedRemovalThrowsNamingIt() throws Exception {
        MetadataProxyListener l = listener();
        pm.enableFailure = new IOException("exit status 255");
        assertThrows(IOException.class, () -> l.apply(r(false), HaState.PRIMARY));
        assertEquals(HealthResult.Status.WARN, l.check().status());
        l.remove(R);
        assertEquals(HealthResult.Status.OK, l.check().status(), l.check().message());

        pm.disableFailure = new IOException("pid 4242 still running after SIGKILL");
        IOException e = assertThrows(IOException.class, () -> l.remove(R));
        assertTrue(e.getMessage().contains("router " + R + " not stopped"), e.getMessage());
        l.unbindProcessManager(pm);
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> l.remove(R));
        assertTrue(none.getMessage().contains(R) && none.getMessage().contains("removal"), none.getMessage());
    }

    @Test
    void disabledARemovalStopsNothing() throws Exception {
        Files.createDirectories(conf().getParent());
        Files.writeString(conf(), "left by an earlier run\n");
        MetadataProxyListener l = listener("enable_metadata_proxy", "false");
        l.unbindProcessManager(pm);
        l.remove(R);
        assertEquals(List.of(), pm.ops());
        assertEquals("left by an earlier run\n", Files.readString(conf()));
    }

    @Test
    void case22DisabledNeitherSpawnsNorDestroys() throws Exception {
        Files.createDirectories(conf().getParent());
        Files.writeString(conf(), "left by an earlier run\n");
        MetadataProxyListener l = listener("enable_metadata_proxy", "false");
        l.apply(r(false), HaState.PRIMARY);
        l.apply(r(false), HaState.BACKUP);
        l.apply(r(true), HaState.BACKUP);
        assertEquals(List.of(), pm.ops());
        assertEquals("left by an earlier run\n", Files.readString(conf()));
        assertEquals(3L, l.counters().get("skipped_disabled"));
        assertEquals(HealthResult.Status.OK, l.check().status());
    }

    @Test
    void case22DisabledNeedsNoProcessManager() throws Exception {
        MetadataProxyListener l = listener("enable_metadata_proxy", "false");
        l.unbindProcessManager(pm);
        l.apply(r(false), HaState.PRIMARY);
        assertEquals(List.of(), pm.ops());
    }

    @Test
    void case41HostIpv6DisabledBindsIpv4() throws Exception {
        hostIpv6.set(false);
        listener().apply(r(false), HaState.PRIMARY);
        String conf = Files.readString(conf());
        assertTrue(conf.contains("    bind 0.0.0.0:9697\n"), conf);
        assertFalse(conf.contains(":::"), conf);
    }

    @Test
    void noProcessManagerBoundIsAClearError() {
        MetadataProxyListener l = listener();
        l.unbindProcessManager(pm);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> l.apply(r(false), HaState.PRIMARY));
        assertTrue(e.getMessage().contains(R) && e.getMessage().contains("no ProcessManager"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> l.apply(r(false), HaState.BACKUP));
        assertTrue(e.getMessage().contains("not stopped"), e.getMessage());
        assertEquals(HealthResult.Status.CRITICAL, l.check().status());
        assertEquals(2L, l.counters().get("failures"));
    }

    @Test
    void greedySwapBindsTheNewOneBeforeTheOldGoes() throws Exception {
        MetadataProxyListener l = listener();
        FakeProcessManager newer = new FakeProcessManager();
        l.bindProcessManager(newer);
        l.unbindProcessManager(pm); // DS unbinds the replaced service after binding the new one
        l.apply(r(false), HaState.PRIMARY);
        assertEquals(List.of(), pm.ops());
        assertEquals(List.of("enable"), newer.ops());
        assertEquals(HealthResult.Status.OK, l.check().status());
    }

    @Test
    void missingNamespaceIsAClearErrorAndNothingIsStarted() {
        String other = "11111111-2222-4333-8444-555555555555";
        MetadataProxyListener l = listener();
        IOException e = assertThrows(IOException.class, () -> l.apply(router(other, false, null), HaState.PRIMARY));
        assertTrue(e.getMessage().contains("router " + other), e.getMessage());
        assertTrue(e.getMessage().contains("namespace qrouter-" + other + " does not exist"), e.getMessage());
        assertEquals(List.of(), pm.ops());
        assertFalse(Files.exists(state.resolve("ns-metadata-proxy/" + other + ".conf")));
    }

    @Test
    void startFailureNamesTheRouterAndShowsInHealthUntilRecovered() throws Exception {
        MetadataProxyListener l = listener();
        pm.enableFailure = new IOException("Cannot start haproxy for " + R + " in namespace " + NS
                + ": exit status 255: exec of \"haproxy\" failed: No such file or directory");
        IOException e = assertThrows(IOException.class, () -> l.apply(r(false), HaState.PRIMARY));
        assertTrue(e.getMessage().startsWith("Metadata proxy for router " + R + " not started: Cannot start haproxy"),
                e.getMessage());
        assertSame(pm.enableFailure, e.getCause());
        HealthResult h = l.check();
        assertEquals(HealthResult.Status.WARN, h.status());
        assertTrue(h.message().contains(R), h.message());
        pm.enableFailure = null;
        l.apply(r(false), HaState.PRIMARY);
        assertEquals(HealthResult.Status.OK, l.check().status());
        assertEquals(0L, l.counters().get("routers_failing"));
    }

    @Test
    void stopFailureKeepsTheConfig() throws Exception {
        MetadataProxyListener l = listener();
        l.apply(r(false), HaState.PRIMARY);
        pm.disableFailure = new IOException("Cannot stop haproxy for " + R + ": pid 4242 still running after SIGKILL");
        IOException e = assertThrows(IOException.class, () -> l.apply(r(false), HaState.BACKUP));
        assertTrue(e.getMessage().contains("router " + R + " not stopped"), e.getMessage());
        assertTrue(Files.exists(conf()), "haproxy may still run: its config stays");
    }

    @Test
    void unknownIdentityFailsStartsButNotStops() throws Exception {
        MetadataProxyListener l = new MetadataProxyListener(AgentConfigs.of(props()), "haproxy", hostIpv6::get, netnsDir, (u, g, sp) -> {
            throw new IOException("no user '4711' in /etc/passwd");
        });
        l.bindProcessManager(pm);
        IOException e = assertThrows(IOException.class, () -> l.apply(r(false), HaState.PRIMARY));
        assertTrue(e.getMessage().contains(R) && e.getMessage().contains("4711"), e.getMessage());
        l.apply(r(false), HaState.BACKUP);
        assertEquals(List.of("disable"), pm.ops());
        assertEquals(HealthResult.Status.CRITICAL, l.check().status());
    }

    @Test
    void haproxyRunsAsTheConfiguredUserAndGroup() throws Exception {
        MetadataProxyListener l = listener("metadata_proxy_user", "998", "metadata_proxy_group", "neutron");
        l.apply(r(false), HaState.PRIMARY);
        String text = Files.readString(conf());
        assertTrue(text.contains("    user        998\n    group       neutron\n"), text);
    }

    /** The factory a new process manager asks, and a configuration another account replaced. */
    @Test
    void theFactoryRebuildsTheProxyItRunsAndEveryStartWritesItsConfigurationAfresh() throws Exception {
        MetadataProxyListener l = listener();
        assertTrue(l.daemon(R).isEmpty());
        l.apply(r(false), HaState.PRIMARY);
        org.l3ha.api.DaemonSpec spec = l.daemon(R).orElseThrow();
        String ours = Files.readString(conf());
        Files.delete(conf());
        Files.writeString(conf(), "global\n    lua-load /tmp/evil.lua\n");
        spec.prepare();
        assertEquals(ours, Files.readString(conf()));
        assertTrue(l.daemon("not-a-router").isEmpty());
        l.apply(r(false), HaState.BACKUP);
        assertTrue(l.daemon(R).isEmpty());
    }

    @Test
    void aConfigurationThatIsALinkIsReplacedNotWrittenThrough() throws Exception {
        MetadataProxyListener l = listener();
        Path target = Files.writeString(dir.resolve("root-only"), "secret");
        Files.createDirectories(conf().getParent());
        Files.createSymbolicLink(conf(), target);
        l.apply(r(false), HaState.PRIMARY);
        assertEquals("secret", Files.readString(target));
        assertFalse(Files.isSymbolicLink(conf()));
        assertTrue(Files.readString(conf()).contains("X-Neutron-Router-ID " + R));
        l.apply(r(false), HaState.BACKUP);
        assertEquals("secret", Files.readString(target), "removing the configuration removed no link target");
    }

    @Test
    void modifiedRejectsBadConfigAndKeepsLastGood() throws Exception {
        MetadataProxyListener l = listener("metadata_port", "8775");
        l.modified(AgentConfigs.of(props("metadata_port", "99999")));
        l.apply(r(false), HaState.PRIMARY);
        assertTrue(Files.readString(conf()).contains("bind :::8775\n"));
        l.modified(AgentConfigs.of(props("enable_metadata_proxy", "false")));
        l.apply(r(false), HaState.BACKUP);
        assertEquals(List.of("enable"), pm.ops(), "disabled by the new good configuration");
    }

    @Test
    void invalidConfigFailsActivationNamingKeyAndValue() {
        ConfigException e = assertThrows(ConfigException.class, () -> listener("enable_metadata_proxy", "yes"));
        assertTrue(e.getMessage().contains("enable_metadata_proxy='yes'"), e.getMessage());
    }

    @Test
    void socketAndPidPathsFollowStatePath() throws Exception {
        listener("metadata_proxy_socket", "$state_path/md.sock", "external_pids", "/run/l3ha/pids")
                .apply(r(false), HaState.PRIMARY);
        String conf = Files.readString(conf());
        assertTrue(conf.contains("    server metadata " + state.resolve("md.sock") + "\n"), conf);
        assertTrue(conf.contains("    pidfile     /run/l3ha/pids/" + R + ".pid.haproxy\n"), conf);
        assertEquals(Path.of("/run/l3ha/pids/" + R + ".pid.haproxy"), pm.calls.get(0).spec().pidFile());
    }

    @Test
    void deactivateNeverThrowsAndIsIdempotent() {
        MetadataProxyListener l = listener();
        l.deactivate();
        l.deactivate();
    }
}
