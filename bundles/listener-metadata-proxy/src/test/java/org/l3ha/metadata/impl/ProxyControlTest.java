package org.l3ha.metadata.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.common.Counters;
import org.l3ha.common.DaemonAccount;
import org.l3ha.common.testing.AgentConfigs;
import org.l3ha.metadata.impl.MetadataProxyListenerTest.FakeProcessManager;

/** One router's haproxy and configuration, and what is remembered per router, without the DS component. */
class ProxyControlTest {

    static final String R = MetadataProxyListenerTest.R;

    @TempDir
    Path dir;
    Path netnsDir;
    MetadataSettings settings;
    final FakeProcessManager pm = new FakeProcessManager();
    final Counters counters = new Counters();
    final AtomicReference<HaproxyIdentity> identity =
            new AtomicReference<>(new HaproxyIdentity(new DaemonAccount("neutron", "neutron"), null));
    ProxyControl control;

    @BeforeEach
    void setUp() throws IOException {
        netnsDir = Files.createDirectories(dir.resolve("netns"));
        Files.createFile(netnsDir.resolve(MetadataProxyListenerTest.NS));
        settings = MetadataSettings.of(AgentConfigs.of(Map.of("state_path", dir.resolve("state").toString())));
        control = new ProxyControl("haproxy", () -> true, netnsDir, identity::get, counters);
    }

    @Test
    void itsCountersExistAtZeroInTheListenersCounters() {
        assertEquals(Map.of("restarted_config_changed", 0L, "started", 0L, "stopped", 0L), counters.snapshot());
    }

    @Test
    void theAccountIsReadAtEachStartAndAChangedOneRestartsHaproxy() throws Exception {
        control.start(pm, settings, R);
        identity.set(new HaproxyIdentity(new DaemonAccount("nobody", "nogroup"), null));
        control.start(pm, settings, R);

        assertEquals(List.of("enable", "disable", "enable"), pm.ops());
        assertTrue(Files.readString(settings.confFile(R)).contains("    user        nobody\n"));
        assertEquals(2L, counters.get("started"));
        assertEquals(1L, counters.get("restarted_config_changed"));
    }

    @Test
    void noAccountOrNoNamespaceStartsNothing() throws Exception {
        identity.set(new HaproxyIdentity(null, "cannot tell"));
        IOException e = assertThrows(IOException.class, () -> control.start(pm, settings, R));
        assertEquals("Metadata proxy for router " + R + " not started: cannot tell", e.getMessage());

        Files.delete(netnsDir.resolve(MetadataProxyListenerTest.NS));
        e = assertThrows(IOException.class, () -> control.start(pm, settings, R));
        assertEquals("Metadata proxy for router " + R + " not started: namespace " + MetadataProxyListenerTest.NS
                + " does not exist", e.getMessage());
        assertTrue(pm.calls.isEmpty());
        assertFalse(Files.exists(settings.confFile(R)));
    }

    @Test
    void aLinkInPlaceOfTheConfigurationIsReplacedNotFollowed() throws Exception {
        Path target = Files.writeString(dir.resolve("elsewhere"), "not haproxy's");
        Files.createDirectories(settings.confFile(R).getParent());
        Files.createSymbolicLink(settings.confFile(R), target);

        control.start(pm, settings, R);

        assertEquals("not haproxy's", Files.readString(target));
        assertFalse(Files.isSymbolicLink(settings.confFile(R)));
        assertSame(pm.calls.get(pm.calls.size() - 1).spec(), control.daemon(R).orElseThrow());
    }

    @Test
    void whatWasStartedIsGivenForTheRouterUntilStoppedOrForgotten() throws Exception {
        control.start(pm, settings, R);
        assertSame(pm.calls.get(0).spec(), control.daemon(R).orElseThrow());
        assertTrue(control.daemon("not-a-router").isEmpty());

        control.forget(R);
        assertTrue(control.daemon(R).isEmpty());
        assertEquals(List.of("enable"), pm.ops(), "forgetting stops nothing");

        control.start(pm, settings, R);
        control.stop(pm, settings, R);
        assertTrue(control.daemon(R).isEmpty());
        assertFalse(Files.exists(settings.confFile(R)));
        assertEquals(1L, counters.get("stopped"));
    }

    @Test
    void aFailedStopIsNamedAndKeepsTheConfiguration() throws Exception {
        control.start(pm, settings, R);
        pm.disableFailure = new IOException("still running");

        IOException e = assertThrows(IOException.class, () -> control.stop(pm, settings, R));

        assertEquals("Metadata proxy for router " + R + " not stopped: still running", e.getMessage());
        assertTrue(Files.exists(settings.confFile(R)));
        assertTrue(control.daemon(R).isEmpty(), "not given to a new process manager either way");
        assertEquals(0L, counters.get("stopped"));
    }
}
