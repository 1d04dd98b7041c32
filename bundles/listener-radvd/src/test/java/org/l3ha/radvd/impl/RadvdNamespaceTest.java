package org.l3ha.radvd.impl;

import org.l3ha.common.testing.AgentConfigs;
import org.l3ha.common.testing.Daemons;
import org.l3ha.common.testing.TestRouters;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.common.testing.TestRouters.port;
import static org.l3ha.common.testing.TestRouters.router;
import static org.l3ha.common.testing.TestRouters.ra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;
import org.l3ha.common.DaemonAccount;
import org.l3ha.api.HealthResult;
import org.l3ha.common.Devices;
import org.l3ha.common.testing.Exec;
import org.l3ha.common.testing.Netns;
import org.l3ha.process.impl.NamespaceProcessManager;
import org.l3ha.process.impl.ProcessManagerFixture;
import org.l3ha.common.testing.TestRouters.TestPort;
import org.l3ha.common.testing.TestRouters.TestRouter;

/**
 * The listener with the real process manager, real radvd in a real {@code qrouter-<id>} namespace
 * and a real {@code rdisc6} in a peer namespace (root needed): docs/behaviour.md §10 cases 45–47, 55, 57,
 * the missing namespace and binary, and a swap of both bundles' components while primary.
 *
 * <p>Per test: a random router id and its namespace {@code qrouter-<id>} with a {@code qr-…} veth
 * carrying the subnet's gateway address {@code 2001:db8:1::1/64}, whose peer is in a client
 * namespace {@code l3ha-test-…}; state_path in a temp dir; the process monitor checks every second.
 * After each test, even a failed one: the process managers are deactivated (no respawn), the
 * namespaces deleted with everything running inside ({@link Netns#close}), processes the test
 * started killed by pid, and no process whose command line carries the router id may be left.
 */
class RadvdNamespaceTest {

    /** One monitor interval (1 s) plus the time to start radvd on a busy machine. */
    static final Duration ONE_INTERVAL = Duration.ofSeconds(3);
    static final Duration WAIT = Duration.ofSeconds(15);
    static final String GATEWAY = "2001:db8:1::1/64";

    @TempDir
    Path dir;

    final Netns netns = new Netns();
    final List<ProcessManagerFixture> managers = new ArrayList<>();
    final List<Process> unrelated = new ArrayList<>();
    String id;
    String ns;
    String client;
    String qr;
    String peer;
    TestPort port;
    TestRouter router;

    @BeforeEach
    void createNamespaces() throws Exception {
        id = UUID.randomUUID().toString();
        String portId = UUID.randomUUID().toString();
        qr = Devices.internal(portId);
        peer = "cl-" + portId.substring(0, 11);
        ns = netns.addRouterNamespace(id);
        client = netns.addTestNamespace();
        for (String n : List.of(ns, client)) {
            // addresses usable at once (no duplicate address detection), link-local included
            netns.exec(n, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0");
        }
        netns.veth(ns, qr, client, peer);
        netns.exec(ns, "ip", "-6", "addr", "add", GATEWAY, "dev", qr, "nodad");
        // the kernel adds link-local addresses once it has seen the carrier (up to a second later)
        await().atMost(WAIT).until(() -> hasLinkLocal(ns, qr) && hasLinkLocal(client, peer));
        port = port(portId, 1450, ra("2001:db8:1::/64", "slaac",
                "2001:db8::53", "2001:db8::54", "2001:db8::55", "2001:db8::56"));
        router = router(id, port);
    }

    @AfterEach
    void cleanUp() throws Exception {
        List<Long> leftovers;
        try {
            managers.forEach(ProcessManagerFixture::close); // no respawn from here on
        } finally {
            netns.close(); // kills what runs inside the namespaces, by pid, and deletes them
            for (Process p : unrelated) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            leftovers = awaitNoneCarrying(id);
            for (long pid : leftovers) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        String list = Exec.ok("ip", "netns", "list");
        assertFalse(list.contains(ns) || list.contains(client), "namespaces left: " + list);
        assertEquals(List.of(), leftovers, "processes of router " + id + " left running");
    }

    /** @return the processes still carrying {@code text} after waiting up to 5 s for them to die */
    static List<Long> awaitNoneCarrying(String text) throws IOException {
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> livePidsCarrying(text).isEmpty());
        } catch (ConditionTimeoutException e) {
            // reported by the caller
        }
        return livePidsCarrying(text);
    }

    Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("state_path", dir.toString());
        m.put("check_child_processes_interval", "1");
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    NamespaceProcessManager processManager() {
        ProcessManagerFixture f = new ProcessManagerFixture(props());
        managers.add(f);
        return f.manager();
    }

    /** The listener as DS would wire it: activated with the configuration, then bound to {@code pm}. */
    static RadvdListener listener(Map<String, Object> props, NamespaceProcessManager pm) {
        RadvdListener l = new RadvdListener(AgentConfigs.of(props), RadvdListener.RADVD_BINARY, DaemonAccount.Databases.SYSTEM);
        l.bindProcessManager(pm);
        return l;
    }

    Path pidFile() {
        return dir.resolve("external/pids").resolve(id + ".pid.radvd");
    }

    Path confFile() {
        return dir.resolve("ra").resolve(id + ".radvd.conf");
    }

    /** @return the pid in radvd's pid file once it names a live radvd of this router */
    long radvdPid() {
        await().atMost(WAIT).until(() -> isRadvd(pidIn(pidFile())));
        return pidIn(pidFile());
    }

    boolean isRadvd(long pid) {
        return pid > 0 && alive(pid) && cmdline(pid).contains(id) && cmdline(pid).startsWith("radvd ");
    }

    @Test
    void case45_primaryRunsRadvdInTheNamespaceAPeerLearnsThePrefixAndBackupStopsIt() throws Exception {
        NamespaceProcessManager pm = processManager();
        RadvdListener listener = listener(props(), pm);

        listener.apply(router, HaState.PRIMARY);

        long pid = radvdPid();
        assertEquals(ns, Exec.ok("ip", "netns", "identify", Long.toString(pid)).strip(), "radvd runs in " + ns);
        assertEquals("radvd -C " + confFile() + " -p " + pidFile() + " -m syslog -u nobody", cmdline(pid),
                "radvd_user empty, l3ha root, state_path root's: radvd drops to nobody, never stays root");
        Daemons.awaitUid(pid, "65534", Duration.ofSeconds(30)); // never root: it drops after its pid file
        assertTrue(environ(pid).contains("PROCESS_TAG=radvd-" + id), "PROCESS_TAG in radvd's environment");
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(confFile())));
        assertEquals(RadvdConfFile.render(router.interfaces(), 30, 100), Files.readString(confFile()));

        String ra = solicit();
        assertTrue(has(ra, "Prefix", "2001:db8:1::/64"), ra);
        assertTrue(has(ra, "Autonomous address conf.", "Yes"), ra);
        for (String dns : List.of("2001:db8::53", "2001:db8::54", "2001:db8::55")) {
            assertTrue(has(ra, "Recursive DNS server", dns), dns + " in\n" + ra);
        }
        assertFalse(ra.contains("2001:db8::56"), "only the first three DNS servers");
        assertTrue(has(ra, "MTU", "1450 bytes"), ra);
        assertTrue(has(ra, "Route", "fe80::a9fe:a9fe/128"), ra);
        assertEquals(1L, pm.counters().get("spawned"));

        // the same primary again: same radvd, no SIGHUP
        listener.apply(router, HaState.PRIMARY);
        assertEquals(pid, pidIn(pidFile()));
        assertEquals(0L, pm.counters().get("reloads"));
        assertEquals(1L, pm.counters().get("spawned"));

        // a new subnet: the configuration changes and radvd is reloaded, keeping its pid
        TestRouter more = router(id, port.with(ra("2001:db8:2::/64", "dhcpv6-stateful")));
        listener.apply(more, HaState.PRIMARY);
        assertEquals(1L, pm.counters().get("reloads"));
        assertEquals(pid, pidIn(pidFile()));
        await().atMost(WAIT).until(() -> has(solicit(), "Prefix", "2001:db8:2::/64"));
        assertTrue(has(solicit(), "Stateful address conf.", "Yes"), "AdvManagedFlag after the reload");

        listener.apply(more, HaState.BACKUP);

        await().atMost(WAIT).until(() -> !alive(pid));
        assertFalse(Files.exists(pidFile()), "pid file removed");
        assertEquals(List.of(), routerFiles(dir.resolve("ra")), "configuration removed");
        assertEquals(0L, pm.counters().get("monitored"), "unregistered from the monitor");
        assertEquals(List.of(), livePidsCarrying(id));
        assertFalse(answers(), "no router advertisement any more");

        listener.apply(more, HaState.BACKUP);
        assertEquals(HealthResult.Status.OK, listener.check().status());
    }

    /** The router leaves the node while primary: radvd is stopped for good and its files are gone. */
    @Test
    void aRemovedRoutersRadvdIsStoppedAndItsFilesRemoved() throws Exception {
        NamespaceProcessManager pm = processManager();
        RadvdListener listener = listener(props(), pm);
        listener.apply(router, HaState.PRIMARY);
        long pid = radvdPid();
        assertTrue(has(solicit(), "Prefix", "2001:db8:1::/64"));
        assertEquals(1L, pm.counters().get("monitored"));

        listener.remove(id);

        await().atMost(WAIT).until(() -> !alive(pid));
        assertFalse(Files.exists(pidFile()), "pid file removed");
        assertEquals(List.of(), routerFiles(dir.resolve("ra")), "configuration removed");
        assertEquals(0L, pm.counters().get("monitored"), "unregistered: the monitor does not bring it back");
        assertTrue(listener.daemon(id).isEmpty(), "and no new process manager rebuilds it");
        assertEquals(List.of(), radvdPidsOfRouter());
        assertFalse(answers(), "no router advertisement any more");
        assertEquals(HealthResult.Status.OK, listener.check().status());
    }

    @Test
    void case55_57_theMonitorRespawnsAKilledRadvdAndIsNotFooledByAnUnrelatedPid() throws Exception {
        NamespaceProcessManager pm = processManager();
        RadvdListener listener = listener(props(), pm);
        listener.apply(router, HaState.PRIMARY);
        long first = radvdPid();

        kill9(first);
        await().atMost(ONE_INTERVAL).until(() -> {
            long p = pidIn(pidFile());
            return p != first && isRadvd(p);
        });
        long second = pidIn(pidFile());
        assertEquals(ns, Exec.ok("ip", "netns", "identify", Long.toString(second)).strip());

        Process stranger = new ProcessBuilder("sleep", "1000").start();
        unrelated.add(stranger);
        Path tmp = pidFile().resolveSibling("stranger.tmp");
        Files.writeString(tmp, stranger.pid() + "\n");
        Files.move(tmp, pidFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        kill9(second);

        await().atMost(ONE_INTERVAL).until(() -> {
            long p = pidIn(pidFile());
            return p != stranger.pid() && p != second && isRadvd(p);
        });
        long third = pidIn(pidFile());
        assertTrue(stranger.isAlive(), "the unrelated process was not killed");
        assertEquals(ns, Exec.ok("ip", "netns", "identify", Long.toString(third)).strip());
        assertEquals(List.of(third), radvdPidsOfRouter(), "exactly one radvd");
        assertTrue(has(solicit(), "Prefix", "2001:db8:1::/64"), "the respawned radvd advertises");

        listener.apply(router, HaState.BACKUP);
        await().atMost(WAIT).until(() -> !alive(third));
        assertTrue(stranger.isAlive());
    }

    @Test
    void aMissingNamespaceIsAClearErrorNamingTheRouterAndBackupCleansUp() throws Exception {
        NamespaceProcessManager pm = processManager();
        RadvdListener listener = listener(props(), pm);
        String nowhere = UUID.randomUUID().toString();
        TestRouter lost = router(nowhere, port);

        IOException e = assertThrows(IOException.class, () -> listener.apply(lost, HaState.PRIMARY));

        assertTrue(e.getMessage().contains(nowhere) && e.getMessage().contains("qrouter-" + nowhere), e.getMessage());
        HealthResult h = listener.check();
        assertEquals(HealthResult.Status.WARN, h.status());
        assertTrue(h.message().contains(nowhere), h.message());
        assertEquals(List.of(), livePidsCarrying(nowhere));

        listener.apply(lost, HaState.BACKUP);
        assertEquals(List.of(), routerFiles(dir.resolve("ra")));
        assertEquals(HealthResult.Status.OK, listener.check().status(), "recovered");
    }

    @Test
    void aMissingRadvdBinaryIsAClearErrorNamingTheRouterAndTheProgram() throws Exception {
        NamespaceProcessManager pm = processManager();
        Path missing = dir.resolve("no-such-dir/radvd");
        RadvdListener listener = new RadvdListener(AgentConfigs.of(props()), missing.toString(), DaemonAccount.Databases.SYSTEM);
        listener.bindProcessManager(pm);

        IOException e = assertThrows(IOException.class, () -> listener.apply(router, HaState.PRIMARY));

        assertTrue(e.getMessage().contains(id) && e.getMessage().contains(missing.toString()), e.getMessage());
        assertFalse(Files.exists(pidFile()));
        assertEquals(0L, pm.counters().get("monitored"), "a daemon that never started is not monitored");
        assertEquals(HealthResult.Status.WARN, listener.check().status());
    }

    @Test
    void case47_radvdRunsOnlyWhileTheKeepalivedOfItsPidFileRuns() throws Exception {
        NamespaceProcessManager pm = processManager();
        RadvdListener listener = listener(props(), pm);
        Path haConfs = Files.createDirectories(dir.resolve("ha_confs").resolve(id)).getParent();
        Path keepalivedPid = haConfs.resolve(id + ".pid.keepalived");

        // a pid file left by a keepalived that is gone
        Process gone = new ProcessBuilder("true").start();
        assertTrue(gone.waitFor(10, TimeUnit.SECONDS));
        Files.writeString(keepalivedPid, gone.pid() + "\n");
        listener.apply(router, HaState.PRIMARY);
        assertFalse(Files.exists(pidFile()), "radvd not started");
        assertFalse(Files.exists(confFile()));
        assertEquals(List.of(), radvdPidsOfRouter());

        // keepalived as Neutron runs it, in the router's namespace
        Path conf = haConfs.resolve(id).resolve("keepalived.conf");
        Files.writeString(conf, String.join("\n",
                "global_defs {",
                "    router_id l3ha-test",
                "}",
                "vrrp_instance VR_1 {",
                "    state BACKUP",
                "    interface " + qr,
                "    virtual_router_id 1",
                "    priority 50",
                "    nopreempt",
                "    advert_int 2",
                "    virtual_ipaddress {",
                "        169.254.0.1/24 dev " + qr,
                "    }",
                "}", ""));
        Files.delete(keepalivedPid);
        launch("ip", "netns", "exec", ns, "keepalived", "-P", "-f", conf.toString(), "-p", keepalivedPid.toString(),
                "-r", haConfs.resolve(id + ".pid.keepalived-vrrp").toString());
        await().atMost(WAIT).until(() -> {
            long p = pidIn(keepalivedPid);
            return p > 0 && alive(p) && cmdline(p).contains(id);
        });
        long keepalived = pidIn(keepalivedPid);

        listener.apply(router, HaState.PRIMARY);
        long radvd = radvdPid();
        assertTrue(has(solicit(), "Prefix", "2001:db8:1::/64"));

        kill9(keepalived);
        assertTrue(Files.exists(keepalivedPid), "SIGKILL leaves keepalived's pid file behind");
        listener.apply(router, HaState.PRIMARY);

        await().atMost(WAIT).until(() -> !alive(radvd));
        assertFalse(Files.exists(pidFile()));
        assertFalse(Files.exists(confFile()));
        assertEquals(2L, listener.counters().get("keepalived_down"));
        assertEquals(0L, pm.counters().get("monitored"));
    }

    @Test
    void radvdKeepsItsPidAndKeepsAdvertisingAcrossASwapOfBothComponents() throws Exception {
        NamespaceProcessManager pm = processManager();
        RadvdListener listener = listener(props(), pm);
        listener.apply(router, HaState.PRIMARY);
        long pid = radvdPid();

        // bundle update: DS deactivates the listener and the process manager, then activates new ones
        listener.unbindProcessManager(pm);
        listener.deactivate();
        ProcessManagerFixture stopped = managers.remove(managers.size() - 1);
        stopped.close();
        assertTrue(isRadvd(pid), "radvd belongs to the node, not to the bundle");

        NamespaceProcessManager pm2 = processManager();
        assertEquals(1L, pm2.counters().get("unclaimed"), "recorded, waiting for the bundle that runs radvd");
        RadvdListener listener2 = listener(props(), pm2);
        managers.get(managers.size() - 1).bindFactory(listener2, "radvd"); // as DS binds the new listener's factory
        assertEquals(0L, pm2.counters().get("unclaimed"), "a new listener runs no radvd yet: the record is dropped");
        listener2.apply(router, HaState.PRIMARY); // the engine re-applies to a newly bound listener

        assertEquals(1L, pm2.counters().get("monitored"));
        assertEquals(pid, pidIn(pidFile()));
        assertEquals(0L, pm2.counters().get("reloads"), "unchanged configuration: no SIGHUP");
        assertEquals(0L, pm2.counters().get("spawned"));
        assertTrue(has(solicit(), "Prefix", "2001:db8:1::/64"));

        kill9(pid); // and the new monitor watches it
        await().atMost(ONE_INTERVAL).until(() -> {
            long p = pidIn(pidFile());
            return p != pid && isRadvd(p);
        });
        listener2.apply(router, HaState.BACKUP);
        assertEquals(List.of(), radvdPidsOfRouter());
    }

    /**
     * Only the process bundle is replaced (a newer one registered while the listener stays bound):
     * the new process manager rebuilds radvd through the listener's factory, adopts it, and its
     * monitor respawns it from l3ha's configuration even if another account changed the file.
     */
    @Test
    void aNewProcessManagerRebuildsRadvdThroughTheListenersFactory() throws Exception {
        NamespaceProcessManager pm = processManager();
        RadvdListener listener = listener(props(), pm);
        listener.apply(router, HaState.PRIMARY);
        long pid = radvdPid();
        String conf = Files.readString(confFile());
        managers.remove(managers.size() - 1).close();

        NamespaceProcessManager pm2 = processManager();
        managers.get(managers.size() - 1).bindFactory(listener, "radvd");
        listener.bindProcessManager(pm2);
        assertEquals(1L, pm2.counters().get("adopted"));
        assertEquals(1L, pm2.counters().get("monitored"));
        assertEquals(pid, pm2.pid(listener.daemon(id).orElseThrow()).orElseThrow());

        Files.delete(confFile());
        Files.writeString(confFile(), "interface qr-nothing { AdvSendAdvert on; };\n");
        kill9(pid);
        await().atMost(WAIT).until(() -> {
            long p = pidIn(pidFile());
            return p != pid && isRadvd(p);
        });
        assertEquals(conf, Files.readString(confFile()), "respawned from l3ha's configuration");
        assertTrue(has(solicit(), "Prefix", "2001:db8:1::/64"));
        listener.apply(router, HaState.BACKUP);
        assertEquals(List.of(), radvdPidsOfRouter());
    }

    // ------------------------------------------------------------------ helpers (independent of the code under test)

    /** @return what {@code rdisc6} in the client namespace received (it solicits up to 3 times, 3 s each) */
    String solicit() throws IOException {
        return netns.exec(client, "rdisc6", "-1", "-w", "3000", peer);
    }

    /** @return whether rdisc6's output {@code ra} has the line "{@code name} : {@code value}" */
    static boolean has(String ra, String name, String value) {
        return Pattern.compile("(?m)^\\s*" + Pattern.quote(name) + "\\s*:\\s*" + Pattern.quote(value) + "(\\s|$)")
                .matcher(ra).find();
    }

    /** @return whether {@code dev} in {@code n} has a usable (not tentative) link-local address */
    boolean hasLinkLocal(String n, String dev) throws IOException {
        String out = netns.exec(n, "ip", "-6", "addr", "show", "dev", dev, "scope", "link");
        return out.contains("inet6 fe80::") && !out.contains("tentative");
    }

    /** @return whether a router advertisement answers one solicitation within a second */
    boolean answers() throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", client, "rdisc6", "-1", "-r", "1", "-w", "1000", peer)
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return p.exitValue() == 0;
    }

    /** @return the main radvd processes of this router (not radvd's privilege-separation children) */
    List<Long> radvdPidsOfRouter() throws IOException {
        List<Long> main = new ArrayList<>();
        for (long p : livePidsCarrying(id)) {
            long parent = ProcessHandle.of(p).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(1L);
            if (cmdline(p).startsWith("radvd ") && !cmdline(parent).startsWith("radvd ")) {
                main.add(p);
            }
        }
        return main;
    }

    /** Runs a launcher that daemonises (keepalived), its output discarded, and waits for it to exit. */
    static void launch(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd) + " did not exit");
        assertEquals(0, p.exitValue(), String.join(" ", cmd));
    }

    static List<String> routerFiles(Path raConfs) throws IOException {
        if (!Files.isDirectory(raConfs)) {
            return List.of();
        }
        try (var s = Files.list(raConfs)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static long pidIn(Path pidFile) {
        try {
            return Long.parseLong(Files.readString(pidFile).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    static String cmdline(long pid) {
        try {
            byte[] b = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(b, StandardCharsets.UTF_8).replaceAll("\0+$", "").replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    static String environ(long pid) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8)
                .replace('\0', '\n');
    }

    /** @return whether {@code pid} exists and is not a zombie */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGKILLs {@code pid} (a pid this test saw started for its router) and waits until it is dead. */
    static void kill9(long pid) throws Exception {
        assertNotEquals(ProcessHandle.current().pid(), pid);
        assertTrue(pid > 1);
        Exec.ok("kill", "-9", Long.toString(pid));
        await().atMost(WAIT).until(() -> !alive(pid));
    }

    /** @return live processes other than this JVM whose command line contains {@code text} (a random router id) */
    static List<Long> livePidsCarrying(String text) throws IOException {
        List<Long> pids = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : ds) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid > 1 && pid != self && alive(pid) && cmdline(pid).contains(text)) {
                    pids.add(pid);
                }
            }
        }
        return pids;
    }
}
