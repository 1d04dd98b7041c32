package org.l3ha.metadata.impl;

import org.l3ha.common.testing.AgentConfigs;
import org.l3ha.common.testing.Daemons;
import org.l3ha.common.testing.TestRouters;

import org.l3ha.common.DaemonAccount;
import org.l3ha.common.HostIpv6;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.common.testing.TestRouters.router;
import static org.l3ha.common.testing.TestRouters.uuid;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.DaemonSpec;
import org.l3ha.api.HaState;
import org.l3ha.api.Router;
import org.l3ha.common.testing.Exec;
import org.l3ha.common.testing.MetadataBackend;
import org.l3ha.common.testing.Netns;
import org.l3ha.process.impl.ProcessManagerFixture;

/**
 * The listener with the real process manager and a real haproxy in a real
 * {@code qrouter-<random id>} namespace (needs root and haproxy), in front of a test backend on
 * the metadata unix socket; requests are made with curl from inside the namespace.
 */
class MetadataProxyNamespaceTest {

    static final int PORT = 9697;

    @TempDir
    Path state;

    final Netns netns = new Netns();
    String routerId;
    String ns;
    Router router;
    ProcessManagerFixture processes;
    MetadataBackend backend;
    MetadataProxyListener listener;
    Path conf;
    Path pidFile;
    DaemonSpec daemon;

    @BeforeEach
    void setUp() throws IOException {
        routerId = uuid();
        ns = netns.addRouterNamespace(routerId);
        router = router(routerId, false, null);
        // a Neutron node: state_path belongs to the neutron account (here nobody), whose metadata
        // agent's socket only that account may connect to (Neutron's default mode 0644)
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
        UserPrincipalLookupService users = state.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(state, users.lookupPrincipalByName("nobody"));
        processes = new ProcessManagerFixture(props("check_child_processes_interval", "1"));
        backend = new MetadataBackend(state.resolve("metadata_proxy"));
        Files.setOwner(state.resolve("metadata_proxy"), users.lookupPrincipalByName("nobody"));
        Files.setPosixFilePermissions(state.resolve("metadata_proxy"), PosixFilePermissions.fromString("rw-r--r--"));
        listener = listener(MetadataProxyListener.HAPROXY);
        conf = state.resolve("ns-metadata-proxy/" + routerId + ".conf");
        pidFile = state.resolve("external/pids/" + routerId + ".pid.haproxy");
        daemon = HaproxyDaemon.of(routerId, ns, MetadataProxyListener.HAPROXY, conf, pidFile, null);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (listener != null) {
                listener.deactivate();
            }
            if (processes != null) {
                processes.close(); // the monitor first, or it respawns what the cleanup kills
            }
        } finally {
            netns.close(); // kills anything left in the namespace by pid, deletes it
            if (backend != null) {
                backend.close();
            }
        }
        assertFalse(Exec.ok("ip", "netns", "list").contains(routerId), "namespace left behind");
    }

    Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("state_path", state.toString());
        m.put("metadata_port", String.valueOf(PORT));
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    MetadataProxyListener listener(String haproxy) {
        MetadataProxyListener l = new MetadataProxyListener(AgentConfigs.of(props()), haproxy, HostIpv6.SYSTEM,
                MetadataProxyListener.NETNS_DIR, (user, group, statePath) -> DaemonAccount.resolve(user, group,
                        statePath, DaemonAccount.Databases.SYSTEM));
        l.bindProcessManager(processes.manager());
        return l;
    }

    /** curl from inside the namespace, with a client-supplied X-Neutron-Network-ID haproxy must drop. */
    String curl(String url) throws IOException {
        return netns.exec(ns, "curl", "-s", "-S", "--max-time", "10", "-H", "X-Neutron-Network-ID: spoofed", url);
    }

    long pid() {
        OptionalLong pid = processes.manager().pid(daemon);
        assertTrue(pid.isPresent(), "haproxy for " + routerId + " is not active");
        return pid.getAsLong();
    }

    /** @return whether {@code pid} runs (a zombie waiting for init to reap it does not) */
    static boolean running(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return false;
        }
        char st = stat.charAt(stat.lastIndexOf(')') + 2);
        return st != 'Z' && st != 'X';
    }

    void assertServedWithRouterHeader(String url) throws IOException {
        int before = backend.requests().size();
        assertEquals(MetadataBackend.body(routerId), curl(url));
        assertEquals(before + 1, backend.requests().size());
        MetadataBackend.Request req = backend.requests().get(before);
        assertEquals("GET /latest/meta-data/ HTTP/1.1", req.line());
        assertEquals(List.of(routerId), req.header("X-Neutron-Router-ID"));
        assertEquals(List.of(), req.header("X-Neutron-Network-ID"), "client-supplied header must be removed");
        assertEquals(1, req.header("X-Forwarded-For").size(), "option forwardfor");
    }

    @Test
    void primaryServesMetadataWithRouterHeaderThenBackupStopsIt() throws Exception {
        listener.apply(router, HaState.PRIMARY);

        long pid = pid();
        assertEquals(Long.toString(pid), Files.readString(pidFile).strip());
        assertEquals(ns, Exec.ok("ip", "netns", "identify", Long.toString(pid)).strip());
        String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8).replace('\0', ' ');
        assertEquals("haproxy -f " + conf + " ", cmdline);
        String environ = Files.readString(Path.of("/proc/" + pid + "/environ"), StandardCharsets.UTF_8);
        assertTrue(List.of(environ.split("\0")).contains("PROCESS_TAG=haproxy-" + routerId), "PROCESS_TAG");
        String text = Files.readString(conf);
        assertTrue(text.contains("    bind :::" + PORT + "\n"), text);
        assertTrue(text.contains("    pidfile     " + pidFile + "\n"), text);
        assertEquals(1L, processes.counters().get("monitored"), "registered with the monitor");
        Daemons.awaitUid(pid, "65534", Duration.ofSeconds(30)); // never root: it drops after its pid file
        assertTrue(text.contains("    user        nobody\n"), text);

        assertServedWithRouterHeader("http://[::1]:" + PORT + "/latest/meta-data/");
        assertServedWithRouterHeader("http://127.0.0.1:" + PORT + "/latest/meta-data/");

        listener.apply(router, HaState.PRIMARY); // idempotent: same pid, no restart
        assertEquals(pid, pid());

        listener.apply(router, HaState.BACKUP);
        assertFalse(running(pid), "haproxy still running");
        assertFalse(Files.exists(conf), "config not removed");
        assertFalse(Files.exists(pidFile), "pid file not removed");
        assertEquals(0L, processes.counters().get("monitored"), "unregistered from the monitor");
        assertEquals(List.of(), netns.pids(ns), "nothing left in the namespace");
    }

    /** The router leaves the node while primary: haproxy is stopped for good and its files are gone. */
    @Test
    void aRemovedRoutersHaproxyIsStoppedAndItsFilesRemoved() throws Exception {
        listener.apply(router, HaState.PRIMARY);
        long pid = pid();
        assertServedWithRouterHeader("http://127.0.0.1:" + PORT + "/latest/meta-data/");
        assertEquals(1L, processes.counters().get("monitored"));

        listener.remove(routerId);

        assertFalse(running(pid), "haproxy still running");
        assertFalse(Files.exists(conf), "config not removed");
        assertFalse(Files.exists(pidFile), "pid file not removed");
        assertEquals(0L, processes.counters().get("monitored"), "unregistered: the monitor does not bring it back");
        assertTrue(listener.daemon(routerId).isEmpty(), "and no new process manager rebuilds it");
        assertEquals(List.of(), netns.pids(ns), "nothing left in the namespace");
        assertEquals(1L, listener.counters().get("removals"));
    }

    @Test
    void killedHaproxyIsRespawnedByTheMonitor() throws Exception {
        listener.apply(router, HaState.PRIMARY);
        long first = pid();
        Exec.ok("kill", "-9", Long.toString(first));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> processes.manager().pid(daemon).orElse(first) != first);
        long second = pid();
        assertNotEquals(first, second);
        assertEquals(ns, Exec.ok("ip", "netns", "identify", Long.toString(second)).strip());
        assertServedWithRouterHeader("http://127.0.0.1:" + PORT + "/latest/meta-data/");
        // the new pid shows in the pid file before the monitor counts its respawn
        await("the respawn counted").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> processes.counters().get("respawns") >= 1L);
        assertEquals(1L, processes.counters().get("respawns"), "one respawn for one kill");
    }

    @Test
    void changedConfigRestartsHaproxyWithIt() throws Exception {
        listener.apply(router, HaState.PRIMARY);
        long first = pid();
        listener.modified(AgentConfigs.of(props("metadata_port", String.valueOf(PORT + 1))));
        listener.apply(router, HaState.PRIMARY);
        long second = pid();
        assertNotEquals(first, second);
        assertFalse(running(first), "the old haproxy still runs");
        assertServedWithRouterHeader("http://[::1]:" + (PORT + 1) + "/latest/meta-data/");
    }

    @Test
    void missingHaproxyBinaryIsAClearErrorWithRouterId() {
        MetadataProxyListener l = listener("/nonexistent/l3ha-test/haproxy");
        IOException e;
        try {
            e = assertThrows(IOException.class, () -> l.apply(router, HaState.PRIMARY));
        } finally {
            l.deactivate();
        }
        String m = e.getMessage();
        assertTrue(m.contains("router " + routerId + " not started"), m);
        assertTrue(m.contains("/nonexistent/l3ha-test/haproxy") && m.contains("No such file or directory"), m);
        assertFalse(Files.exists(pidFile));
        assertEquals(0L, processes.counters().get("monitored"), "a failed start is not monitored");
    }

    @Test
    void missingNamespaceIsAClearError() {
        String absent = uuid();
        IOException e = assertThrows(IOException.class, () -> listener.apply(router(absent, false, null), HaState.PRIMARY));
        assertTrue(e.getMessage().contains("router " + absent), e.getMessage());
        assertTrue(e.getMessage().contains("namespace qrouter-" + absent + " does not exist"), e.getMessage());
    }
}
