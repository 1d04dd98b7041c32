package org.l3ha.ipv6.impl;

import org.l3ha.common.testing.AgentConfigs;
import org.l3ha.common.testing.TestRouters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.common.testing.TestRouters.port;
import static org.l3ha.common.testing.TestRouters.router;
import static org.l3ha.common.testing.TestRouters.uuid;
import static org.l3ha.common.testing.TestRouters.v4;

import java.io.IOException;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.l3ha.api.HaState;
import org.l3ha.api.Router;
import org.l3ha.common.Devices;
import org.l3ha.common.testing.Exec;
import org.l3ha.common.testing.Netns;

/**
 * The listener against a real {@code qrouter-<random id>} namespace (needs root) whose gateway
 * device {@code qg-…} is a veth to a test-prefixed peer namespace; sysctls are read back with
 * {@code ip netns exec … sysctl -n}.
 */
class Ipv6NamespaceTest {

    final Netns netns = new Netns();
    String routerId;
    String ns;
    String peer;
    String qg;
    Router router;
    Ipv6Listener listener;

    @BeforeEach
    void setUp() throws IOException {
        routerId = uuid();
        String gwPort = uuid();
        qg = Devices.gateway(gwPort);
        ns = netns.addRouterNamespace(routerId);
        peer = netns.addTestNamespace();
        netns.veth(ns, qg, peer, "tp-" + gwPort.substring(0, 8));
        router = router(routerId, false, port(gwPort, v4("203.0.113.0/24", "203.0.113.1")));
        listener = new Ipv6Listener(AgentConfigs.of(Map.of()));
        // a state Neutron's backup would not leave, so every value below must be written by the listener
        sysctlW("net.ipv6.conf.all.forwarding=0");
        sysctlW("net.ipv6.conf." + qg + ".accept_ra=1");
        sysctlW("net.ipv6.conf." + qg + ".forwarding=0");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (listener != null) {
            listener.deactivate();
        }
        netns.close();
        String left = Exec.ok("ip", "netns", "list");
        assertFalse(left.contains(routerId), "router namespace left: " + left);
        assertFalse(peer != null && left.contains(peer), "peer namespace left: " + left);
    }

    private void sysctlW(String arg) throws IOException {
        netns.exec(ns, "sysctl", "-q", "-w", arg);
    }

    private String read(String key) throws IOException {
        return netns.exec(ns, "sysctl", "-n", key).strip();
    }

    @Test
    void primaryThenBackupReadBack() throws Exception {
        listener.apply(router, HaState.PRIMARY);
        assertEquals("2", read("net.ipv6.conf." + qg + ".accept_ra"));
        assertEquals("1", read("net.ipv6.conf." + qg + ".forwarding"));
        assertEquals("1", read("net.ipv6.conf.all.forwarding"));

        listener.apply(router, HaState.BACKUP);
        assertEquals("0", read("net.ipv6.conf." + qg + ".accept_ra"));
        assertEquals("0", read("net.ipv6.conf." + qg + ".forwarding"));
        assertEquals("1", read("net.ipv6.conf.all.forwarding"), "case 39: all.forwarding never set back to 0");
        assertEquals(2L, listener.counters().get("applied"));
        assertEquals(0L, listener.counters().get("sysctl_failures"));
    }

    @Test
    void ipv6GatewayOptionKeepsRaOffOnPrimary() throws Exception {
        listener.modified(AgentConfigs.of(Map.of("ipv6_gateway", "fe80::1")));
        listener.apply(router, HaState.PRIMARY);
        assertEquals("0", read("net.ipv6.conf." + qg + ".accept_ra"));
        assertEquals("1", read("net.ipv6.conf." + qg + ".forwarding"));
        assertEquals("1", read("net.ipv6.conf.all.forwarding"));
    }

    @Test
    void missingGatewayDeviceFailsNamingKeysButSetsTheRest() throws Exception {
        Router noDevice = router(routerId, false, port(uuid(), v4("198.51.100.0/24", "198.51.100.1")));
        String missing = Devices.gateway(noDevice.gatewayPort().orElseThrow().id());
        IOException e = assertThrows(IOException.class, () -> listener.apply(noDevice, HaState.PRIMARY));
        String m = e.getMessage();
        assertTrue(m.contains(routerId), m);
        assertTrue(m.contains("net.ipv6.conf." + missing + ".accept_ra=2"), m);
        assertTrue(m.contains("net.ipv6.conf." + missing + ".forwarding=1"), m);
        assertTrue(m.contains("2 of 4 failed"), m);
        assertEquals("1", read("net.ipv6.conf.all.forwarding"), "the other sysctls were applied");
    }

    @Test
    void missingNamespaceIsAClearError() {
        String absent = uuid();
        IOException e = assertThrows(IOException.class,
                () -> listener.apply(router(absent, false, null), HaState.PRIMARY));
        assertTrue(e.getMessage().contains("router " + absent), e.getMessage());
        assertTrue(e.getMessage().contains("qrouter-" + absent + " does not exist"), e.getMessage());
    }
}
