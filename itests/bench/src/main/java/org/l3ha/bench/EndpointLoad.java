package org.l3ha.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.l3ha.itests.support.Dirs;
import org.l3ha.itests.support.Journal;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Endpoint load: {@code ../shared/bench/LoadGen.java} against the floor ({@code Floor.java}: a
 * fixed 200, nothing checked), l3ha's endpoint (the built assembly in Karaf) and Neutron's own
 * endpoint ({@code neutron_peer_server.py}), alternating in the same run, for each client
 * generation and concurrency.
 */
final class EndpointLoad {
    static final String STATES = "primary,backup";
    /** {@link Row#lost()} of the floor, which counts nothing. */
    static final long NOT_COUNTED = -1;

    /** One LoadGen run against one side ({@code floor}, {@code l3ha} or {@code neutron}). */
    record Row(String client, int concurrency, String side, int requests, int routers, double reqPerS, double p50Ms,
            double p99Ms, double maxMs, long ok, long errors, long received, long lost, String lossNote) {
    }

    record Config(int requests, int routers, List<Integer> concurrencies, List<String> clients) {
    }

    private EndpointLoad() {
    }

    /**
     * @param floorClasses Floor.class compiled into the scratch directory; the floor runs for the
     *        whole part with {@link FloorServer#threads()} accept threads
     */
    static List<Row> run(Config cfg, Path work, LoadGenRunner loadGen, Path floorClasses, java.util.function.Consumer<String> log)
            throws IOException, InterruptedException {
        List<Row> rows = new ArrayList<>();
        String[] states = STATES.split(",");
        Path fWork = work.resolve("load-floor");
        try (FloorServer floor = FloorServer.start(floorClasses, fWork)) {
            log.accept("[load] floor on " + floor.socket() + " with " + floor.threadCount() + " threads");
            for (String client : cfg.clients()) {
                runClient(cfg, work, loadGen, floor, client, states, rows, log);
            }
        } finally {
            Dirs.deleteTree(fWork);
        }
        return rows;
    }

    private static void runClient(Config cfg, Path work, LoadGenRunner loadGen, FloorServer floor, String client, String[] states,
            List<Row> rows, java.util.function.Consumer<String> log) throws IOException, InterruptedException {
        Path kWork = work.resolve("load-l3ha-" + client);
        try (KarafInstance karaf = KarafInstance.create(kWork, 2)) {
            RouterDocs.write(karaf.routersDir(), cfg.routers());
            karaf.start(cfg.routers(), Duration.ofMinutes(3));
            // warm-up, not reported: a running agent's JIT is warm (Neutron's Python has no JIT to warm); the floor's JVM too
            JsonNode warm = loadGen.run(karaf.socket(), cfg.requests(), 8, cfg.routers(), STATES, client);
            log.accept("[load] " + client + " l3ha warm-up (not reported): " + warm.path("req_per_s").asText() + " req/s");
            JsonNode warmF = loadGen.run(floor.socket(), cfg.requests(), 8, cfg.routers(), STATES, client);
            log.accept("[load] " + client + " floor warm-up (not reported): " + warmF.path("req_per_s").asText() + " req/s");
            Map<String, Long> before = karaf.stats();
            Journal journal = new Journal(karaf.journal());
            int n = 0;
            for (int c : cfg.concurrencies()) {
                // the floor, then l3ha, then Neutron: the same requests and routers, one after the other
                JsonNode lgF = loadGen.run(floor.socket(), cfg.requests(), c, cfg.routers(), STATES, client);
                rows.add(row(client, c, "floor", cfg, lgF, NOT_COUNTED, NOT_COUNTED, "the floor counts nothing"));
                log.accept(String.format("[load] %s c=%d floor: %.0f req/s p50 %.3f p99 %.3f ms, errors %d", client, c,
                        lgF.path("req_per_s").asDouble(), lgF.path("p50_ms").asDouble(), lgF.path("p99_ms").asDouble(),
                        lgF.path("errors").asLong()));
                // l3ha
                JsonNode lg = loadGen.run(karaf.socket(), cfg.requests(), c, cfg.routers(), STATES, client);
                Map<String, Long> after = karaf.stats();
                long accepted = delta(after, before, "endpoint.accepted");
                long engineTook = delta(after, before, "engine.notifications");
                long rejected = after.entrySet().stream().filter(e -> e.getKey().startsWith("endpoint.rejected."))
                        .mapToLong(e -> e.getValue() - before.getOrDefault(e.getKey(), 0L)).sum();
                before.clear();
                before.putAll(after);
                // every router's last word was the last state sent to it: the journal and its state file must say so
                String finalWord = states[((cfg.requests() - 1) / cfg.routers()) % states.length];
                int wrong = awaitFinalStates(karaf, journal, cfg.routers(), finalWord, Duration.ofSeconds(30));
                long ok = lg.path("ok").asLong();
                long lost = Math.max(0, ok - engineTook) + wrong;
                String note = "endpoint accepted " + accepted + ", engine took " + engineTook + ", rejected " + rejected
                        + "; routers whose journal/state file missed the last state: " + wrong;
                rows.add(row(client, c, "l3ha", cfg, lg, engineTook, lost, note));
                log.accept(String.format("[load] %s c=%d l3ha: %.0f req/s p50 %.3f p99 %.3f ms, lost %d (%s)", client, c,
                        lg.path("req_per_s").asDouble(), lg.path("p50_ms").asDouble(), lg.path("p99_ms").asDouble(), lost, note));
                // Neutron, fresh server per run
                Path nWork = work.resolve("load-neutron-" + client + "-" + (n++));
                JsonNode summary;
                JsonNode lgN;
                try (NeutronPeer peer = NeutronPeer.start(nWork)) {
                    lgN = loadGen.run(peer.socket(), cfg.requests(), c, cfg.routers(), STATES, client);
                    summary = peer.stop();
                }
                long total = summary.path("total").asLong();
                long okN = lgN.path("ok").asLong();
                long lostN = Math.max(0, okN - total);
                boolean statesMatch = summary.path("by_state").equals(lgN.path("sent_by_state"));
                String noteN = "server counted " + total + ", by state " + summary.path("by_state") + " (sent "
                        + lgN.path("sent_by_state") + (statesMatch ? ", equal" : ", DIFFERENT") + "), distinct routers "
                        + summary.path("distinct_routers");
                if (!statesMatch) {
                    lostN = Math.max(lostN, 1);
                }
                rows.add(row(client, c, "neutron", cfg, lgN, total, lostN, noteN));
                log.accept(String.format("[load] %s c=%d neutron: %.0f req/s p50 %.3f p99 %.3f ms, lost %d (%s)", client, c,
                        lgN.path("req_per_s").asDouble(), lgN.path("p50_ms").asDouble(), lgN.path("p99_ms").asDouble(), lostN, noteN));
                Dirs.deleteTree(nWork);
            }
        } finally {
            Dirs.deleteTree(kWork);
        }
    }

    private static Row row(String client, int c, String side, Config cfg, JsonNode lg, long received, long lost, String note) {
        return new Row(client, c, side, cfg.requests(), cfg.routers(), lg.path("req_per_s").asDouble(), lg.path("p50_ms").asDouble(),
                lg.path("p99_ms").asDouble(), lg.path("max_ms").asDouble(), lg.path("ok").asLong(), lg.path("errors").asLong(),
                received, lost, note);
    }

    private static long delta(Map<String, Long> after, Map<String, Long> before, String key) {
        return after.getOrDefault(key, 0L) - before.getOrDefault(key, 0L);
    }

    /**
     * Waits until every router's newest journal entry and state file say {@code word}.
     *
     * @return routers that still do not at the deadline
     */
    static int awaitFinalStates(KarafInstance karaf, Journal journal, int routers, String word, Duration timeout)
            throws IOException, InterruptedException {
        String server = word.equals("primary") ? "active" : "standby";
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, String> last = journal.latest();
            int wrong = 0;
            for (int i = 0; i < routers; i++) {
                String id = RouterDocs.id(i);
                if (!server.equals(last.get(id)) || !word.equals(stateFile(karaf, id))) {
                    wrong++;
                }
            }
            if (wrong == 0 || System.nanoTime() - deadline >= 0) {
                return wrong;
            }
            Thread.sleep(50); // poll interval
        }
    }

    private static String stateFile(KarafInstance karaf, String id) {
        try {
            return Files.readString(karaf.haConfs().resolve(id).resolve("state")).trim();
        } catch (IOException e) {
            return null;
        }
    }
}
