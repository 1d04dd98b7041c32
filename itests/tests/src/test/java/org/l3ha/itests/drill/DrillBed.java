package org.l3ha.itests.drill;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.l3ha.common.testing.Exec;
import org.l3ha.common.testing.MetadataBackend;
import org.l3ha.common.testing.Netns;
import org.l3ha.itests.support.Journal;
import org.l3ha.itests.support.Pids;

/**
 * Everything one drill builds, and its removal. The local node's routers live in
 * {@code qrouter-<id>} namespaces; the remote node, the routers' clients (internal networks) and
 * the external network are {@code l3ha-test-<tag>-remote}, {@code -client} and {@code -ext}.
 * {@link #close()} removes everything even after a failure, in an order that lets nothing come
 * back (l3ha first, so its process monitor respawns nothing), and then checks that nothing is left:
 * no namespace, no device in the root namespace, no process whose command line names one of the
 * drill's router ids or its scratch directory (Karaf, keepalived, monitors, radvd, haproxy).
 * Signals go only to pids the drill started (and their descendants) or read from pid files it
 * configured.
 */
final class DrillBed implements AutoCloseable {
    /** The remote node's address on the HA network (169.254.192.0/18). */
    static final String REMOTE_HA_IP = "169.254.255.254";
    /** The remote node's HA network device: a bridge with every router's HA veth as a port. */
    static final String REMOTE_HA_DEVICE = "ha-br";
    /** Neutron's default {@code priority} for every HA router. */
    static final int NEUTRON_PRIORITY = 50;
    /** The remote node's priority in the drills where it must win elections. */
    static final int REMOTE_PRIORITY = 100;

    final Path work;
    final String tag;
    final List<DrillRouter> routers;
    final Netns netns = new Netns();
    private final List<Keepalived> keepaliveds = new ArrayList<>();
    private final List<Monitor> monitors = new CopyOnWriteArrayList<>();
    private final List<Process> helpers = new ArrayList<>();
    private MetadataBackend backend;
    private L3ha l3ha;

    DrillBed(Path work, int routerCount) {
        this.work = work;
        this.tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        List<DrillRouter> rs = new ArrayList<>();
        for (int i = 1; i <= routerCount; i++) {
            rs.add(DrillRouter.random(i));
        }
        this.routers = List.copyOf(rs);
    }

    DrillRouter router() {
        return routers.get(0);
    }

    String remoteNs() {
        return "l3ha-test-" + tag + "-remote";
    }

    String clientNs() {
        return "l3ha-test-" + tag + "-client";
    }

    String extNs() {
        return "l3ha-test-" + tag + "-ext";
    }

    /** The client-side end of router {@code r}'s internal port. */
    static String clientDevice(DrillRouter r) {
        return "cl-" + r.qrPortId().substring(0, 11);
    }

    static String extDevice(DrillRouter r) {
        return "ex-" + r.qgPortId().substring(0, 11);
    }

    L3ha l3ha() {
        return l3ha;
    }

    MetadataBackend backend() {
        return backend;
    }

    /**
     * Starts the metadata backend and l3ha (the Karaf assembly) with a router document per router,
     * and waits for the start-up resync (every router reported {@code unknown}: no state file yet).
     */
    L3ha startL3ha(int advertInt) throws Exception {
        backend = new MetadataBackend(work.resolve("metadata_proxy"));
        // ...and reach it: JUnit's temporary directories are rwx------
        Files.setPosixFilePermissions(backend.socket().getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        // haproxy runs as an unprivileged account (the state_path owner, here nobody): like Neutron's
        // metadata agent with metadata_proxy_socket_mode=all, let any account connect
        Files.setPosixFilePermissions(backend.socket(), PosixFilePermissions.fromString("rw-rw-rw-"));
        l3ha = L3ha.create(work, routers, advertInt, backend.socket());
        for (DrillRouter r : routers) {
            Files.createDirectories(l3ha.haConfs().resolve(r.id()));
        }
        l3ha.start();
        await("start-up resync of " + routers.size() + " routers").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    List<Journal.Line> lines = l3ha.journal();
                    return routers.stream().allMatch(r -> lines.stream().anyMatch(l -> l.states().containsKey(r.id())));
                });
        return l3ha;
    }

    /**
     * The drill's routers between the local node and a remote node: for each router,
     * {@code qrouter-<id>} joined to the remote namespace by its HA veth ({@code ha-…},
     * 169.254.192.&lt;n&gt;/18), its internal port {@code qr-…} to the client namespace and its
     * gateway port {@code qg-…} to the external namespace. On the remote side every HA veth is a port
     * of the bridge {@link #REMOTE_HA_DEVICE} carrying {@link #REMOTE_HA_IP}/18: one HA network, as
     * a node's HA ports of one tenant share one. All up, every HA link with carrier.
     */
    void topology() throws IOException, InterruptedException {
        List<String> names = new ArrayList<>();
        routers.forEach(r -> names.add(r.namespace()));
        names.addAll(List.of(remoteNs(), clientNs(), extNs()));
        netns.add(names);
        // IPv6 duplicate address detection off: addresses keepalived adds on a new primary are usable
        // at once, as with Neutron's nodad
        for (String n : names) {
            netns.exec(n, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        }
        List<Netns.Veth> veths = new ArrayList<>();
        List<String> remote = new ArrayList<>(List.of("link add " + REMOTE_HA_DEVICE + " type bridge"));
        List<String> client = new ArrayList<>();
        List<String> ext = new ArrayList<>();
        for (DrillRouter r : routers) {
            veths.add(new Netns.Veth(r.namespace(), r.ha(), remoteNs(), r.remoteHa()));
            veths.add(new Netns.Veth(r.namespace(), r.qr(), clientNs(), clientDevice(r)));
            veths.add(new Netns.Veth(r.namespace(), r.qg(), extNs(), extDevice(r)));
            remote.add("link set " + r.remoteHa() + " master " + REMOTE_HA_DEVICE);
            remote.add("link set " + r.remoteHa() + " up");
            client.add("link set " + clientDevice(r) + " up");
            ext.add("link set " + extDevice(r) + " up");
        }
        netns.veths(veths);
        remote.add("addr add " + REMOTE_HA_IP + "/18 dev " + REMOTE_HA_DEVICE);
        remote.add("link set " + REMOTE_HA_DEVICE + " up");
        netns.batch(remoteNs(), remote);
        netns.batch(clientNs(), client);
        netns.batch(extNs(), ext);
        for (DrillRouter r : routers) {
            netns.batch(r.namespace(), List.of("addr add " + r.localHaIp() + "/18 dev " + r.ha(), "link set " + r.ha() + " up",
                    "link set " + r.qr() + " up", "link set " + r.qg() + " up"));
        }
        for (DrillRouter r : routers) {
            awaitUp(r.namespace(), r.ha());
        }
        awaitUp(remoteNs(), REMOTE_HA_DEVICE);
    }

    /**
     * Waits until {@code device} in {@code namespace} is operationally up (carrier): keepalived
     * started before that enters FAULT first.
     */
    static void awaitUp(String namespace, String device) {
        await(device + " up in " + namespace).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> Exec.ok("ip", "-n", namespace, "-br", "link", "show", "dev", device).contains(" UP "));
    }

    /** The local VRRP instance of router {@code r}, as Neutron configures it. */
    static Keepalived.Instance localInstance(DrillRouter r, int priority, int advertInt) {
        return new Keepalived.Instance("VR_" + r.vrid(), r.ha(), r.vrid(), priority, advertInt, r.localHaIp(),
                List.of(REMOTE_HA_IP), r.excludedVips());
    }

    /**
     * The remote node's instance of router {@code r} on the remote HA bridge. The remote namespace stands
     * for the other node's router namespace(s) without their internal and gateway ports, so it has
     * no excluded addresses: only the VRRP side of the other node matters here.
     */
    static Keepalived.Instance remoteInstance(DrillRouter r, int priority, int advertInt) {
        return new Keepalived.Instance("VR_" + r.vrid(), REMOTE_HA_DEVICE, r.vrid(), priority, advertInt, REMOTE_HA_IP,
                List.of(r.localHaIp()), List.of());
    }

    /**
     * Starts the local keepalived of router {@code r} in {@code qrouter-<id>}, with Neutron's
     * files: {@code <ha_confs_path>/<id>/keepalived.conf}, pid files
     * {@code <ha_confs_path>/<id>.pid.keepalived} and {@code .pid.keepalived-vrrp} (so l3ha's radvd
     * listener sees keepalived running).
     */
    Keepalived startLocalKeepalived(DrillRouter r, int priority, int advertInt) throws IOException {
        Path confs = l3ha.haConfs();
        Keepalived k = new Keepalived(r.namespace(), confs.resolve(r.id()).resolve("keepalived.conf"),
                confs.resolve(r.id() + ".pid.keepalived"), confs.resolve(r.id() + ".pid.keepalived-vrrp"),
                work.resolve("keepalived-" + r.id() + ".log"));
        keepaliveds.add(k);
        return k.start(List.of(localInstance(r, priority, advertInt)));
    }

    /** Starts the remote node's keepalived with {@code instances} in the remote namespace. */
    Keepalived startRemoteKeepalived(List<Keepalived.Instance> instances) throws IOException {
        Path dir = work.resolve("remote");
        Keepalived k = new Keepalived(remoteNs(), dir.resolve("keepalived.conf"), dir.resolve("keepalived.pid"),
                dir.resolve("keepalived-vrrp.pid"), work.resolve("keepalived-remote.log"));
        keepaliveds.add(k);
        return k.start(instances);
    }

    /** Starts the monitor of {@code kind} for router {@code r}. */
    Monitor startMonitor(Monitor.Kind kind, DrillRouter r) throws Exception {
        Monitor m = kind.create(r, l3ha, work);
        monitors.add(m);
        return m.start();
    }

    /**
     * Starts a monitor of {@code kind} for every router, eight at a time (Neutron's Python monitor
     * spends two seconds of CPU importing Neutron before it daemonises).
     */
    List<Monitor> startMonitors(Monitor.Kind kind) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8, t -> new Thread(t, "l3ha-drill-monitor-start"));
        try {
            List<Future<Monitor>> started = new ArrayList<>();
            for (DrillRouter r : routers) {
                started.add(pool.submit(() -> startMonitor(kind, r)));
            }
            List<Monitor> out = new ArrayList<>();
            for (Future<Monitor> f : started) {
                out.add(f.get(5, TimeUnit.MINUTES));
            }
            return out;
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
    }

    /** Starts a helper process (a watcher); it is killed with its descendants in {@link #close()}. */
    Process startHelper(List<String> command, Path output) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        helpers.add(p);
        return p;
    }

    /** @return live processes of radvd/haproxy for router {@code r} that are the daemon itself (not a child of one) */
    static List<Long> daemons(String binary, DrillRouter r) {
        List<Long> all = Pids.withCommandLine(binary, r.id());
        return all.stream().filter(p -> ProcessHandle.of(p).flatMap(ProcessHandle::parent)
                .map(parent -> !all.contains(parent.pid())).orElse(true)).toList();
    }

    /** Removes everything and checks that nothing is left; throws an AssertionError naming what is. */
    @Override
    public void close() throws Exception {
        List<String> problems = new ArrayList<>();
        Set<Long> started = new LinkedHashSet<>();
        for (Process p : helpers) {
            started.addAll(Pids.withDescendants(p.pid()));
        }
        step(problems, "helpers", () -> Pids.kill(started));
        if (l3ha != null) {
            started.addAll(l3ha.pids());
            step(problems, "l3ha", () -> {
                try {
                    l3ha.kill();
                } finally {
                    l3ha.close();
                }
            });
        }
        // all monitors at once, then all keepalived at once: one grace period, not one per process
        Set<Long> monitorPids = new LinkedHashSet<>();
        monitors.forEach(m -> monitorPids.addAll(m.pids()));
        started.addAll(monitorPids);
        step(problems, "monitors", () -> Pids.terminate(monitorPids, Duration.ofSeconds(3)));
        Set<Long> keepalivedPids = new LinkedHashSet<>();
        keepaliveds.forEach(k -> keepalivedPids.addAll(k.allPids()));
        started.addAll(keepalivedPids);
        step(problems, "keepalived", () -> Pids.kill(keepalivedPids));
        if (l3ha != null) {
            for (DrillRouter r : routers) {
                for (Path pidFile : List.of(l3ha.radvdPidFile(r.id()), l3ha.haproxyPidFile(r.id()))) {
                    Pids.read(pidFile).ifPresent(pid -> {
                        if (Pids.alive(pid) && Pids.commandLine(pid).contains(r.id())) {
                            started.add(pid);
                            step(problems, "daemon " + pidFile, () -> Pids.kill(List.of(pid)));
                        }
                    });
                }
            }
        }
        if (backend != null) {
            step(problems, "metadata backend", backend::close);
        }
        step(problems, "namespaces", netns::close);

        // verification
        step(problems, "leftover namespaces/devices", () -> {
            List<String> left = netns.leftovers();
            if (!left.isEmpty()) {
                problems.add("left over: " + left);
            }
        });
        List<Long> alive = started.stream().filter(Pids::alive).toList();
        if (!alive.isEmpty()) {
            problems.add("processes the drill started still alive: " + describe(alive));
        }
        List<Long> strays = new ArrayList<>(Pids.withCommandLine(work.toString()));
        for (DrillRouter r : routers) {
            strays.addAll(Pids.withCommandLine(r.id()));
        }
        if (!strays.isEmpty()) {
            problems.add("processes naming the drill's routers or scratch directory still alive: "
                    + describe(strays.stream().distinct().toList()));
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("drill clean-up: " + String.join("; ", problems));
        }
    }

    private static String describe(List<Long> pids) {
        List<String> out = new ArrayList<>();
        for (long p : pids) {
            String cmd = Pids.commandLine(p);
            out.add(p + " (" + (cmd.length() > 160 ? cmd.substring(0, 160) + "…" : cmd) + ")");
        }
        return String.join(", ", out);
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private static void step(List<String> problems, String what, Step s) {
        try {
            s.run();
        } catch (Exception | AssertionError e) {
            problems.add(what + ": " + e);
        }
    }
}
