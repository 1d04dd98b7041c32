package org.l3ha.bench;

import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** RESULTS.md: the conditions, every figure beside the floor's and Neutron's, and the targets met or missed. */
final class Report {
    /** Endpoint: l3ha's req/s at least this share of the floor's, same client and concurrency, same run. */
    static final double LOAD_SHARE = 0.80;
    /** Endpoint: l3ha's p99 at most this multiple of the floor's. */
    static final double P99_FACTOR = 1.5;
    /** Warm mass failover at advert 0: at most this multiple of the floor's accept time. */
    static final double ACCEPT_FACTOR = 1.5;
    /** "A few dozen batches". */
    static final int FEW_DOZEN = 36;
    /** Agent CPU per transition, ms. */
    static final double CPU_MS_PER_TRANSITION = 0.25;
    /** Advert 2: the slack above send span + debounce + one batch interval, s. */
    static final double ADVERT_SLACK_S = 0.2;
    /** The 100,000-router memory figure of engine + notifier + reporters must be no worse than this, B/router. */
    static final double BYTES_PER_ROUTER = 160;

    private Report() {
    }

    static String markdown(BenchMain.Results r) {
        StringBuilder md = new StringBuilder();
        md.append("# l3ha benchmark results\n\n");
        md.append("- **Date:** ").append(r.started()).append(" (whole run ").append(f1(r.seconds())).append(" s)\n");
        md.append("- **Command:** `").append(System.getProperty("bench.command",
                "mvn -B -Pbench -pl bundles/endpoint,bundles/engine,bundles/notifier,bundles/reporter-journal,itests/bench verify"))
                .append("` (after `mvn -B -q install -DskipTests`), or `itests/bench/run-bench.sh`\n");
        if (!r.parts().equals(EnumSet.allOf(BenchMain.Part.class))) {
            md.append("- **Partial run** (`bench.only`): ").append(String.join(", ", r.parts().stream().map(p -> "`" + p.key + "`")
                    .toList())).append(" only\n");
        }
        md.append("- **Machine:** ").append(Machine.cores()).append(" cores (").append(Machine.cpuModel()).append("), ")
                .append(Machine.memTotalMiB()).append(" MiB memory, ").append(System.getProperty("os.name")).append(' ')
                .append(System.getProperty("os.version")).append("; ").append(Machine.jdk()).append('\n');
        md.append("- **Conditions:** ").append(r.conditions()).append("; load average at the end ").append(Machine.loadAvg())
                .append(". Load generator, server and harness share the same cores.\n");
        md.append("- **l3ha as run:** the built assembly (`features/assembly/target/l3ha-*.tar.gz`), `bin/karaf server`, booting ")
                .append(String.join(", ", KarafInstance.FEATURES.stream().map(x -> "`" + x + "`").toList()))
                .append(" instead of `l3ha`: the state-change path (socket → debounce → state file → batches → journal) is **on**;"
                        + " the data-plane listeners (IPv6 sysctls, metadata proxy, radvd), the process manager and the oslo reporter are"
                        + " **off** (not installed), as Neutron's mass-failover peer stubs `_configure_ipv6_params`,"
                        + " `_update_metadata_proxy` and `_update_radvd_daemon`. Logging at the assembly's default (INFO, one line per"
                        + " transition and per batch, to `data/log/karaf.log`). Karaf's default heap (`-Xmx512m`, G1).\n");
        md.append("- **The floor as run:** `../shared/bench/Floor.java` (compiled once into the scratch directory), `THREADS` = ")
                .append(FloorServer.threads()).append(" (the available processors, at least 2) threads blocking in `accept()`;"
                        + " it reads each request's headers, writes a fixed `200` and closes, checking nothing: what one unix-socket"
                        + " connection per request costs on this machine with the client beside it. Warmed up like l3ha.\n");
        md.append("- **Neutron as run:** `../shared/bench/neutron_peer_server.py` (its real `L3AgentKeepalivedStateChangeServer`,"
                + " 1 server green thread on 2 cores) and `../shared/bench/neutron_mass_failover.py` (its real agent path; see"
                + " `../shared/bench/README.md` for what is stubbed), both with Debian's python3-neutron.\n\n");

        md.append("## Targets (issue 16)\n\nFigures, not test assertions. The yardstick is the floor, measured in the same run;"
                + " Neutron beside it.\n\n| target | l3ha | floor | l3ha ÷ floor | Neutron | met |\n|---|---|---|---|---|---|\n");
        targets(md, r);

        jmh(md, r.jmh());
        if (!r.load().isEmpty()) {
            load(md, r);
        }
        if (!r.failover().isEmpty() || !r.neutronFailover().isEmpty()) {
            failover(md, r);
        }
        if (r.scale() != null) {
            scale(md, r.scale());
        }
        return md.toString();
    }

    private static void load(StringBuilder md, BenchMain.Results r) {
        md.append("\n## Endpoint load: the floor, l3ha and Neutron's endpoint\n\n");
        EndpointLoad.Row first = r.load().get(0);
        md.append("`../shared/bench/LoadGen.java` (compiled once), ").append(first.requests()).append(" requests per run over ")
                .append(first.routers()).append(" routers (states primary,backup), one connection per request; the floor, l3ha and"
                        + " Neutron alternate run by run (floor, l3ha, Neutron at each concurrency). One floor for the whole part; one"
                        + " Karaf per client generation with the routers' documents in `routers_dir`, `ha_vrrp_advert_int` 2; l3ha and"
                        + " the floor warmed up by one unreported LoadGen run of the same size at c=8; a fresh Neutron peer server per"
                        + " run. **Lost** — l3ha: requests answered 200 that the engine did not count as notifications"
                        + " (`l3ha:stats` deltas), plus routers whose journal line and state file do not end at the last state sent;"
                        + " Neutron: requests answered 200 minus the notifications its agent counted (its summary line), and its"
                        + " per-state counts compared with what was sent; the floor counts nothing (n/a). **Target** (l3ha): req/s ≥ "
                        + pct(LOAD_SHARE) + " of the floor's and p99 ≤ ").append(f1(P99_FACTOR)).append("× the floor's, same round.\n\n");
        md.append("| client | concurrency | side | req/s | p50 ms | p99 ms | max ms | ok | errors | lost | req/s ÷ floor | p99 ÷ floor |"
                + " target met | l3ha/Neutron req/s |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (EndpointLoad.Row l : r.load()) {
            Optional<EndpointLoad.Row> floor = peer(r, l.client(), l.concurrency(), "floor");
            String share = "";
            String p99 = "";
            String verdict = "";
            if (!l.side().equals("floor") && floor.isPresent()) {
                share = f2(l.reqPerS() / floor.get().reqPerS());
                p99 = f2(l.p99Ms() / floor.get().p99Ms());
                if (l.side().equals("l3ha")) {
                    verdict = yes(loadMet(l, floor.get()));
                }
            }
            String ratio = "";
            if (l.side().equals("neutron")) {
                ratio = peer(r, l.client(), l.concurrency(), "l3ha").map(m -> f1(m.reqPerS() / l.reqPerS()) + "×").orElse("");
            }
            md.append("| ").append(l.client()).append(" | ").append(l.concurrency()).append(" | ").append(l.side()).append(" | ")
                    .append(f0(l.reqPerS())).append(" | ").append(f3(l.p50Ms())).append(" | ").append(f3(l.p99Ms())).append(" | ")
                    .append(f3(l.maxMs())).append(" | ").append(l.ok()).append(" | ").append(l.errors()).append(" | ")
                    .append(l.lost() == EndpointLoad.NOT_COUNTED ? "n/a" : Long.toString(l.lost())).append(" | ").append(share)
                    .append(" | ").append(p99).append(" | ").append(verdict).append(" | ").append(ratio).append(" |\n");
        }
        md.append("\n<details><summary>loss accounting per run</summary>\n\n");
        for (EndpointLoad.Row l : r.load()) {
            md.append("- ").append(l.client()).append(" c=").append(l.concurrency()).append(' ').append(l.side()).append(": ")
                    .append(l.lossNote()).append('\n');
        }
        md.append("\n</details>\n\n![req/s by concurrency](endpoint-throughput.png)\n");
    }

    private static void failover(StringBuilder md, BenchMain.Results r) {
        int routers = !r.failover().isEmpty() ? r.failover().get(0).routers() : r.neutronFailover().get(0).routers();
        md.append("\n## Mass failover: ").append(routers).append(" routers\n\n");
        md.append("Each storm sends one notification per router (httplib2 bytes, concurrency ").append(MassFailover.CONCURRENCY)
                .append("). **t** = first notification → the batch in which the last router first appeared with the new state"
                        + " (l3ha: from the harness's first `connect` to the `time` of that journal line; Neutron: from the first"
                        + " arrival in `enqueue_state_change` to that `update_ha_routers_states` call). Batches, missing and wrong are"
                        + " counted up to one batch interval + 1 s after completion. **CPU**: l3ha = Karaf's JVM (`/proc/<pid>/stat`"
                        + " utime+stime over the storm and that settling time; includes the endpoint (Netty), the engine's state files, the journal's"
                        + " fsyncs and the log); **JIT** = the part of it spent by the JVM's `C1/C2 CompilerThre` threads"
                        + " (`/proc/<pid>/task/*/stat`; a compiler thread that exits during the storm is not counted, so a lower bound);"
                        + " Neutron = its worker process (`getrusage`). **CPU/transition** = CPU ÷ routers. Neutron's load generator is"
                        + " LoadGen (c=64), l3ha's the harness's own client sending the same bytes. One run each.\n\n");
        md.append("**l3ha's storms:** Karaf is started; its first storm (every router → primary, each router's first state"
                + " change) is the **cold** one; then ");
        if (!r.failover().isEmpty()) {
            List<MassFailover.L3haPhase> wu = r.failover().get(0).warmUps();
            md.append(wu.size()).append(" warm-up storm(s) (").append(String.join(" → ", wu.stream().map(MassFailover.L3haPhase::state)
                    .toList())).append("; `bench.warmStorms`, rounded up to odd so that the last leaves every router backup; not"
                            + " targets)");
        } else {
            md.append("warm-up storms");
        }
        md.append("; then the measured **warm** phases primary → backup → primary, as on an agent that has been through storms"
                + " already. Every warm phase is a real transition (phase 1 is backup → primary, debounced like phase 3), where"
                + " Neutron's phase 1 is each router's initial state change (not debounced).\n\n");

        MassFailover.FloorAccept fa = r.floorAccept();
        if (fa != null) {
            md.append("### The floor's accept time\n\nThe same client (the harness's `MonitorClient`, httplib2 bytes, concurrency ")
                    .append(MassFailover.CONCURRENCY).append(") sending ").append(fa.routers()).append(" notifications to the floor (")
                    .append(fa.threads()).append(" threads), first connect → last reply, after one unmeasured run: **")
                    .append(f3(fa.median())).append(" s** (median of ").append(String.join(" / ", fa.seconds().stream()
                            .map(Report::f3).toList())).append(" s; ").append(fa.errors()).append(" errors). Target for the warm"
                                    + " storms at advert 0: ≤ ").append(f1(ACCEPT_FACTOR)).append(" × that = **")
                    .append(f3(ACCEPT_FACTOR * fa.median())).append(" s**.\n\n");
        }

        if (!r.failover().isEmpty()) {
            md.append("### Cold: the first storm after boot (reported, no target)\n\n");
            md.append("| advert_int | storm | l3ha t s | t ÷ floor accept | l3ha batches (max) | missing/wrong | send span s | CPU s |"
                    + " CPU ms/transition | JIT CPU s (share) | cold − warm phase 1: t s / CPU s / JIT s |"
                    + " Neutron phase 1 t s (initial) | Neutron CPU ms/transition |\n");
            md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (MassFailover.L3haRun run : r.failover()) {
                MassFailover.L3haPhase p = run.cold();
                Optional<MassFailover.NeutronPhase> n = neutron(r, p.advertInt(), 1);
                md.append("| ").append(p.advertInt()).append(" | ").append(p.state()).append(" (cold) | ").append(t(p)).append(" | ")
                        .append(fa == null ? "" : f2(p.seconds() / fa.median()) + "×").append(" | ");
                l3haCells(md, p);
                MassFailover.L3haPhase w = run.phases().get(0);
                md.append(signed(p.seconds() - w.seconds())).append(" / ").append(signed(p.cpuSeconds() - w.cpuSeconds())).append(" / ")
                        .append(signed(p.jitCpuSeconds() - w.jitCpuSeconds())).append(" | ");
                md.append(n.map(np -> (np.lowerBound() ? "≥ " : "") + f3(np.seconds()) + " | " + f3(np.cpuSeconds() * 1000 / np.routers()))
                        .orElse("n/a | n/a")).append(" |\n");
            }
            md.append("\n**What the JIT costs:** the JIT column is the compiler threads' CPU within the storm's; the difference to the"
                    + " warm phase 1 (the same state, primary, on the same Karaf after the warm-up storms) is what a first storm after"
                    + " boot pays in time, agent CPU and compilation.\n\n");
            md.append("### Warm: the measured phases\n\n");
            md.append("Targets: advert 0 — t ≤ ").append(f1(ACCEPT_FACTOR)).append(" × the floor's accept time, ≤ ").append(FEW_DOZEN)
                    .append(" batches (a few dozen), ≤ ").append(f2(CPU_MS_PER_TRANSITION)).append(" ms CPU per transition; advert > 0"
                            + " — t ≤ l3ha's own send span + `ha_vrrp_advert_int` (debounce) + one batch interval (= `ha_vrrp_advert_int`,"
                            + " not configured otherwise) + ").append(f1(ADVERT_SLACK_S)).append(" s.\n\n");
            md.append("| advert_int | phase | l3ha t s | target s | met | t ÷ floor accept | l3ha batches (max) | missing/wrong |"
                    + " send span s | CPU s | CPU ms/transition | JIT CPU s (share) | Neutron t s | Neutron RPC batches (max) |"
                    + " Neutron missing/wrong | Neutron arrival span s | Neutron CPU s | Neutron CPU ms/transition | t Neutron/l3ha |\n");
            md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (MassFailover.L3haRun run : r.failover()) {
                for (MassFailover.L3haPhase p : run.phases()) {
                    md.append("| ").append(p.advertInt()).append(" | ").append(p.phase()).append(' ').append(p.state())
                            .append(p.phase() == 2 ? "" : " (debounced)").append(" | ").append(t(p)).append(" | ");
                    Double bound = warmBound(run, p, fa);
                    md.append(bound == null ? "n/a" : f3(bound)).append(" | ").append(bound == null ? "n/a" : yes(warmMet(run, p, fa)))
                            .append(" | ").append(fa == null ? "" : f2(p.seconds() / fa.median()) + "×").append(" | ");
                    l3haCells(md, p);
                    Optional<MassFailover.NeutronPhase> n = neutron(r, p.advertInt(), p.phase());
                    if (n.isPresent()) {
                        MassFailover.NeutronPhase np = n.get();
                        md.append(np.lowerBound() ? "≥ " : "").append(f3(np.seconds())).append(np.phase() == 1 ? " (initial)" : "")
                                .append(" | ").append(np.batches()).append(" (").append(np.maxBatch()).append(") | ").append(np.missing())
                                .append('/').append(np.wrong()).append(" | ").append(f3(np.arrivalSpan())).append(" | ")
                                .append(f2(np.cpuSeconds())).append(" | ").append(f3(np.cpuSeconds() * 1000 / np.routers())).append(" | ")
                                .append(f1(np.seconds() / p.seconds())).append("× |\n");
                    } else {
                        md.append("n/a | | | | | | |\n");
                    }
                }
            }
            md.append("\n<details><summary>warm-up storms (not targets)</summary>\n\n| advert_int | storm | t s | batches (max) |"
                    + " missing/wrong | send span s | CPU s | CPU ms/transition | JIT CPU s (share) |\n|---|---|---|---|---|---|---|---|---|\n");
            for (MassFailover.L3haRun run : r.failover()) {
                for (MassFailover.L3haPhase p : run.warmUps()) {
                    md.append("| ").append(p.advertInt()).append(" | ").append(p.phase()).append(' ').append(p.state()).append(" | ")
                            .append(t(p)).append(" | ");
                    l3haCells(md, p);
                    md.setLength(md.length() - 3);
                    md.append(" |\n");
                }
            }
            md.append("\n</details>\n");
            md.append("\n| advert_int | l3ha heap after GC, routers loaded, idle | l3ha heap after GC after all storms |"
                    + " l3ha Karaf CPU s from boot to idle | Neutron peak RSS MiB (whole worker process) |\n|---|---|---|---|---|\n");
            for (MassFailover.L3haRun run : r.failover()) {
                double rss = r.neutronFailover().stream().filter(x -> x.advertInt() == run.advertInt())
                        .mapToDouble(MassFailover.NeutronPhase::peakRssMiB).max().orElse(0);
                md.append("| ").append(run.advertInt()).append(" | ").append(mib(run.heapIdleBytes())).append(" | ")
                        .append(mib(run.heapAfterBytes())).append(" | ").append(f1(run.startupCpuSeconds())).append(" | ")
                        .append(r.neutronFailover().isEmpty() ? "n/a" : f0(rss)).append(" |\n");
            }
            md.append("\nHeap: `jcmd <pid> GC.run` then `GC.heap_info` (used) in Karaf's JVM; the whole Karaf (features, shell, ssh,"
                    + " log buffers) included, not only l3ha.\n");
        } else {
            md.append("l3ha's storms were not run (`bench.only`).\n\n| advert_int | phase | Neutron t s | Neutron RPC batches (max) |"
                    + " Neutron missing/wrong | Neutron CPU s |\n|---|---|---|---|---|---|\n");
            for (MassFailover.NeutronPhase np : r.neutronFailover()) {
                md.append("| ").append(np.advertInt()).append(" | ").append(np.phase()).append(' ').append(np.state()).append(" | ")
                        .append(np.lowerBound() ? "≥ " : "").append(f3(np.seconds())).append(" | ").append(np.batches()).append(" (")
                        .append(np.maxBatch()).append(") | ").append(np.missing()).append('/').append(np.wrong()).append(" | ")
                        .append(f2(np.cpuSeconds())).append(" |\n");
            }
        }
        md.append("\n![mass failover timeline](mass-failover-timeline.png)\n");
    }

    /** The l3ha cells from batches to JIT, each followed by {@code " | "}. */
    private static void l3haCells(StringBuilder md, MassFailover.L3haPhase p) {
        md.append(p.batches()).append(" (").append(p.maxBatch()).append(") | ").append(p.missing()).append('/').append(p.wrong())
                .append(" | ").append(f3(p.sendSeconds())).append(p.sendErrors() > 0 ? " (" + p.sendErrors() + " errors)" : "")
                .append(" | ").append(f2(p.cpuSeconds())).append(" | ").append(f3(p.cpuMsPerTransition())).append(" | ")
                .append(f2(p.jitCpuSeconds())).append(" (").append(p.cpuSeconds() > 0 ? pct(p.jitCpuSeconds() / p.cpuSeconds()) : "–")
                .append(") | ");
    }

    private static String t(MassFailover.L3haPhase p) {
        return (p.lowerBound() ? "≥ " : "") + f3(p.seconds());
    }

    /** @return the warm phase's bound on t, s, or null when the floor was not measured (advert 0) */
    static Double warmBound(MassFailover.L3haRun run, MassFailover.L3haPhase p, MassFailover.FloorAccept fa) {
        if (p.advertInt() == 0) {
            return fa == null ? null : ACCEPT_FACTOR * fa.median();
        }
        return p.sendSeconds() + p.advertInt() + run.batchInterval() + ADVERT_SLACK_S;
    }

    /** @return whether a warm phase met its targets (nothing lost included; CPU and batches at advert 0) */
    static boolean warmMet(MassFailover.L3haRun run, MassFailover.L3haPhase p, MassFailover.FloorAccept fa) {
        Double bound = warmBound(run, p, fa);
        boolean ok = bound != null && !p.lowerBound() && p.seconds() <= bound && p.missing() + p.wrong() + p.sendErrors() == 0;
        if (p.advertInt() == 0) {
            ok &= p.batches() <= FEW_DOZEN && p.cpuMsPerTransition() <= CPU_MS_PER_TRANSITION;
        }
        return ok;
    }

    static boolean loadMet(EndpointLoad.Row l3ha, EndpointLoad.Row floor) {
        return l3ha.reqPerS() >= LOAD_SHARE * floor.reqPerS() && l3ha.p99Ms() <= P99_FACTOR * floor.p99Ms() && l3ha.errors() == 0
                && l3ha.lost() == 0;
    }

    private static void scale(StringBuilder md, Scale.Result sc) {
        md.append("\n## Scale: ").append(sc.routers()).append(" routers in one JVM\n\n");
        md.append("The bundles themselves, black-box, in an OSGi framework inside the harness's JVM (`-XX:+UseSerialGC`; Apache Felix"
                + " with Felix SCR and ConfigurationAdmin, `EmbeddedFelix`), reached only through their `org.l3ha.api` services and"
                + " started one step at a time: the file registry loads one document per router (an IPv4 HA router: gateway port,"
                + " one internal port, HA port; see `RouterDocs`); the engine applies backup then primary (`ha_vrrp_advert_int` 0)"
                + " to every router (state files written); then the journal reporter and the notifier start (the engine binds the"
                + " notifier: resync of every router, delivered) and every router transitions once more, delivered to the journal."
                + " Heap in use after full GCs (`System.gc()` until it stops shrinking, `MemoryMXBean`; read again every 2 s while"
                + " it still shrinks) between the steps.\n\n");
        md.append("| step | heap used after GC | Δ per router |\n|---|---|---|\n");
        md.append("| baseline (harness, framework, SCR, ConfigAdmin; l3ha bundles installed) | ").append(mib(sc.baseline())).append(" | |\n");
        md.append("| (a) + registry with ").append(sc.routers()).append(" documents | ").append(mib(sc.withRegistry())).append(" | ")
                .append(f0(sc.registryPerRouter())).append(" B |\n");
        md.append("| + engine, every router applied twice | ").append(mib(sc.withEngine())).append(" | ").append(f0(sc.enginePerRouter()))
                .append(" B |\n");
        md.append("| + notifier and journal reporter, everything delivered | ").append(mib(sc.withAll())).append(" | ")
                .append(f0(sc.notifierReporterPerRouter())).append(" B |\n");
        md.append("| **(b) engine + notifier + reporters** (above the registry-loaded idle baseline) | | **")
                .append(f0(sc.stateKeepersPerRouter())).append(" B** |\n");
        md.append("\n<details><summary>class histogram at the end (top)</summary>\n\n```\n");
        sc.histogramTop().forEach(l -> md.append(l).append('\n'));
        md.append("```\n\n</details>\n");
    }

    private static void targets(StringBuilder md, BenchMain.Results r) {
        List<String> clients = r.load().stream().map(EndpointLoad.Row::client).distinct().toList();
        List<Integer> concs = r.load().stream().map(EndpointLoad.Row::concurrency).distinct().sorted().toList();
        for (String client : clients) {
            for (int c : concs) {
                Optional<EndpointLoad.Row> l = peer(r, client, c, "l3ha");
                Optional<EndpointLoad.Row> f = peer(r, client, c, "floor");
                Optional<EndpointLoad.Row> n = peer(r, client, c, "neutron");
                if (l.isEmpty() || f.isEmpty()) {
                    continue;
                }
                double share = l.get().reqPerS() / f.get().reqPerS();
                row(md, "endpoint req/s ≥ " + pct(LOAD_SHARE) + " of the floor's, " + client + ", c=" + c, f0(l.get().reqPerS()),
                        f0(f.get().reqPerS()), f2(share), n.map(x -> f0(x.reqPerS())).orElse("n/a"), share >= LOAD_SHARE);
                double p99 = l.get().p99Ms() / f.get().p99Ms();
                row(md, "endpoint p99 ≤ " + f1(P99_FACTOR) + "× the floor's, " + client + ", c=" + c, f3(l.get().p99Ms()) + " ms",
                        f3(f.get().p99Ms()) + " ms", f2(p99) + "×", n.map(x -> f3(x.p99Ms()) + " ms").orElse("n/a"), p99 <= P99_FACTOR);
            }
        }
        if (!r.load().isEmpty()) {
            long lostL = sum(r, "l3ha", EndpointLoad.Row::lost);
            long errL = sum(r, "l3ha", EndpointLoad.Row::errors);
            long lostN = sum(r, "neutron", EndpointLoad.Row::lost);
            long errF = sum(r, "floor", EndpointLoad.Row::errors);
            row(md, "endpoint: 0 lost, every client and concurrency", lostL + " lost, " + errL + " errors", "n/a (counts nothing; "
                    + errF + " errors)", "", lostN + " lost", lostL == 0 && errL == 0);
        }
        MassFailover.FloorAccept fa = r.floorAccept();
        for (MassFailover.L3haRun run : r.failover()) {
            Optional<MassFailover.L3haPhase> worstOpt = run.phases().stream()
                    .max(Comparator.comparingDouble(p -> p.seconds() - (warmBound(run, p, fa) == null ? 0 : warmBound(run, p, fa))));
            if (worstOpt.isEmpty()) {
                continue;
            }
            MassFailover.L3haPhase worst = worstOpt.get();
            int bad = run.phases().stream().mapToInt(p -> p.missing() + p.wrong() + p.sendErrors() + (p.lowerBound() ? 1 : 0)).sum();
            double neutronWorst = r.neutronFailover().stream().filter(x -> x.advertInt() == run.advertInt())
                    .mapToDouble(MassFailover.NeutronPhase::seconds).max().orElse(Double.NaN);
            String nT = Double.isNaN(neutronWorst) ? "n/a" : "worst phase " + f3(neutronWorst) + " s";
            String floorT = fa == null ? "not measured" : "accepts " + fa.routers() + " in " + f3(fa.median()) + " s";
            String ratio = fa == null ? "" : f2(worst.seconds() / fa.median()) + "×";
            String lost = bad == 0 ? "" : ", " + bad + " missing/wrong/errors/capped";
            if (run.advertInt() == 0) {
                Double bound = warmBound(run, worst, fa);
                row(md, "warm mass failover, " + run.routers() + " routers, advert 0: t ≤ " + f1(ACCEPT_FACTOR)
                        + "× the floor's accept time" + (bound == null ? "" : " = " + f3(bound) + " s"),
                        "worst warm phase " + t(worst) + " s" + lost, floorT, ratio, nT,
                        bound != null && worst.seconds() <= bound && bad == 0 && !worst.lowerBound());
                int batches = run.phases().stream().mapToInt(MassFailover.L3haPhase::batches).max().orElse(0);
                int nBatches = r.neutronFailover().stream().filter(x -> x.advertInt() == 0).mapToInt(MassFailover.NeutronPhase::batches)
                        .max().orElse(-1);
                row(md, "warm mass failover, advert 0: a few dozen batches (≤ " + FEW_DOZEN + ")", "most " + batches, "", "",
                        nBatches < 0 ? "n/a" : "most " + nBatches + " RPCs", batches <= FEW_DOZEN);
                MassFailover.L3haPhase cpu = run.phases().stream().max(Comparator.comparingDouble(MassFailover.L3haPhase::cpuMsPerTransition))
                        .orElseThrow();
                double nCpu = r.neutronFailover().stream().filter(x -> x.advertInt() == 0)
                        .mapToDouble(x -> x.cpuSeconds() * 1000 / x.routers()).max().orElse(Double.NaN);
                row(md, "warm mass failover, advert 0: ≤ " + f2(CPU_MS_PER_TRANSITION) + " ms agent CPU per transition",
                        "worst " + f3(cpu.cpuMsPerTransition()) + " ms (phase " + cpu.phase() + ")", "", "",
                        Double.isNaN(nCpu) ? "n/a" : "worst " + f3(nCpu) + " ms", cpu.cpuMsPerTransition() <= CPU_MS_PER_TRANSITION);
            } else {
                double bound = warmBound(run, worst, fa);
                row(md, "warm mass failover, " + run.routers() + " routers, advert " + run.advertInt() + ": t ≤ send span + "
                        + run.advertInt() + " s debounce + " + f1(run.batchInterval()) + " s batch interval + " + f1(ADVERT_SLACK_S) + " s",
                        "phase " + worst.phase() + ": " + t(worst) + " s vs " + f3(bound) + " s (send span " + f3(worst.sendSeconds())
                                + " s)" + lost, floorT, ratio, nT,
                        run.phases().stream().allMatch(p -> p.seconds() <= warmBound(run, p, fa) && !p.lowerBound()) && bad == 0);
            }
        }
        for (MassFailover.L3haRun run : r.failover()) {
            MassFailover.L3haPhase cold = run.cold();
            double warmJit = run.phases().stream().mapToDouble(MassFailover.L3haPhase::jitCpuSeconds).max().orElse(0);
            md.append("| cold mass failover (first storm after boot), advert ").append(run.advertInt()).append(": reported | ")
                    .append(t(cold)).append(" s, CPU ").append(f3(cold.cpuMsPerTransition())).append(" ms/transition, JIT ")
                    .append(f2(cold.jitCpuSeconds())).append(" s (warm phases ≤ ").append(f2(warmJit)).append(" s) | ")
                    .append(fa == null ? "" : f3(fa.median()) + " s").append(" | ")
                    .append(fa == null ? "" : f2(cold.seconds() / fa.median()) + "×").append(" | ")
                    .append(neutron(r, run.advertInt(), 1).map(n -> "phase 1 " + f3(n.seconds()) + " s").orElse("n/a"))
                    .append(" | (no target) |\n");
        }
        if (r.scale() != null) {
            double b = r.scale().stateKeepersPerRouter();
            row(md, "memory: engine + notifier + reporters ≤ " + f0(BYTES_PER_ROUTER) + " B/router above idle (no worse), "
                    + r.scale().routers() + " routers", f0(b) + " B/router (registry documents beside it: "
                    + f0(r.scale().registryPerRouter()) + " B/router)", "", "", "n/a", b <= BYTES_PER_ROUTER);
        }
    }

    private static void row(StringBuilder md, String target, String l3ha, String floor, String ratio, String neutron, boolean met) {
        md.append("| ").append(target).append(" | ").append(l3ha).append(" | ").append(floor).append(" | ").append(ratio).append(" | ")
                .append(neutron).append(" | ").append(yes(met)).append(" |\n");
    }

    private static long sum(BenchMain.Results r, String side, java.util.function.ToLongFunction<EndpointLoad.Row> f) {
        return r.load().stream().filter(x -> x.side().equals(side)).mapToLong(f).sum();
    }

    private static Optional<MassFailover.NeutronPhase> neutron(BenchMain.Results r, int advertInt, int phase) {
        return r.neutronFailover().stream().filter(x -> x.advertInt() == advertInt && x.phase() == phase).findFirst();
    }

    private static String yes(boolean met) {
        return met ? "yes" : "**no**";
    }

    static String signed(double v) {
        return String.format(Locale.ROOT, "%+.2f", v);
    }

    static String pct(double share) {
        return String.format(Locale.ROOT, "%.0f %%", share * 100);
    }

    private static void jmh(StringBuilder md, Jmh.Results jmh) {
        md.append("\n## JMH micro-benchmarks\n\n");
        md.append("In the test sources of the bundles they measure, run by each bundle's `-Pbench` build (`mvn -B -Pbench -pl")
                .append(" bundles/<bundle> verify`; `itests/bench/run-bench.sh` runs them before this module). Read from:\n\n");
        jmh.sources().forEach(s -> md.append("- ").append(s).append('\n'));
        if (jmh.rows().isEmpty()) {
            md.append("\nNo JMH results.\n");
            return;
        }
        md.append('\n');
        jmh.rows().stream().map(Jmh.Row::settings).distinct()
                .forEach(s -> md.append(s).append("; score ± 99.9 % error.\n"));
        md.append("\n| benchmark | what | score | error | unit |\n|---|---|---|---|---|\n");
        for (Jmh.Row j : jmh.rows()) {
            md.append("| `").append(j.benchmark()).append("` | ").append(what(j.benchmark())).append(" | ").append(f3(j.score()))
                    .append(" | ± ").append(f3(j.error())).append(" | ").append(j.unit()).append(" |\n");
        }
    }

    private static Optional<EndpointLoad.Row> peer(BenchMain.Results r, String client, int c, String side) {
        return r.load().stream().filter(x -> x.client().equals(client) && x.concurrency() == c && x.side().equals(side)).findFirst();
    }

    private static String what(String benchmark) {
        if (benchmark.startsWith("EndpointBench.http")) {
            return "a connection's whole pipeline on Netty's in-memory `EmbeddedChannel`: decode + `NotificationHandler` + hand-over + encoded 200 reply"
                    + " (a fresh in-memory channel per request, no socket, no thread hand-off)";
        }
        if (benchmark.startsWith("EndpointBench.parse")) {
            return "Netty's `HttpRequestDecoder` on the httplib2 bytes + the validation steps + `HoldingBuffer.offer` (no reply, no thread)";
        }
        if (benchmark.startsWith("EndpointBench.validate")) {
            return "validation alone: UUID check, `HaState.parse`, normalise, `HoldingBuffer.offer` to the sink";
        }
        if (benchmark.startsWith("EngineBench")) {
            return "`Transitions.accept` per notification: a primary→backup flap inside the debounce (timer armed, cancelled, absorbed)";
        }
        if (benchmark.equals("NotifierBench.queue")) {
            return "`BatchNotifier.queue`: newest state per router + fan-out to a bound reporter's channel";
        }
        if (benchmark.startsWith("NotifierBench.batch")) {
            return "`ChannelQueue`: 1,000 states offered, taken as one batch, succeeded; per state";
        }
        if (benchmark.equals("JournalBench.line1000")) {
            return "`JournalReporter.line`: the JSON line of a 1,000-router batch";
        }
        if (benchmark.startsWith("JournalBench.append")) {
            return "`JournalReporter.report`: one batch of " + benchmark.substring("JournalBench.append".length())
                    + " state(s) appended, fsync, close";
        }
        return "";
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    static String f0(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }

    static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
