package org.l3ha.radvd.impl;

import org.l3ha.common.testing.AgentConfigs;
import org.l3ha.common.testing.TestRouters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.common.testing.TestRouters.port;
import static org.l3ha.common.testing.TestRouters.router;
import static org.l3ha.common.testing.TestRouters.v4;
import static org.l3ha.common.testing.TestRouters.ra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;
import org.l3ha.api.HealthResult;
import org.l3ha.common.ConfigException;
import org.l3ha.common.DaemonAccount;
import org.l3ha.common.testing.TestRouters.TestPort;
import org.l3ha.common.testing.TestRouters.TestRouter;

/** The listener's decisions with a recording process manager and real files (docs/behaviour.md §4.4). */
class RadvdListenerTest {

    @TempDir
    Path dir;

    String id;
    TestPort slaac;
    TestRouter router;
    FakeProcessManager pm;
    RadvdListener listener;

    Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("state_path", dir.toString());
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Accounts of a node where the neutron account exists (uid 998). */
    DaemonAccount.Databases accounts() {
        try {
            Path passwd = Files.writeString(dir.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n"
                    + "nobody:x:65534:65534::/:/usr/sbin/nologin\nneutron:x:998:998::/var/lib/neutron:/usr/sbin/nologin\n");
            Path group = Files.writeString(dir.resolve("group"), "root:x:0:\nnogroup:x:65534:\nneutron:x:998:\n");
            return new DaemonAccount.Databases(passwd, group, Path.of("/proc/self"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    RadvdListener listener(Map<String, Object> props) {
        RadvdListener l = new RadvdListener(AgentConfigs.of(props), "radvd", accounts());
        pm = new FakeProcessManager();
        l.bindProcessManager(pm);
        return l;
    }

    @BeforeEach
    void setUp() {
        id = UUID.randomUUID().toString();
        slaac = port(UUID.randomUUID().toString(), 1500, ra("2001:db8:1::/64", "slaac", "2001:db8::53"));
        router = router(id, slaac);
        listener = listener(props());
    }

    Path conf(String routerId) {
        return dir.resolve("ra").resolve(routerId + ".radvd.conf");
    }

    @Test
    void case45_primaryWritesTheConfigurationReadOnlyThenEnablesRadvdAsNeutronRunsIt() throws Exception {
        listener.apply(router, HaState.PRIMARY);

        Path conf = conf(id);
        assertEquals(RadvdConfFile.render(router.interfaces(), 30, 100), Files.readString(conf));
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(conf)));
        assertFalse(Files.exists(dir.resolve("ra").resolve(id + ".radvd.conf.tmp")), "temporary file renamed");
        List<FakeProcessManager.Call> enables = pm.calls("enable");
        assertEquals(1, enables.size());
        FakeProcessManager.Call c = enables.get(0);
        assertTrue(c.reload(), "a new configuration");
        assertEquals(List.of("radvd", "-C", conf.toString(), "-p",
                dir.resolve("external/pids").resolve(id + ".pid.radvd").toString(), "-m", "syslog", "-u", "nobody"),
                c.spec().command(), "radvd_user empty, l3ha root and state_path root's: nobody, never root");
        assertEquals("qrouter-" + id, c.spec().namespace());
        assertEquals(Map.of("PROCESS_TAG", "radvd-" + id), c.spec().environment());
        assertEquals(9, c.spec().stopSignal());
        assertEquals(1L, listener.counters().get("config_writes"));
        assertEquals(HealthResult.Status.OK, listener.check().status());
    }

    @Test
    void applyingTheSamePrimaryAgainNeitherRewritesNorReloads() throws Exception {
        listener.apply(router, HaState.PRIMARY);
        Object inode = Files.readAttributes(conf(id), BasicFileAttributes.class).fileKey();
        pm.clear();

        listener.apply(router, HaState.PRIMARY);
        listener.apply(router, HaState.PRIMARY);

        assertEquals(2, pm.calls("enable").size());
        assertTrue(pm.calls("enable").stream().noneMatch(FakeProcessManager.Call::reload), "no SIGHUP: nothing changed");
        assertEquals(inode, Files.readAttributes(conf(id), BasicFileAttributes.class).fileKey(), "file not replaced");
        assertEquals(1L, listener.counters().get("config_writes"));
        assertEquals(1L, listener.counters().get("reload_requests"));
    }

    @Test
    void aChangedConfigurationIsWrittenAndRadvdReloaded() throws Exception {
        listener.apply(router, HaState.PRIMARY);
        pm.clear();
        TestRouter more = router(id, slaac.with(ra("2001:db8:2::/64", "dhcpv6-stateless")));

        listener.apply(more, HaState.PRIMARY);

        assertTrue(pm.calls("enable").get(0).reload());
        assertTrue(Files.readString(conf(id)).contains("prefix 2001:db8:2::/64"));
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(conf(id))));
    }

    @Test
    void aReloadThatFailedIsAskedForAgainEvenThoughTheFileIsUnchangedSince() throws Exception {
        pm.failEnable = new IOException("Cannot start radvd for " + id + " in namespace qrouter-" + id + ": boom");
        IOException e = assertThrows(IOException.class, () -> listener.apply(router, HaState.PRIMARY));
        assertSame(pm.failEnable, e, "the process manager's message already names the router");
        pm.failEnable = null;
        pm.clear();

        listener.apply(router, HaState.PRIMARY);
        assertTrue(pm.calls("enable").get(0).reload(), "radvd has not seen this configuration yet");

        pm.clear();
        listener.apply(router, HaState.PRIMARY);
        assertFalse(pm.calls("enable").get(0).reload());
    }

    @Test
    void case46_backupAndFaultDisableRadvdAndRemoveEveryFileOfTheRouter() throws Exception {
        String other = UUID.randomUUID().toString();
        Path ra = Files.createDirectories(dir.resolve("ra"));
        Files.writeString(ra.resolve(id + ".old-radvd.conf"), "left by someone");
        Files.writeString(ra.resolve(other + ".radvd.conf"), "another router");
        Files.writeString(ra.resolve(other + ".old"), "another router's other file");
        listener = listener(props()); // lists ra_confs on activation
        listener.apply(router, HaState.PRIMARY);
        Files.writeString(ra.resolve(id + ".radvd.conf.tmp"), "left by a crash");

        listener.apply(router, HaState.BACKUP);

        List<FakeProcessManager.Call> disables = pm.calls("disable");
        assertEquals(1, disables.size());
        assertEquals("radvd", disables.get(0).spec().service());
        assertEquals(id, disables.get(0).spec().uuid());
        assertEquals(9, disables.get(0).spec().stopSignal());
        assertFalse(pm.isActive(disables.get(0).spec()));
        try (var files = Files.list(ra)) {
            assertEquals(List.of(other + ".old", other + ".radvd.conf"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "only the other router's files remain");
        }

        listener.apply(router, HaState.PRIMARY);
        pm.clear();
        listener.apply(router, HaState.FAULT);
        assertEquals(1, pm.calls("disable").size());
        assertFalse(Files.exists(conf(id)));
        assertEquals(2L, listener.counters().get("applied_standby"));
    }

    @Test
    void aRemovedRoutersRadvdIsDisabledAndEveryFileOfItRemovedWhateverItsState() throws Exception {
        String other = UUID.randomUUID().toString();
        Path ra = Files.createDirectories(dir.resolve("ra"));
        Files.writeString(ra.resolve(id + ".old-radvd.conf"), "left by someone");
        Files.writeString(ra.resolve(other + ".radvd.conf"), "another router");
        listener = listener(props()); // lists ra_confs on activation
        listener.apply(router, HaState.PRIMARY);
        Files.writeString(ra.resolve(id + ".radvd.conf.tmp"), "left by a crash");
        assertTrue(listener.daemon(id).isPresent());
        pm.clear();

        listener.remove(id.toUpperCase());

        List<FakeProcessManager.Call> disables = pm.calls("disable");
        assertEquals(1, disables.size());
        assertEquals(id, disables.get(0).spec().uuid());
        assertEquals(9, disables.get(0).spec().stopSignal(), "kill -9, as on backup");
        assertEquals(List.of(), pm.calls("enable"));
        assertFalse(pm.isActive(disables.get(0).spec()));
        try (var files = Files.list(ra)) {
            assertEquals(List.of(other + ".radvd.conf"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "only the other router's file remains");
        }
        assertTrue(listener.daemon(id).isEmpty(), "a new process manager is not given it to rebuild");
        assertEquals(1L, listener.counters().get("removals"));

        listener.remove(id); // idempotent
        assertEquals(2L, listener.counters().get("removals"));
    }

    @Test
    void aRemovedRouterIsNoLongerNamedByTheHealthCheckAndAFailedRemovalThrowsNamingIt() throws Exception {
        pm.failEnable = new IOException("no namespace");
        assertThrows(IOException.class, () -> listener.apply(router, HaState.PRIMARY));
        assertEquals(HealthResult.Status.WARN, listener.check().status());

        listener.remove(id);
        assertEquals(HealthResult.Status.OK, listener.check().status(), listener.check().message());
        assertEquals(0L, listener.counters().get("routers_failing"));

        listener.unbindProcessManager(pm);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> listener.remove(id));
        assertTrue(e.getMessage().contains(id) && e.getMessage().contains("removal"), e.getMessage());
    }

    @Test
    void backupTwiceIsHarmless() throws Exception {
        listener.apply(router, HaState.BACKUP);
        listener.apply(router, HaState.BACKUP);
        assertEquals(2, pm.calls("disable").size());
        assertTrue(pm.calls("enable").isEmpty());
        assertEquals(HealthResult.Status.OK, listener.check().status());
    }

    @Test
    void case48_primaryWithOnlyIpv4PortsDisablesRadvdAndWritesNothing() throws Exception {
        listener.apply(router, HaState.PRIMARY);
        pm.clear();

        listener.apply(router(id, port(UUID.randomUUID().toString(), 1500, v4("10.0.0.0/24"))), HaState.PRIMARY);

        assertTrue(pm.calls("enable").isEmpty());
        assertEquals(1, pm.calls("disable").size());
        assertFalse(Files.exists(conf(id)), "configuration removed");
        assertEquals(1L, listener.counters().get("no_ipv6"));
    }

    @Test
    void case47_aKeepalivedPidFileNamingNoLiveKeepalivedStopsRadvd() throws Exception {
        listener.apply(router, HaState.PRIMARY);
        pm.clear();
        Path pidFile = Files.createDirectories(dir.resolve("ha_confs")).resolve(id + ".pid.keepalived");
        Files.writeString(pidFile, "999999\n");

        listener.apply(router, HaState.PRIMARY);

        assertTrue(pm.calls("enable").isEmpty(), "radvd not started");
        assertEquals(1, pm.calls("disable").size(), "and stopped");
        assertFalse(Files.exists(conf(id)));
        assertEquals(1L, listener.counters().get("keepalived_down"));

        pm.active.add("keepalived/" + id); // keepalived runs again
        pm.clear();
        listener.apply(router, HaState.PRIMARY);
        assertEquals(1, pm.calls("enable").size());
        assertTrue(Files.exists(conf(id)));
    }

    @Test
    void withoutAKeepalivedPidFileKeepalivedIsTakenToRunElsewhere() throws Exception {
        assertFalse(Files.exists(dir.resolve("ha_confs").resolve(id + ".pid.keepalived")));
        listener.apply(router, HaState.PRIMARY);
        assertEquals(1, pm.calls("enable").size());
        assertEquals(0L, listener.counters().get("keepalived_down"));
    }

    @Test
    void withoutAProcessManagerAnApplyFailsNamingTheRouterAndHealthWarns() {
        listener.unbindProcessManager(pm);

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> listener.apply(router, HaState.PRIMARY));
        assertTrue(e.getMessage().contains(id) && e.getMessage().contains("ProcessManager"), e.getMessage());
        assertFalse(Files.exists(conf(id)), "nothing done");
        assertEquals(HealthResult.Status.WARN, listener.check().status());
        assertEquals(1L, listener.counters().get("failures"));
    }

    @Test
    void aNewProcessManagerBoundGreedilyTakesOverAndAStaleUnbindIsIgnored() throws Exception {
        FakeProcessManager first = pm;
        FakeProcessManager second = new FakeProcessManager();
        listener.bindProcessManager(second); // DS: bind the replacement, then unbind the old one
        listener.unbindProcessManager(first);

        listener.apply(router, HaState.PRIMARY);
        assertTrue(first.calls.isEmpty());
        assertEquals(1, second.calls("enable").size());

        listener.unbindProcessManager(first); // late or repeated unbind of the old one
        listener.apply(router, HaState.BACKUP);
        assertEquals(1, second.calls("disable").size());

        listener.unbindProcessManager(second);
        assertThrows(IllegalStateException.class, () -> listener.apply(router, HaState.BACKUP));
    }

    @Test
    void healthNamesTheRoutersWhoseLastApplyFailedUntilTheyRecover() throws Exception {
        pm.failEnable = new IOException("Cannot start radvd for " + id + ": the launcher exited with status 255");
        assertThrows(IOException.class, () -> listener.apply(router, HaState.PRIMARY));

        HealthResult h = listener.check();
        assertEquals(HealthResult.Status.WARN, h.status());
        assertTrue(h.message().contains(id) && h.message().contains("primary") && h.message().contains("status 255"),
                h.message());

        pm.failEnable = null;
        listener.apply(router, HaState.PRIMARY);
        assertEquals(HealthResult.Status.OK, listener.check().status());
        assertEquals(0L, listener.counters().get("routers_failing"));
        assertEquals(1L, listener.counters().get("failures"));
    }

    @Test
    void healthShowsThreeFailingRoutersAndHowManyThereAre() {
        pm.failEnable = new IOException("no namespace");
        for (int i = 0; i < 5; i++) {
            String r = UUID.randomUUID().toString();
            IOException e = assertThrows(IOException.class, () -> listener.apply(router(r, slaac), HaState.PRIMARY));
            assertTrue(e.getMessage().startsWith("radvd for router " + r + ": no namespace"), e.getMessage());
        }
        HealthResult h = listener.check();
        assertTrue(h.message().startsWith("last radvd apply failed for 5 router(s): "), h.message());
        assertTrue(h.message().endsWith("; ..."), h.message());
        assertEquals(5L, listener.counters().get("routers_failing"));
    }

    @Test
    void aBadPortIsAFailureNamingRouterAndPort() {
        TestRouter bad = router(id, port(UUID.randomUUID().toString(), 1500, ra("2001:db8::/64\n", "slaac")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> listener.apply(bad, HaState.PRIMARY));
        assertTrue(e.getMessage().contains(id) && e.getMessage().contains(bad.interfaces().get(0).id()), e.getMessage());
        assertTrue(pm.calls.isEmpty());
    }

    @Test
    void anUpperCaseRouterIdIsNormalisedBeforePathsAreBuilt() throws Exception {
        listener.apply(router(id.toUpperCase(), slaac), HaState.PRIMARY);
        assertTrue(Files.exists(conf(id)));
        assertEquals(id, pm.calls("enable").get(0).spec().uuid());
    }

    @Test
    void unknownIsNotActedOn() throws Exception {
        listener.apply(router, HaState.UNKNOWN);
        assertTrue(pm.calls.isEmpty());
    }

    @Test
    void anInvalidConfigurationIsRefusedAtActivationNamingKeyAndValue() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new RadvdListener(AgentConfigs.of(props("min_rtr_adv_interval", "2")), "radvd", accounts()));
        assertTrue(e.getMessage().contains("min_rtr_adv_interval='2'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void modifiedKeepsTheLastGoodConfigurationAndAppliesAGoodOne() throws Exception {
        listener.modified(AgentConfigs.of(props("min_rtr_adv_interval", "70", "max_rtr_adv_interval", "60")));
        listener.apply(router, HaState.PRIMARY);
        assertTrue(Files.readString(conf(id)).contains("MinRtrAdvInterval 30;"), "bad configuration rejected");

        listener.modified(AgentConfigs.of(props("min_rtr_adv_interval", "22", "max_rtr_adv_interval", "66", "radvd_user", "root")));
        pm.clear();
        listener.apply(router, HaState.PRIMARY);
        String text = Files.readString(conf(id));
        assertTrue(text.contains("MinRtrAdvInterval 22;\n   MaxRtrAdvInterval 66;"), text);
        assertTrue(pm.calls("enable").get(0).reload());
        assertFalse(pm.calls("enable").get(0).spec().command().contains("-u"), "radvd_user=root");
    }

    @Test
    void radvdRunsAsTheConfiguredUserOrFailsClearlyWhenItDoesNotExist() throws Exception {
        listener = listener(props("radvd_user", "998"));
        listener.apply(router, HaState.PRIMARY);
        List<String> cmd = pm.calls("enable").get(0).spec().command();
        assertEquals(List.of("-u", "neutron"), cmd.subList(cmd.size() - 2, cmd.size()), "a numeric id, by name");

        listener = listener(props("radvd_user", "radvd"));
        IOException e = assertThrows(IOException.class, () -> listener.apply(router, HaState.PRIMARY));
        assertTrue(e.getMessage().contains("radvd for router " + id + " not started: radvd_user 'radvd' cannot be resolved:"
                + " no user 'radvd' in "), e.getMessage());
        assertTrue(pm.calls("enable").isEmpty());
        assertEquals(HealthResult.Status.WARN, listener.check().status());
    }

    /** The factory a new process manager asks: the radvd enabled for a router, with its configuration. */
    @Test
    void theFactoryRebuildsTheRadvdItRunsAndNothingElse() throws Exception {
        assertTrue(listener.daemon(id).isEmpty());
        listener.apply(router, HaState.PRIMARY);
        org.l3ha.api.DaemonSpec spec = listener.daemon(id).orElseThrow();
        assertEquals(pm.calls("enable").get(0).spec(), spec);
        assertTrue(listener.daemon(UUID.randomUUID().toString()).isEmpty());
        assertTrue(listener.daemon("not-a-router").isEmpty());

        Files.writeString(conf(id).resolveSibling("other"), "x");
        Files.delete(conf(id));
        Files.writeString(conf(id), "interface qr-x { AdvSendAdvert on; }; # planted");
        spec.prepare();
        assertEquals(RadvdConfFile.render(router.interfaces(), 30, 100), Files.readString(conf(id)),
                "every start writes l3ha's configuration afresh");
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(conf(id))));

        listener.apply(router, HaState.BACKUP);
        assertTrue(listener.daemon(id).isEmpty());
    }

    @Test
    void deactivateIsIdempotent() {
        listener.deactivate();
        listener.deactivate();
    }

    @Test
    void theComponentDescriptorHasTheAgreedNamesAndAMandatoryDynamicGreedyReference() throws IOException {
        String xml = Files.readString(Path.of("target/classes/OSGI-INF/org.l3ha.radvd.xml"), StandardCharsets.UTF_8);
        assertTrue(xml.contains("name=\"org.l3ha.radvd\""), xml);
        assertTrue(xml.contains("configuration-pid=\"org.l3ha.agent\""), xml);
        assertTrue(xml.contains("immediate=\"true\""), xml);
        assertTrue(xml.contains("modified=\"modified\""), xml);
        assertTrue(xml.contains("<property name=\"l3ha.order\" type=\"Integer\" value=\"300\"/>"), xml);
        assertTrue(xml.contains("<property name=\"l3ha.stats.name\" type=\"String\" value=\"radvd\"/>"), xml);
        assertTrue(xml.contains("<property name=\"l3ha.health.name\" type=\"String\" value=\"radvd\"/>"), xml);
        for (String service : List.of("TransitionListener", "StatsProvider", "HealthCheck")) {
            assertTrue(xml.contains("<provide interface=\"org.l3ha.api." + service + "\"/>"), xml);
        }
        String ref = xml.substring(xml.indexOf("<reference"), xml.indexOf("/>", xml.indexOf("<reference")));
        assertTrue(ref.contains("interface=\"org.l3ha.api.ProcessManager\""), ref);
        assertTrue(ref.contains("cardinality=\"1..1\""), ref);
        assertTrue(ref.contains("policy=\"dynamic\""), ref);
        assertTrue(ref.contains("policy-option=\"greedy\""), ref);

        // the agent's options are declared once, in common's AgentConfig, not again by this listener
        assertFalse(Files.exists(Path.of("target/classes/OSGI-INF/metatype/org.l3ha.radvd.impl.RadvdListener$Config.xml")));
    }
}
