package org.l3ha.itests.drill;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.l3ha.common.testing.Exec;
import org.l3ha.common.testing.MetadataBackend;
import org.l3ha.common.testing.Netns;
import org.l3ha.itests.support.Journal;
import org.l3ha.itests.support.Pids;

/**
 * Failover drills with real keepalived on one machine (issue 7): the local node's router
 * namespace {@code qrouter-<id>} and a remote node's namespace joined by the HA veth, keepalived
 * in each (configured as Neutron configures it), a state-change monitor of each generation
 * ({@link Monitor.Kind}: Neutron's Python monitor, and a shell monitor doing what Neutron's current
 * one does) posting to l3ha running as the built Karaf assembly, and the data plane l3ha drives:
 * IPv6 forwarding on the gateway port, radvd (seen by {@code rdisc6} from the client namespace)
 * and the haproxy metadata proxy (answering through a test backend on
 * {@code metadata_proxy_socket}).
 *
 * <p>Timing: keepalived's {@code advert_int} and l3ha's {@code ha_vrrp_advert_int} are both
 * Neutron's default, 2 s. The local router has Neutron's priority 50, the remote 100, so the
 * local VRRP master-down interval is {@code 3 × 2 + (256 − 50) × 2 / 256 = 7.61 s}.
 *
 * <p>Each drill prints one {@code DRILL …} line with its figures.
 */
class FailoverDrillIT {
    /** Neutron's {@code ha_vrrp_advert_int} default, used for keepalived and l3ha alike. */
    static final int ADVERT_INT = 2;
    /**
     * Allowance on top of "master-down interval + ha_vrrp_advert_int" for what lies between
     * keepalived and the journal: the monitor noticing the address (the Python monitor polls its
     * queues once a second), the POST, the listeners (sysctls, haproxy, radvd), the journal write,
     * on a loaded 2-core CI machine.
     */
    static final Duration TOLERANCE = Duration.ofSeconds(4);
    static final int METADATA_PORT = 9697;
    /** Routers of drill 4. */
    static final int MANY = 50;

    @TempDir
    Path work;

    DrillBed bed;

    @AfterEach
    void cleanUp() throws Exception {
        if (bed != null) {
            bed.close();
        }
    }

    /** What every single-router drill starts from. */
    record Pair(DrillRouter router, L3ha l3ha, Monitor monitor, Keepalived remote, Keepalived local) {
    }

    /** One router, l3ha and its monitor, before any keepalived. */
    record Node(DrillRouter router, L3ha l3ha, Monitor monitor) {
    }

    /** l3ha, one router's topology and its monitor, whose initial {@code backup} is reported {@code standby}. */
    private Node oneRouter(Monitor.Kind kind) throws Exception {
        bed = new DrillBed(work, 1);
        DrillRouter r = bed.router();
        L3ha l3ha = bed.startL3ha(ADVERT_INT);
        bed.topology();
        Monitor monitor = bed.startMonitor(kind, r);
        awaitReported(l3ha, r, "standby", 0, Duration.ofSeconds(30));
        assertEquals(List.of("backup"), monitor.posted(), "the monitor's initial state");
        return new Node(r, l3ha, monitor);
    }

    /**
     * {@link #oneRouter}; then the remote keepalived is started first and becomes
     * primary alone, then the local one (backup), which is heard receiving the remote's adverts.
     */
    private Pair remotePrimaryLocalBackup(Monitor.Kind kind) throws Exception {
        Node node = oneRouter(kind);
        DrillRouter r = node.router();
        L3ha l3ha = node.l3ha();
        Monitor monitor = node.monitor();

        Keepalived.Instance remote = DrillBed.remoteInstance(r, DrillBed.REMOTE_PRIORITY, ADVERT_INT);
        Keepalived remoteKa = bed.startRemoteKeepalived(List.of(remote));
        await("remote primary (VIP " + remote.vip() + " in " + bed.remoteNs() + ")")
                .atMost(remote.masterDown().plus(Duration.ofSeconds(10))).pollInterval(Duration.ofMillis(100))
                .until(() -> Netns.hasAddress(bed.remoteNs(), DrillBed.REMOTE_HA_DEVICE, remote.vip()));

        nft(r.namespace(), "add table ip l3ha_drill",
                "add chain ip l3ha_drill input { type filter hook input priority 0; policy accept; }",
                "add rule ip l3ha_drill input ip saddr " + DrillBed.REMOTE_HA_IP + " ip protocol vrrp counter");
        Keepalived localKa = bed.startLocalKeepalived(r, DrillBed.NEUTRON_PRIORITY, ADVERT_INT);
        long seen = vrrpCounter(r.namespace())[0];
        await("the local node receives the remote's adverts").atMost(Duration.ofSeconds(3L * ADVERT_INT))
                .pollInterval(Duration.ofMillis(100)).until(() -> vrrpCounter(r.namespace())[0] > seen);
        assertFalse(Netns.hasAddress(r.namespace(), r.ha(), remote.vip()), "local starts as backup");
        return new Pair(r, l3ha, monitor, remoteKa, localKa);
    }

    /**
     * Drill 1, takeover: the remote keepalived crashes (SIGSTOP + SIGKILL); within the master-down
     * interval plus ha_vrrp_advert_int (plus {@link #TOLERANCE}) l3ha reports the router active, and
     * radvd advertises the prefix to the client, haproxy answers on the metadata port and IPv6
     * forwarding is on.
     */
    @ParameterizedTest(name = "takeover, {0} monitor")
    @EnumSource(Monitor.Kind.class)
    void takeover(Monitor.Kind kind) throws Exception {
        Pair p = remotePrimaryLocalBackup(kind);
        DrillRouter r = p.router();
        L3ha l3ha = p.l3ha();
        assertStandbyDataPlane(l3ha, r);
        int mark = l3ha.journal().size();
        Duration bound = DrillBed.localInstance(r, DrillBed.NEUTRON_PRIORITY, ADVERT_INT).masterDown()
                .plusSeconds(ADVERT_INT).plus(TOLERANCE);

        ExecutorService probe = Executors.newSingleThreadExecutor(t -> new Thread(t, "l3ha-drill-ra-probe"));
        try {
            Instant killedAt = Instant.now();
            long killed = System.nanoTime();
            p.remote().crash();
            CompletableFuture<Long> ra = CompletableFuture.supplyAsync(
                    () -> awaitRouterAdvertisement(r, killed + bound.plusSeconds(5).toNanos()), probe);

            Journal.Line active = await("journal reports " + r.id() + " active").atMost(bound).pollInterval(Duration.ofMillis(50))
                    .until(() -> l3ha.firstReport(r.id(), "active", mark), line -> line != null);
            long killToActive = Duration.between(killedAt, active.time()).toMillis();
            long raSeen = ra.get(bound.plusSeconds(15).toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(raSeen > 0, "rdisc6 in the client namespace saw no RA with " + r.prefix() + " in time");
            long killToRa = TimeUnit.NANOSECONDS.toMillis(raSeen - killed);
            assertTrue(killToRa <= bound.plusSeconds(2).toMillis(), "kill→RA " + killToRa + " ms");
            List<String> reported = l3ha.reported(r.id(), 0);
            assertEquals(List.of("standby", "active"), Journal.collapse(reported.subList(1, reported.size())),
                    "reports after the start-up resync");
            assertEquals("primary", l3ha.stateFileWord(r.id()));
            assertTrue(p.monitor().posted().contains("primary"), "the monitor posted primary: " + p.monitor().posted());

            assertPrimaryDataPlane(l3ha, r);
            System.out.printf("DRILL takeover monitor=%s kill_to_active_ms=%d kill_to_ra_ms=%d master_down_ms=%d advert_int_s=%d%n",
                    kind.label(), killToActive, killToRa,
                    DrillBed.localInstance(r, DrillBed.NEUTRON_PRIORITY, ADVERT_INT).masterDown().toMillis(), ADVERT_INT);
        } finally {
            probe.shutdownNow();
            probe.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Drill 2, flap: the local node becomes primary and falls back to backup well within
     * ha_vrrp_advert_int; l3ha reports nothing and the data plane stays backup.
     *
     * <p>How the flap is made deterministic: an nft rule in the local namespace drops exactly the
     * next three VRRP adverts from the remote ({@code quota until} 3½ packets' bytes, measured
     * first), so the local master-down timer (7.61 s, from the last advert heard) expires 0.39 s
     * before the remote's fourth advert (8 s), which passes: the local node is primary for at most
     * those 0.39 s (less when the remote answers the local node's first advert at once, as
     * keepalived does for a lower priority). Neither the test's reaction time nor the load decides
     * it.
     */
    @ParameterizedTest(name = "flap, {0} monitor")
    @EnumSource(Monitor.Kind.class)
    void flap(Monitor.Kind kind) throws Exception {
        Pair p = remotePrimaryLocalBackup(kind);
        DrillRouter r = p.router();
        L3ha l3ha = p.l3ha();
        long[] counted = vrrpCounter(r.namespace());
        long packetBytes = counted[1] / counted[0];
        long quota = 3 * packetBytes + packetBytes / 2;
        int mark = l3ha.journal().size();
        int logMark = l3ha.logText().length();
        int postedMark = p.monitor().posted().size();
        int mastersBefore = p.local().logCount("Entering MASTER STATE");
        Path events = work.resolve("flap-address-events.log");
        bed.startHelper(List.of("ip", "-n", r.namespace(), "-ts", "-o", "monitor", "address", "dev", r.ha()), events);

        nft(r.namespace(), "add rule ip l3ha_drill input ip saddr " + DrillBed.REMOTE_HA_IP
                + " ip protocol vrrp quota until " + quota + " bytes drop");
        Duration flapBy = DrillBed.localInstance(r, DrillBed.NEUTRON_PRIORITY, ADVERT_INT).masterDown()
                .plusSeconds(2L * ADVERT_INT).plus(TOLERANCE);
        await("the monitor posts primary then backup").atMost(flapBy).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    List<String> all = p.monitor().posted();
                    return all.subList(Math.min(postedMark, all.size()), all.size()).equals(List.of("primary", "backup"));
                });
        assertEquals(mastersBefore + 1, p.local().logCount("Entering MASTER STATE"), "local keepalived was master once");
        long heldMs = vipHeldMillis(events, "169.254.0." + r.vrid() + "/24");
        assertTrue(heldMs >= 0 && heldMs < ADVERT_INT * 1000L, "the VIP was held " + heldMs + " ms, the flap must be shorter than "
                + ADVERT_INT + " s; address events:\n" + Files.readString(events));

        // nothing is reported or applied for longer than the debounce plus a batch interval
        await("no report and no transition for " + r.id()).during(Duration.ofSeconds(2L * ADVERT_INT + 1))
                .atMost(Duration.ofSeconds(2L * ADVERT_INT + 3)).pollInterval(Duration.ofMillis(100))
                .until(() -> l3ha.reported(r.id(), mark).isEmpty()
                        && !l3ha.logText().substring(logMark).contains("Router " + r.id() + " transitioned"));
        String log = l3ha.logText().substring(logMark);
        assertTrue(log.contains("Notification " + r.id() + " primary"), "l3ha received the primary");
        assertTrue(log.indexOf("Notification " + r.id() + " backup") > log.indexOf("Notification " + r.id() + " primary"),
                "l3ha received the backup after the primary");
        assertEquals("standby", l3ha.lastReported(r.id()));
        assertEquals("backup", l3ha.stateFileWord(r.id()));
        assertFalse(Netns.hasAddress(r.namespace(), r.ha(), "169.254.0." + r.vrid() + "/24"), "local is backup again");
        assertTrue(Netns.hasAddress(bed.remoteNs(), DrillBed.REMOTE_HA_DEVICE, "169.254.0." + r.vrid() + "/24"), "remote is still primary");
        assertTrue(nftList(r.namespace()).contains("used " + quota + " bytes"), "the quota was used up:\n" + nftList(r.namespace()));
        assertStandbyDataPlane(l3ha, r);
        System.out.printf("DRILL flap monitor=%s vip_held_ms=%d advert_int_s=%d reports_after_flap=0%n", kind.label(), heldMs,
                ADVERT_INT);
    }

    /**
     * Drill 3, restart: while the local node is primary, Karaf is stopped (SIGTERM) and started
     * again: the state comes back from the state file, the start-up resync reports it, radvd and
     * haproxy are adopted (same pids, one of each). Then Karaf is killed (SIGKILL) and, while it is
     * down, the remote takes over (the local node's adverts are dropped in the remote namespace
     * until the local node is backup): the monitor writes the state file, its notification fails.
     * Started again, l3ha reads the state file, stops radvd and haproxy, reports standby and does
     * not bring them back.
     */
    @ParameterizedTest(name = "restart, {0} monitor")
    @EnumSource(Monitor.Kind.class)
    void restart(Monitor.Kind kind) throws Exception {
        Node node = oneRouter(kind);
        DrillRouter r = node.router();
        L3ha l3ha = node.l3ha();
        Monitor monitor = node.monitor();

        // the local node alone: it becomes primary after its master-down interval
        Keepalived.Instance local = DrillBed.localInstance(r, DrillBed.NEUTRON_PRIORITY, ADVERT_INT);
        bed.startLocalKeepalived(r, DrillBed.NEUTRON_PRIORITY, ADVERT_INT);
        awaitReported(l3ha, r, "active", 0, local.masterDown().plusSeconds(ADVERT_INT).plus(TOLERANCE).plusSeconds(5));
        await("radvd and haproxy running").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> Pids.running(l3ha.radvdPidFile(r.id()), r.id()) && Pids.running(l3ha.haproxyPidFile(r.id()), r.id()));
        // then the remote node (higher priority, nopreempt): it stays backup while it hears the local adverts
        nft(bed.remoteNs(), "add table ip l3ha_drill",
                "add chain ip l3ha_drill input { type filter hook input priority 0; policy accept; }",
                "add rule ip l3ha_drill input ip saddr " + r.localHaIp() + " ip protocol vrrp counter");
        bed.startRemoteKeepalived(List.of(DrillBed.remoteInstance(r, DrillBed.REMOTE_PRIORITY, ADVERT_INT)));
        long seen = vrrpCounter(bed.remoteNs())[0];
        await("the remote node receives the local adverts").atMost(Duration.ofSeconds(3L * ADVERT_INT))
                .pollInterval(Duration.ofMillis(100)).until(() -> vrrpCounter(bed.remoteNs())[0] > seen);
        long radvd = Pids.read(l3ha.radvdPidFile(r.id())).orElseThrow();
        long haproxy = Pids.read(l3ha.haproxyPidFile(r.id())).orElseThrow();
        assertEquals(List.of(radvd), DrillBed.daemons("radvd", r), "one radvd");
        assertEquals(List.of(haproxy), DrillBed.daemons("haproxy", r), "one haproxy");

        // A. SIGTERM and start: recovered from the state file, resynced, daemons adopted
        int mark = l3ha.journal().size();
        l3ha.stop();
        assertFalse(Files.exists(l3ha.socket()), "the socket is removed on a clean stop");
        assertTrue(Pids.alive(radvd) && Pids.alive(haproxy), "daemons belong to the node: they survive l3ha's stop");
        int logMark = l3ha.logText().length();
        l3ha.start();
        awaitReported(l3ha, r, "active", mark, Duration.ofSeconds(30));
        String startLog = l3ha.logText().substring(logMark);
        assertTrue(startLog.contains("Transition engine active: 1 state files read"), "the engine read the state file");
        await("radvd and haproxy adopted, not restarted").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> DrillBed.daemons("radvd", r).equals(List.of(radvd)) && DrillBed.daemons("haproxy", r).equals(List.of(haproxy))
                        && Pids.read(l3ha.radvdPidFile(r.id())).orElse(-1) == radvd
                        && Pids.read(l3ha.haproxyPidFile(r.id())).orElse(-1) == haproxy);
        assertTrue(l3ha.reported(r.id(), mark).stream().allMatch("active"::equals),
                "after the restart only the current state is reported: " + l3ha.reported(r.id(), mark));
        assertPrimaryDataPlane(l3ha, r);

        // B. SIGKILL; the remote node takes over while l3ha is down
        int mark2 = l3ha.journal().size();
        int postedMark = monitor.posted().size();
        l3ha.kill();
        Instant down = Instant.now();
        nft(bed.remoteNs(), "add rule ip l3ha_drill input ip saddr " + r.localHaIp() + " ip protocol vrrp drop");
        Keepalived.Instance remote = DrillBed.remoteInstance(r, DrillBed.REMOTE_PRIORITY, ADVERT_INT);
        await("the monitor writes backup while l3ha is down").atMost(remote.masterDown().plusSeconds(ADVERT_INT).plus(TOLERANCE))
                .pollInterval(Duration.ofMillis(100)).until(() -> "backup".equals(l3ha.stateFileWord(r.id())));
        nft(bed.remoteNs(), "delete table ip l3ha_drill");
        assertTrue(Netns.hasAddress(bed.remoteNs(), DrillBed.REMOTE_HA_DEVICE, remote.vip()), "the remote node is primary");
        assertEquals(List.of(), monitor.posted().subList(postedMark, monitor.posted().size()), "no notification got through");
        assertTrue(Pids.alive(radvd) && Pids.alive(haproxy), "with l3ha down nobody stopped radvd and haproxy");

        logMark = l3ha.logText().length();
        l3ha.start();
        Instant up = Instant.now();
        awaitReported(l3ha, r, "standby", mark2, Duration.ofSeconds(30));
        assertFalse(l3ha.reported(r.id(), mark2).contains("active"), "nothing but standby after the restart: "
                + l3ha.reported(r.id(), mark2));
        await("radvd and haproxy stopped").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> !Pids.alive(radvd) && !Pids.alive(haproxy));
        await("and not respawned").during(Duration.ofSeconds(2L * L3ha.CHECK_CHILD_PROCESSES_INTERVAL + 1))
                .atMost(Duration.ofSeconds(2L * L3ha.CHECK_CHILD_PROCESSES_INTERVAL + 3)).pollInterval(Duration.ofMillis(200))
                .until(() -> DrillBed.daemons("radvd", r).isEmpty() && DrillBed.daemons("haproxy", r).isEmpty());
        assertStandbyDataPlane(l3ha, r);
        assertEquals("backup", l3ha.stateFileWord(r.id()));

        // the monitor as Neutron's process monitor would leave it: replaced, the new one reports backup; nothing changes
        monitor.close();
        Monitor again = bed.startMonitor(kind, r);
        await("the new monitor reports backup").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> again.posted().contains("backup"));
        await("still standby").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> !l3ha.reported(r.id(), mark2).contains("active"));
        assertStandbyDataPlane(l3ha, r);
        System.out.printf("DRILL restart monitor=%s adopted_radvd_pid=%d adopted_haproxy_pid=%d down_s=%d%n", kind.label(), radvd,
                haproxy, Duration.between(down, up).toSeconds());
    }

    /**
     * Drill 4, many routers: {@value #MANY} HA routers on the same pair of nodes, the remote node
     * primary for all of them, a local keepalived and monitor per router (as Neutron runs them);
     * the remote keepalived crashes and every router fails over to the local node at once. Each must
     * end reported {@code active} (once), with state file {@code primary}, one radvd advertising its
     * prefix, one haproxy answering and IPv6 forwarding on. Prints the time from the kill to the last
     * router reported and to the last router fully applied.
     */
    @ParameterizedTest(name = "many routers, {0} monitor")
    @EnumSource(Monitor.Kind.class)
    void manyRouters(Monitor.Kind kind) throws Exception {
        long t0 = System.nanoTime();
        bed = new DrillBed(work, MANY);
        L3ha l3ha = bed.startL3ha(ADVERT_INT);
        bed.topology();
        phase("l3ha and topology", t0);
        List<Monitor> monitors = bed.startMonitors(kind);
        phase(MANY + " monitors started", t0);
        await("every router reported standby").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> bed.routers.stream().allMatch(r -> "standby".equals(lastReportedQuietly(l3ha, r))));

        List<Keepalived.Instance> remote = bed.routers.stream()
                .map(r -> DrillBed.remoteInstance(r, DrillBed.REMOTE_PRIORITY, ADVERT_INT)).toList();
        Keepalived remoteKa = bed.startRemoteKeepalived(remote);
        await("the remote node primary for all " + MANY + " routers").atMost(remote.get(0).masterDown().plusSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    String addrs = Exec.ok("ip", "-n", bed.remoteNs(), "-o", "addr", "show", "dev", DrillBed.REMOTE_HA_DEVICE);
                    return remote.stream().allMatch(i -> addrs.contains(" " + i.vip() + " "));
                });
        for (DrillRouter r : bed.routers) {
            bed.startLocalKeepalived(r, DrillBed.NEUTRON_PRIORITY, ADVERT_INT);
        }
        Duration localMasterDown = DrillBed.localInstance(bed.router(), DrillBed.NEUTRON_PRIORITY, ADVERT_INT).masterDown();
        await("every local keepalived stays backup (it hears the remote's adverts)").during(localMasterDown.plusSeconds(1))
                .atMost(localMasterDown.plusSeconds(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> monitors.stream().allMatch(m -> postedQuietly(m).equals(List.of("backup"))));
        phase("remote primary, local backup", t0);
        int mark = l3ha.journal().size();

        Instant killedAt = Instant.now();
        long killed = System.nanoTime();
        remoteKa.crash();
        Map<String, Long> appliedAt = new java.util.HashMap<>();
        // a deadline, not a figure: the times are printed; 50 keepalived and 50 monitors on a loaded 2-core box take their time
        Duration bound = localMasterDown.plusSeconds(ADVERT_INT).plus(TOLERANCE).plusSeconds(120);
        await("all " + MANY + " routers active and applied").atMost(bound).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    List<Journal.Line> lines = l3ha.journal();
                    for (DrillRouter r : bed.routers) {
                        if (!appliedAt.containsKey(r.id()) && applied(l3ha, lines, mark, r)) {
                            appliedAt.put(r.id(), System.nanoTime());
                        }
                    }
                    return appliedAt.size() == MANY;
                });
        long killToLastApplied = TimeUnit.NANOSECONDS.toMillis(appliedAt.values().stream().mapToLong(Long::longValue).max()
                .orElseThrow() - killed);

        phase("failed over and applied", t0);
        List<Journal.Line> lines = l3ha.journal();
        List<Journal.Line> after = lines.subList(mark, lines.size());
        Map<String, List<String>> reportedAfter = Journal.histories(lines, mark);
        Instant lastReported = after.stream().filter(l -> l.states().containsValue("active")).map(Journal.Line::time)
                .max(Instant::compareTo).orElseThrow();
        for (DrillRouter r : bed.routers) {
            assertEquals(List.of("active"), reportedAfter.get(r.id()), "reports of " + r.id() + " after the kill");
            assertEquals("primary", l3ha.stateFileWord(r.id()), "state file of " + r.id());
            assertPrimaryDataPlane(l3ha, r);
            long ra = awaitRouterAdvertisement(r, System.nanoTime() + Duration.ofSeconds(10).toNanos());
            assertTrue(ra > 0, "rdisc6 saw no RA with " + r.prefix() + " for " + r.id());
        }
        phase("data plane of every router checked", t0);
        long batches = after.stream().filter(l -> bed.routers.stream().anyMatch(r -> l.states().containsKey(r.id()))).count();
        System.out.printf("DRILL many monitor=%s routers=%d kill_to_last_reported_ms=%d kill_to_last_applied_ms=%d batches=%d "
                + "master_down_ms=%d advert_int_s=%d%n", kind.label(), MANY, Duration.between(killedAt, lastReported).toMillis(),
                killToLastApplied, batches, localMasterDown.toMillis(), ADVERT_INT);
    }

    /**
     * @return whether router {@code r} is reported active (journal lines from {@code mark}), its
     *         state file says primary, radvd and haproxy run from their pid files and IPv6
     *         forwarding is on for its gateway port
     */
    private static boolean applied(L3ha l3ha, List<Journal.Line> lines, int mark, DrillRouter r) throws Exception {
        boolean reported = lines.subList(Math.min(mark, lines.size()), lines.size()).stream()
                .anyMatch(l -> "active".equals(l.states().get(r.id())));
        return reported && "primary".equals(l3ha.stateFileWord(r.id())) && Pids.running(l3ha.radvdPidFile(r.id()), r.id())
                && Pids.running(l3ha.haproxyPidFile(r.id()), r.id())
                && "1".equals(Exec.sysctl(r.namespace(), "net.ipv6.conf." + r.qg() + ".forwarding"));
    }

    private static void phase(String what, long start) {
        System.out.printf("DRILL-PHASE %s at %d ms%n", what, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    private static String lastReportedQuietly(L3ha l3ha, DrillRouter r) {
        try {
            return l3ha.lastReported(r.id());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> postedQuietly(Monitor m) {
        try {
            return m.posted();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ helpers

    static void awaitReported(L3ha l3ha, DrillRouter r, String state, int from, Duration within) {
        await("journal reports " + r.id() + " " + state).atMost(within).pollInterval(Duration.ofMillis(100))
                .until(() -> l3ha.firstReport(r.id(), state, from) != null);
    }

    /** Backup data plane: no radvd, no haproxy, the gateway port neither forwarding nor accepting RAs. */
    static void assertStandbyDataPlane(L3ha l3ha, DrillRouter r) throws Exception {
        assertEquals(List.of(), DrillBed.daemons("radvd", r), "no radvd on a backup");
        assertEquals(List.of(), DrillBed.daemons("haproxy", r), "no haproxy on a backup");
        assertFalse(Files.exists(l3ha.radvdPidFile(r.id())) && Pids.running(l3ha.radvdPidFile(r.id()), r.id()));
        assertEquals("0", Exec.sysctl(r.namespace(), "net.ipv6.conf." + r.qg() + ".forwarding"), "qg forwarding");
        assertEquals("0", Exec.sysctl(r.namespace(), "net.ipv6.conf." + r.qg() + ".accept_ra"), "qg accept_ra");
    }

    /**
     * Primary data plane: one radvd and one haproxy (from their pid files), IPv6 forwarding on, and
     * the metadata proxy answering inside the namespace through the backend, with l3ha's router id
     * header (a spoofed network id removed).
     */
    void assertPrimaryDataPlane(L3ha l3ha, DrillRouter r) throws Exception {
        long radvd = Pids.read(l3ha.radvdPidFile(r.id())).orElseThrow();
        long haproxy = Pids.read(l3ha.haproxyPidFile(r.id())).orElseThrow();
        assertEquals(List.of(radvd), DrillBed.daemons("radvd", r), "one radvd, the one in the pid file");
        assertEquals(List.of(haproxy), DrillBed.daemons("haproxy", r), "one haproxy, the one in the pid file");
        assertEquals("1", Exec.sysctl(r.namespace(), "net.ipv6.conf.all.forwarding"), "all.forwarding");
        assertEquals("1", Exec.sysctl(r.namespace(), "net.ipv6.conf." + r.qg() + ".forwarding"), "qg forwarding");
        assertEquals("2", Exec.sysctl(r.namespace(), "net.ipv6.conf." + r.qg() + ".accept_ra"), "qg accept_ra");

        int before = bed.backend().requests().size();
        String body = await("haproxy answers on port " + METADATA_PORT + " in " + r.namespace()).atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Exec.Result res = Exec.run(Exec.inNamespace(r.namespace(), "curl", "-sS", "-m", "5",
                            "-H", "X-Neutron-Network-ID: spoofed", "http://127.0.0.1:" + METADATA_PORT + "/latest/meta-data/instance-id"));
                    return res.ok() ? res.out() : "";
                }, out -> out.contains("instance-id: " + MetadataBackend.INSTANCE_ID));
        assertTrue(body.contains("router: " + r.id()), body);
        List<MetadataBackend.Request> reqs = bed.backend().requests();
        MetadataBackend.Request last = reqs.get(reqs.size() - 1);
        assertTrue(reqs.size() > before, "the request reached the backend");
        assertEquals(List.of(r.id()), last.header("X-Neutron-Router-ID"), "haproxy set X-Neutron-Router-ID: " + last);
        assertTrue(last.header("X-Neutron-Network-ID").isEmpty(), "haproxy removed the client's X-Neutron-Network-ID: " + last);
        assertTrue(last.line().startsWith("GET /latest/meta-data/instance-id "), last.line());
    }

    /**
     * Runs {@code rdisc6} in the client namespace (a router solicitation, 4 × 250 ms) until an RA
     * with the router's prefix comes back or {@code deadlineNanos}.
     *
     * @return the {@link System#nanoTime()} when it was seen, or -1
     */
    private long awaitRouterAdvertisement(DrillRouter r, long deadlineNanos) {
        while (System.nanoTime() - deadlineNanos < 0 && !Thread.currentThread().isInterrupted()) {
            try {
                Exec.Result res = Exec.run(Duration.ofSeconds(10), null, Exec.inNamespace(bed.clientNs(), "rdisc6", "-1", "-r", "4",
                        "-w", "250", DrillBed.clientDevice(r)));
                if (res.ok() && res.out().contains(r.prefix())) {
                    return System.nanoTime();
                }
            } catch (InterruptedIOException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                // a probe that failed to run: try again until the deadline
            }
        }
        return -1;
    }

    static void nft(String namespace, String... commands) throws Exception {
        Exec.ok(Duration.ofSeconds(30), String.join("\n", commands) + "\n", Exec.inNamespace(namespace, "nft", "-f", "-"));
    }

    static String nftList(String namespace) throws Exception {
        return Exec.ok(Exec.inNamespace(namespace, "nft", "list", "table", "ip", "l3ha_drill"));
    }

    private static final Pattern COUNTER = Pattern.compile("ip protocol vrrp counter packets (\\d+) bytes (\\d+)");

    /** @return {packets, bytes} of the counter rule in table {@code ip l3ha_drill} */
    static long[] vrrpCounter(String namespace) throws Exception {
        Matcher m = COUNTER.matcher(nftList(namespace));
        if (!m.find()) {
            throw new IllegalStateException("no VRRP counter in " + namespace + ": " + nftList(namespace));
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    private static final Pattern EVENT = Pattern.compile("^(?:\\[\\S+\\] )*\\[(\\S+)\\] (Deleted )?\\d+: \\S+\\s+inet (\\S+) ");

    /**
     * @return how long the VIP stayed on the device, from {@code ip -ts monitor address}: the first
     *         addition to the deletion after it, in ms; -1 if not both were seen. {@code ip -ts}
     *         prints a timestamp for every event, and an event the {@code dev} filter drops leaves
     *         its timestamp alone on the line: the last timestamp of a line is its event's.
     */
    static long vipHeldMillis(Path events, String vip) throws Exception {
        LocalDateTime added = null;
        for (String line : Files.readAllLines(events)) {
            Matcher m = EVENT.matcher(line);
            if (!m.find() || !m.group(3).equals(vip)) {
                continue;
            }
            LocalDateTime t = LocalDateTime.parse(m.group(1));
            if (m.group(2) == null && added == null) {
                added = t;
            } else if (m.group(2) != null && added != null) {
                return Duration.between(added, t).toMillis();
            }
        }
        return -1;
    }
}
