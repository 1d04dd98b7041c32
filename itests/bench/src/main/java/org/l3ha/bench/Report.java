package org.l3ha.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** RESULTS.md: the conditions, every figure, and the targets met or missed. */
final class Report {
    private Report() {
    }

    static String markdown(BenchMain.Results r) {
        StringBuilder md = new StringBuilder();
        md.append("# l3ha benchmark results\n\n");
        md.append("- **Date:** ").append(r.started()).append(" (whole run ").append(f1(r.seconds())).append(" s)\n");
        md.append("- **Command:** `").append(System.getProperty("bench.command",
                "mvn -B -Pbench -pl bundles/endpoint,bundles/engine,bundles/notifier,bundles/reporter-journal,itests/bench verify"))
                .append("` (after `mvn -B -q install -DskipTests`), or `itests/bench/run-bench.sh`\n");
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
        md.append("- **Neutron as run:** `../shared/bench/neutron_peer_server.py` (its real `L3AgentKeepalivedStateChangeServer`,"
                + " 1 server green thread on 2 cores) and `../shared/bench/neutron_mass_failover.py` (its real agent path; see"
                + " `../shared/bench/README.md` for what is stubbed), both with Debian's python3-neutron.\n\n");

        md.append("## Targets (issue 8)\n\n| target | measured | met |\n|---|---|---|\n");
        targets(md, r);

        jmh(md, r.jmh());

        md.append("\n## Endpoint load: l3ha vs Neutron's endpoint\n\n");
        EndpointLoad.Row first = r.load().get(0);
        md.append("`../shared/bench/LoadGen.java` (compiled once), ").append(first.requests()).append(" requests per run over ")
                .append(first.routers()).append(" routers (states primary,backup), one connection per request; l3ha and Neutron"
                        + " alternate run by run (l3ha, then Neutron, at each concurrency). One Karaf per client generation with"
                        + " the routers' documents in `routers_dir`, `ha_vrrp_advert_int` 2, warmed up by one unreported LoadGen run of the same size at c=8 after boot; a fresh Neutron peer server per run."
                        + " **Lost** — l3ha: requests answered 200 that the engine did not count as notifications"
                        + " (`l3ha:stats` deltas), plus routers whose journal line and state file do not end at the last state sent;"
                        + " Neutron: requests answered 200 minus the notifications its agent counted (its summary line), and its"
                        + " per-state counts compared with what was sent.\n\n");
        md.append("| client | concurrency | side | req/s | p50 ms | p99 ms | max ms | ok | errors | lost | l3ha/Neutron req/s |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (EndpointLoad.Row l : r.load()) {
            String ratio = "";
            if (l.side().equals("neutron")) {
                Optional<EndpointLoad.Row> mine = peer(r, l.client(), l.concurrency(), "l3ha");
                ratio = mine.map(m -> f1(m.reqPerS() / l.reqPerS()) + "×").orElse("");
            }
            md.append("| ").append(l.client()).append(" | ").append(l.concurrency()).append(" | ").append(l.side()).append(" | ")
                    .append(f0(l.reqPerS())).append(" | ").append(f3(l.p50Ms())).append(" | ").append(f3(l.p99Ms())).append(" | ")
                    .append(f3(l.maxMs())).append(" | ").append(l.ok()).append(" | ").append(l.errors()).append(" | ")
                    .append(l.lost()).append(" | ").append(ratio).append(" |\n");
        }
        md.append("\n<details><summary>loss accounting per run</summary>\n\n");
        for (EndpointLoad.Row l : r.load()) {
            md.append("- ").append(l.client()).append(" c=").append(l.concurrency()).append(' ').append(l.side()).append(": ")
                    .append(l.lossNote()).append('\n');
        }
        md.append("\n</details>\n\n![req/s by concurrency](endpoint-throughput.png)\n");

        md.append("\n## Mass failover: ").append(r.failover().get(0).routers()).append(" routers, primary → backup → primary\n\n");
        md.append("Each phase sends one notification per router (httplib2 bytes, concurrency ").append(MassFailover.CONCURRENCY)
                .append("). **t** = first notification → the batch in which the last router first appeared with the new state"
                        + " (l3ha: from the harness's first `connect` to the `time` of that journal line; Neutron: from the first"
                        + " arrival in `enqueue_state_change` to that `update_ha_routers_states` call). Batches, missing and wrong are"
                        + " counted up to one batch interval + 1 s after completion. CPU: l3ha = Karaf's JVM (`/proc/<pid>/stat`"
                        + " utime+stime over the phase, includes Jetty, the engine's state files, the journal's fsyncs and the log);"
                        + " Neutron = its worker process (`getrusage`). Neutron's load generator is LoadGen (c=64), l3ha's the"
                        + " harness's own client sending the same bytes. One run each.\n\n");
        md.append("| advert_int | phase | l3ha t s | l3ha batches (max) | l3ha missing/wrong | l3ha send span s | l3ha CPU s |"
                + " Neutron t s | Neutron RPC batches (max) | Neutron missing/wrong | Neutron arrival span s | Neutron CPU s | t Neutron/l3ha |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (MassFailover.L3haRun run : r.failover()) {
            for (MassFailover.L3haPhase p : run.phases()) {
                Optional<MassFailover.NeutronPhase> n = r.neutronFailover().stream()
                        .filter(x -> x.advertInt() == p.advertInt() && x.phase() == p.phase()).findFirst();
                md.append("| ").append(p.advertInt()).append(" | ").append(p.phase()).append(' ').append(p.state())
                        .append(p.phase() == 3 ? " (debounced)" : p.phase() == 1 ? " (initial)" : "").append(" | ")
                        .append(p.lowerBound() ? "≥ " : "").append(f3(p.seconds())).append(" | ").append(p.batches()).append(" (")
                        .append(p.maxBatch()).append(") | ").append(p.missing()).append('/').append(p.wrong()).append(" | ")
                        .append(f3(p.sendSeconds())).append(p.sendErrors() > 0 ? " (" + p.sendErrors() + " errors)" : "").append(" | ")
                        .append(f2(p.cpuSeconds())).append(" | ");
                if (n.isPresent()) {
                    MassFailover.NeutronPhase np = n.get();
                    md.append(np.lowerBound() ? "≥ " : "").append(f3(np.seconds())).append(" | ").append(np.batches()).append(" (")
                            .append(np.maxBatch()).append(") | ").append(np.missing()).append('/').append(np.wrong()).append(" | ")
                            .append(f3(np.arrivalSpan())).append(" | ").append(f2(np.cpuSeconds())).append(" | ")
                            .append(f1(np.seconds() / p.seconds())).append("× |\n");
                } else {
                    md.append("n/a | | | | | |\n");
                }
            }
        }
        md.append("\n| advert_int | l3ha heap after GC, routers loaded, idle | l3ha heap after GC after the 3 phases |"
                + " l3ha Karaf CPU s from boot to idle | Neutron peak RSS MiB (whole worker process) |\n|---|---|---|---|---|\n");
        for (MassFailover.L3haRun run : r.failover()) {
            double rss = r.neutronFailover().stream().filter(x -> x.advertInt() == run.advertInt())
                    .mapToDouble(MassFailover.NeutronPhase::peakRssMiB).max().orElse(0);
            md.append("| ").append(run.advertInt()).append(" | ").append(mib(run.heapIdleBytes())).append(" | ")
                    .append(mib(run.heapAfterBytes())).append(" | ").append(f1(run.startupCpuSeconds())).append(" | ")
                    .append(f0(rss)).append(" |\n");
        }
        md.append("\nHeap: `jcmd <pid> GC.run` then `GC.heap_info` (used) in Karaf's JVM; the whole Karaf (features, shell, ssh,"
                + " log buffers) included, not only l3ha.\n\n![mass failover timeline](mass-failover-timeline.png)\n");

        Scale.Result sc = r.scale();
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
        return md.toString();
    }

    private static void targets(StringBuilder md, BenchMain.Results r) {
        for (int c : List.of(8, 64)) {
            for (String client : r.load().stream().map(EndpointLoad.Row::client).distinct().toList()) {
                Optional<EndpointLoad.Row> l = peer(r, client, c, "l3ha");
                Optional<EndpointLoad.Row> n = peer(r, client, c, "neutron");
                if (l.isPresent() && n.isPresent()) {
                    double ratio = l.get().reqPerS() / n.get().reqPerS();
                    md.append("| endpoint ≥ 10× Neutron's req/s, c=").append(c).append(", ").append(client).append(" | ")
                            .append(f0(l.get().reqPerS())).append(" vs ").append(f0(n.get().reqPerS())).append(" req/s = ")
                            .append(f1(ratio)).append("× | ").append(ratio >= 10 ? "yes" : "**no**").append(" |\n");
                }
            }
        }
        for (String client : r.load().stream().map(EndpointLoad.Row::client).distinct().toList()) {
            peer(r, client, 64, "l3ha").ifPresent(l -> md.append("| endpoint p99 < 2 ms at c=64, ").append(client).append(" | ")
                    .append(f3(l.p99Ms())).append(" ms | ").append(l.p99Ms() < 2 ? "yes" : "**no**").append(" |\n"));
        }
        long lostL = r.load().stream().filter(x -> x.side().equals("l3ha")).mapToLong(EndpointLoad.Row::lost).sum();
        long lostN = r.load().stream().filter(x -> x.side().equals("neutron")).mapToLong(EndpointLoad.Row::lost).sum();
        long errL = r.load().stream().filter(x -> x.side().equals("l3ha")).mapToLong(EndpointLoad.Row::errors).sum();
        md.append("| zero lost notifications at any concurrency | l3ha ").append(lostL).append(" lost, ").append(errL)
                .append(" errors; Neutron ").append(lostN).append(" lost | ").append(lostL == 0 && errL == 0 ? "yes" : "**no**")
                .append(" |\n");
        for (MassFailover.L3haRun run : r.failover()) {
            double worst = run.phases().stream().mapToDouble(MassFailover.L3haPhase::seconds).max().orElse(0);
            int maxBatches = run.phases().stream().mapToInt(MassFailover.L3haPhase::batches).max().orElse(0);
            int bad = run.phases().stream().mapToInt(p -> p.missing() + p.wrong() + p.sendErrors()).sum();
            if (run.advertInt() == 0) {
                boolean met = worst <= 1.0 && maxBatches <= 36 && bad == 0;
                md.append("| mass failover ").append(run.routers()).append(" routers, advert 0: ≤ 1 s, ≤ a few dozen batches | worst phase ")
                        .append(f3(worst)).append(" s, most batches ").append(maxBatches).append(", missing/wrong/errors ").append(bad)
                        .append(" | ").append(met ? "yes" : "**no**").append(" |\n");
            } else {
                double bound = run.advertInt() * 2 + 1.0;
                boolean met = worst <= bound && bad == 0;
                md.append("| mass failover ").append(run.routers()).append(" routers, advert ").append(run.advertInt())
                        .append(": ≤ debounce + interval + 1 s = ").append(f0(bound)).append(" s | worst phase ").append(f3(worst))
                        .append(" s, missing/wrong/errors ").append(bad).append(" | ").append(met ? "yes" : "**no**").append(" |\n");
            }
        }
        double b = r.scale().stateKeepersPerRouter();
        md.append("| engine + notifier + reporters < 200 B/router above idle, ").append(r.scale().routers()).append(" routers | ")
                .append(f0(b)).append(" B/router (registry documents beside it: ").append(f0(r.scale().registryPerRouter()))
                .append(" B/router) | ").append(b < 200 ? "yes" : "**no**").append(" |\n");
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
            return "whole request through Jetty's in-memory `LocalConnector`: parse + `NotificationHandler` + hand-over + 200 reply"
                    + " (includes the connector's thread hand-off and wait for the close)";
        }
        if (benchmark.startsWith("EndpointBench.parse")) {
            return "Jetty's `HttpParser` on the httplib2 bytes + the validation steps + `HoldingBuffer.offer` (no connection, no thread)";
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
