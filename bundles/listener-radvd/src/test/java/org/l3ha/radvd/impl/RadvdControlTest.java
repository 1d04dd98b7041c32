package org.l3ha.radvd.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.common.testing.TestRouters.port;
import static org.l3ha.common.testing.TestRouters.ra;
import static org.l3ha.common.testing.TestRouters.router;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.common.Counters;
import org.l3ha.common.testing.TestRouters.TestRouter;

/** One router's radvd and files, and what is remembered per router, without the DS component. */
class RadvdControlTest {

    @TempDir
    Path dir;

    String id;
    TestRouter router;
    RadvdSettings settings;
    FakeProcessManager pm;
    Counters counters;
    AtomicReference<RadvdUser> user;
    RadvdControl control;

    @BeforeEach
    void setUp() throws IOException {
        id = UUID.randomUUID().toString();
        router = router(id, port(UUID.randomUUID().toString(), 1500, ra("2001:db8:1::/64", "slaac", "2001:db8::53")));
        settings = RadvdDaemonTest.settings("state_path", dir.toString());
        pm = new FakeProcessManager();
        counters = new Counters();
        user = new AtomicReference<>(new RadvdUser("neutron", null));
        control = new RadvdControl("radvd", user::get, counters);
        control.scanOtherFiles(Files.createDirectories(settings.raConfs()));
    }

    @Test
    void itsCountersExistAtZeroInTheListenersCounters() {
        assertEquals(Map.of("config_writes", 0L, "disables", 0L, "enables", 0L, "keepalived_down", 0L, "no_ipv6", 0L,
                "reload_requests", 0L), counters.snapshot());
    }

    @Test
    void theAccountIsReadWhenTheSpecIsBuilt() throws Exception {
        control.primary(pm, settings, router, id);
        user.set(new RadvdUser(null, null));
        control.primary(pm, settings, router, id);

        List<FakeProcessManager.Call> enables = pm.calls("enable");
        assertTrue(enables.get(0).spec().command().contains("neutron"));
        assertFalse(enables.get(1).spec().command().contains("-u"), "root: no -u");
    }

    @Test
    void anAccountProblemStopsThePrimaryBeforeAnyFileIsWritten() {
        user.set(new RadvdUser(null, "radvd_user 'x' cannot be resolved"));

        IOException e = assertThrows(IOException.class, () -> control.primary(pm, settings, router, id));

        assertEquals("radvd for router " + id + " not started: radvd_user 'x' cannot be resolved", e.getMessage());
        assertFalse(Files.exists(settings.configFile(id)));
        assertTrue(pm.calls.isEmpty());
    }

    @Test
    void aReloadStaysPendingUntilAnEnableSucceedsOrItIsDropped() throws Exception {
        pm.failEnable = new IOException("no namespace");
        IOException e = assertThrows(IOException.class, () -> control.primary(pm, settings, router, id));
        assertEquals("radvd for router " + id + ": no namespace", e.getMessage(), "the router is named");
        assertTrue(control.daemon(id).isEmpty(), "a failed enable is not remembered");

        pm.failEnable = null;
        control.primary(pm, settings, router, id);
        assertTrue(pm.calls("enable").get(1).reload(), "the file was written before: radvd still has to get it");

        pm.failEnable = new IOException("again " + id);
        router = router(id, port(UUID.randomUUID().toString(), 1500, ra("2001:db8:2::/64", "slaac", "2001:db8::53")));
        IOException named = assertThrows(IOException.class, () -> control.primary(pm, settings, router, id));
        assertEquals("again " + id, named.getMessage(), "a message naming the router is kept");
        control.dropPendingReload(id);
        pm.failEnable = null;
        control.primary(pm, settings, router, id);
        assertFalse(pm.calls("enable").get(3).reload(), "dropped: the unchanged file needs no reload");
        assertEquals(2L, counters.get("enables"));
        assertEquals(1L, counters.get("reload_requests"));
        assertEquals(2L, counters.get("config_writes"));
    }

    @Test
    void whatWasEnabledIsGivenForTheRouterUntilDisabledOrForgotten() throws Exception {
        control.primary(pm, settings, router, id);
        assertSame(pm.calls("enable").get(0).spec(), control.daemon(id).orElseThrow());
        assertSame(control.daemon(id).orElseThrow(), control.daemon(id.toUpperCase()).orElseThrow());
        assertTrue(control.daemon("not-a-router").isEmpty());

        control.forget(id);
        assertTrue(control.daemon(id).isEmpty());
        assertTrue(pm.calls("disable").isEmpty(), "forgetting stops nothing");

        control.primary(pm, settings, router, id);
        control.disable(pm, settings, id, "backup");
        assertTrue(control.daemon(id).isEmpty());
        assertFalse(Files.exists(settings.configFile(id)));
        assertEquals(1L, counters.get("disables"));
    }

    @Test
    void otherFilesOfARouterAreRemovedWithItsRadvdOnlyWhenFoundByTheScan() throws Exception {
        Path other = settings.raConfs().resolve(id + ".radvd.conf.bak");
        Files.writeString(other, "old");
        control.disable(pm, settings, id, "backup");
        assertTrue(Files.exists(other), "not there when the directory was scanned");

        control.scanOtherFiles(settings.raConfs());
        control.disable(pm, settings, id, "backup");
        assertFalse(Files.exists(other));

        Files.writeString(other, "new");
        control.disable(pm, settings, id, "backup");
        assertTrue(Files.exists(other), "swept once: the router is no longer searched for");
    }
}
