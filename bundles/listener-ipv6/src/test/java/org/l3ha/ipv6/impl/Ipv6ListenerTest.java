package org.l3ha.ipv6.impl;

import org.l3ha.common.testing.AgentConfigs;
import org.l3ha.common.testing.TestRouters;

import org.l3ha.common.HostIpv6;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.common.testing.TestRouters.port;
import static org.l3ha.common.testing.TestRouters.router;
import static org.l3ha.common.testing.TestRouters.v4;
import static org.l3ha.common.testing.TestRouters.v6;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;
import org.l3ha.api.HealthResult;
import org.l3ha.api.Port;
import org.l3ha.api.Router;
import org.l3ha.common.ConfigException;

/** The exact sysctl command sequences (docs/behaviour.md §10 cases 36–41) with a fake command runner. */
class Ipv6ListenerTest {

    static final String R = "8d2a1f6e-3c4b-4d5e-9f60-7182a3b4c5d6";
    static final String GW_PORT = "0b2c6e3a-1122-4334-8556-a7b8c9d0e1f2";
    static final String QG = "qg-0b2c6e3a-11";
    static final String NS = "qrouter-" + R;

    @TempDir
    Path netnsDir;

    final List<List<String>> commands = new ArrayList<>();
    /** Commands the fake runner fails (exit 255, a sysctl-like message). */
    Predicate<List<String>> failing = c -> false;
    final AtomicBoolean hostIpv6 = new AtomicBoolean(true);

    @BeforeEach
    void namespaceExists() throws IOException {
        Files.createFile(netnsDir.resolve(NS));
    }

    Ipv6Listener listener(Object... kv) {
        Map<String, Object> props = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            props.put((String) kv[i], kv[i + 1]);
        }
        return new Ipv6Listener(AgentConfigs.of(props), cmd -> {
            commands.add(List.copyOf(cmd));
            return failing.test(cmd)
                    ? new CommandRunner.Result(255, "sysctl: cannot stat /proc/sys/" + cmd.get(cmd.size() - 1) + ": No such file or directory")
                    : new CommandRunner.Result(0, "");
        }, hostIpv6::get, netnsDir);
    }

    static List<String> sysctl(String arg) {
        return List.of("ip", "netns", "exec", NS, "sysctl", "-w", arg);
    }

    static Port gatewayV4Only() {
        return port(GW_PORT, v4("203.0.113.0/24", "203.0.113.1"));
    }

    @Test
    void case36PrimaryWithoutIpv6GatewayAcceptsRa() throws Exception {
        listener().apply(router(R, false, gatewayV4Only()), HaState.PRIMARY);
        assertEquals(List.of(
                sysctl("net.ipv6.conf.all.forwarding=1"),
                sysctl("net.ipv6.conf." + QG + ".accept_ra=2"),
                sysctl("net.ipv6.conf." + QG + ".forwarding=1"),
                sysctl("net.ipv6.conf.all.forwarding=1")), commands);
    }

    @Test
    void case36Ipv6SubnetWithoutGatewayIpDoesNotCount() throws Exception {
        Port gw = port(GW_PORT, v4("203.0.113.0/24", "203.0.113.1"), v6("2001:db8:1::/64", null));
        listener().apply(router(R, false, gw), HaState.PRIMARY);
        assertEquals(sysctl("net.ipv6.conf." + QG + ".accept_ra=2"), commands.get(1));
    }

    @Test
    void case37PrimaryWithIpv6ExternalGatewayRejectsRa() throws Exception {
        Port gw = port(GW_PORT, v4("203.0.113.0/24", "203.0.113.1"), v6("2001:db8:1::/64", "2001:db8:1::1"));
        listener().apply(router(R, false, gw), HaState.PRIMARY);
        assertEquals(List.of(
                sysctl("net.ipv6.conf.all.forwarding=1"),
                sysctl("net.ipv6.conf." + QG + ".accept_ra=0"),
                sysctl("net.ipv6.conf." + QG + ".forwarding=1"),
                sysctl("net.ipv6.conf.all.forwarding=1")), commands);
    }

    @Test
    void case38Ipv6GatewayOptionRejectsRa() throws Exception {
        listener("ipv6_gateway", "fe80::1").apply(router(R, false, gatewayV4Only()), HaState.PRIMARY);
        assertEquals(List.of(
                sysctl("net.ipv6.conf.all.forwarding=1"),
                sysctl("net.ipv6.conf." + QG + ".accept_ra=0"),
                sysctl("net.ipv6.conf." + QG + ".forwarding=1"),
                sysctl("net.ipv6.conf.all.forwarding=1")), commands);
    }

    @Test
    void case39BackupDisablesGatewayOnlyAndNeverAllForwarding() throws Exception {
        listener().apply(router(R, false, gatewayV4Only()), HaState.BACKUP);
        assertEquals(List.of(
                sysctl("net.ipv6.conf." + QG + ".accept_ra=0"),
                sysctl("net.ipv6.conf." + QG + ".forwarding=0")), commands);
    }

    @Test
    void faultIsLikeBackup() throws Exception {
        listener().apply(router(R, false, gatewayV4Only()), HaState.FAULT);
        assertEquals(List.of(
                sysctl("net.ipv6.conf." + QG + ".accept_ra=0"),
                sysctl("net.ipv6.conf." + QG + ".forwarding=0")), commands);
    }

    @Test
    void case40NoGatewayPortOnlyAllForwarding() throws Exception {
        Ipv6Listener l = listener();
        l.apply(router(R, false, null), HaState.PRIMARY);
        assertEquals(List.of(sysctl("net.ipv6.conf.all.forwarding=1")), commands);
        commands.clear();
        l.apply(router(R, false, null), HaState.BACKUP);
        assertEquals(List.of(), commands, "backup without gateway port: nothing to set");
    }

    @Test
    void case41HostIpv6DisabledNoSysctlAtAll() throws Exception {
        hostIpv6.set(false);
        Ipv6Listener l = listener();
        l.apply(router(R, false, gatewayV4Only()), HaState.PRIMARY);
        l.apply(router(R, false, gatewayV4Only()), HaState.BACKUP);
        assertEquals(List.of(), commands);
        assertEquals(2L, l.counters().get("skipped_ipv6_disabled"));
        assertEquals(HealthResult.Status.OK, l.check().status());
        hostIpv6.set(true);
        l.apply(router(R, false, gatewayV4Only()), HaState.BACKUP);
        assertEquals(2, commands.size(), "enabled again: sysctls set");
    }

    @Test
    void rootHelperPrefixesEveryCommand() throws Exception {
        listener("root_helper", " sudo  -n ").apply(router(R, false, null), HaState.PRIMARY);
        assertEquals(List.of(List.of("sudo", "-n", "ip", "netns", "exec", NS, "sysctl", "-w",
                "net.ipv6.conf.all.forwarding=1")), commands);
    }

    @Test
    void distributedRouterUsesItsSnatNamespace() throws Exception {
        Files.createFile(netnsDir.resolve("snat-" + R));
        listener().apply(router(R, true, gatewayV4Only()), HaState.BACKUP);
        assertEquals(List.of(
                List.of("ip", "netns", "exec", "snat-" + R, "sysctl", "-w", "net.ipv6.conf." + QG + ".accept_ra=0"),
                List.of("ip", "netns", "exec", "snat-" + R, "sysctl", "-w", "net.ipv6.conf." + QG + ".forwarding=0")),
                commands);
    }

    @Test
    void upperCaseRouterIdIsNormalised() throws Exception {
        listener().apply(router(R.toUpperCase(), false, null), HaState.PRIMARY);
        assertEquals(List.of(sysctl("net.ipv6.conf.all.forwarding=1")), commands);
    }

    @Test
    void failingSysctlDoesNotStopTheOthersAndFailsTheApplyNamingRouterKeyAndError() {
        failing = c -> c.get(c.size() - 1).contains(".accept_ra=");
        Ipv6Listener l = listener();
        IOException e = assertThrows(IOException.class,
                () -> l.apply(router(R, false, gatewayV4Only()), HaState.PRIMARY));
        assertEquals(4, commands.size(), "every sysctl still attempted");
        assertEquals(sysctl("net.ipv6.conf.all.forwarding=1"), commands.get(3));
        String m = e.getMessage();
        assertTrue(m.contains(R), m);
        assertTrue(m.contains("net.ipv6.conf." + QG + ".accept_ra=2"), m);
        assertTrue(m.contains("1 of 4 failed"), m);
        assertTrue(m.contains("exit status 255") && m.contains("No such file or directory"), m);
        assertEquals(1L, l.counters().get("sysctl_failures"));
        assertEquals(1L, l.counters().get("failures"));
        assertEquals(HealthResult.Status.WARN, l.check().status());
        assertTrue(l.check().message().contains(R), l.check().message());
    }

    @Test
    void runnerExceptionIsCountedPerSysctlToo() {
        Ipv6Listener l = new Ipv6Listener(AgentConfigs.of(Map.of()), cmd -> {
            commands.add(cmd);
            throw new IOException("cannot run ip: No such file or directory");
        }, hostIpv6::get, netnsDir);
        IOException e = assertThrows(IOException.class, () -> l.apply(router(R, false, gatewayV4Only()), HaState.BACKUP));
        assertEquals(2, commands.size());
        assertTrue(e.getMessage().contains("2 of 2 failed") && e.getMessage().contains("cannot run ip"), e.getMessage());
    }

    @Test
    void recoveryClearsHealth() throws Exception {
        failing = c -> true;
        Ipv6Listener l = listener();
        Router r = router(R, false, gatewayV4Only());
        assertThrows(IOException.class, () -> l.apply(r, HaState.BACKUP));
        assertEquals(HealthResult.Status.WARN, l.check().status());
        failing = c -> false;
        l.apply(r, HaState.BACKUP);
        assertEquals(HealthResult.Status.OK, l.check().status());
        assertEquals(0L, l.counters().get("routers_failing"));
        assertEquals(1L, l.counters().get("applied"));
    }

    @Test
    void aRemovedRouterRunsNoCommandAndIsNoLongerNamedByTheHealthCheck() throws Exception {
        failing = c -> true;
        Ipv6Listener l = listener();
        assertThrows(IOException.class, () -> l.apply(router(R, false, gatewayV4Only()), HaState.PRIMARY));
        assertEquals(HealthResult.Status.WARN, l.check().status());
        commands.clear();
        l.remove(R.toUpperCase());
        assertEquals(List.of(), commands, "the sysctls go with the router's namespace");
        assertEquals(HealthResult.Status.OK, l.check().status(), l.check().message());
        assertEquals(0L, l.counters().get("routers_failing"));
    }

    @Test
    void missingNamespaceIsAClearErrorWithRouterId() {
        String other = "11111111-2222-4333-8444-555555555555";
        Ipv6Listener l = listener();
        IOException e = assertThrows(IOException.class, () -> l.apply(router(other, false, gatewayV4Only()), HaState.PRIMARY));
        assertTrue(e.getMessage().contains("router " + other), e.getMessage());
        assertTrue(e.getMessage().contains("namespace qrouter-" + other + " does not exist"), e.getMessage());
        assertEquals(List.of(), commands);
    }

    @Test
    void badGatewayPortIdIsRejectedBeforeAnyCommand() {
        Ipv6Listener l = listener();
        Router r = router(R, false, port("0b2c6e3a/../x", v4("203.0.113.0/24", "203.0.113.1")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.apply(r, HaState.PRIMARY));
        assertTrue(e.getMessage().contains(R), e.getMessage());
        assertEquals(List.of(), commands);
    }

    @Test
    void invalidIpv6GatewayIsRejectedNamingKeyAndValue() {
        ConfigException e = assertThrows(ConfigException.class, () -> listener("ipv6_gateway", "10.0.0.1"));
        assertTrue(e.getMessage().contains("ipv6_gateway='10.0.0.1'"), e.getMessage());
        assertThrows(ConfigException.class, () -> listener("ipv6_gateway", "fe80::zz"));
        assertThrows(ConfigException.class, () -> listener("ipv6_gateway", "router.example"));
        listener("ipv6_gateway", "fe80::1%qg-0b2c6e3a-11");
    }

    @Test
    void modifiedRejectsBadConfigAndKeepsLastGood() throws Exception {
        Ipv6Listener l = listener("ipv6_gateway", "fe80::1");
        l.modified(AgentConfigs.of(new HashMap<>(Map.of("ipv6_gateway", "nonsense"))));
        l.apply(router(R, false, gatewayV4Only()), HaState.PRIMARY);
        assertEquals(sysctl("net.ipv6.conf." + QG + ".accept_ra=0"), commands.get(1), "kept fe80::1");
        commands.clear();
        l.modified(AgentConfigs.of(new HashMap<>(Map.of("ipv6_gateway", "", "root_helper", "sudo"))));
        l.apply(router(R, false, gatewayV4Only()), HaState.PRIMARY);
        assertEquals(List.of("sudo", "ip", "netns", "exec", NS, "sysctl", "-w", "net.ipv6.conf." + QG + ".accept_ra=2"),
                commands.get(1), "new good config taken");
    }

    @Test
    void invalidOtherAgentKeyFailsActivationWithKeyAndValue() {
        ConfigException e = assertThrows(ConfigException.class, () -> listener("metadata_port", "0"));
        assertTrue(e.getMessage().contains("metadata_port='0'"), e.getMessage());
    }

    @Test
    void deactivateNeverThrowsAndIsIdempotent() {
        Ipv6Listener l = listener();
        l.deactivate();
        l.deactivate();
    }
}
