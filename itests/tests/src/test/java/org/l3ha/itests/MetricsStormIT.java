package org.l3ha.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.common.testing.UdsClient;
import org.l3ha.itests.support.Containers;
import org.l3ha.itests.support.Journal;
import org.l3ha.itests.support.KarafAssembly;
import org.l3ha.itests.support.Scrape;

/**
 * The metrics endpoint of the real assembly, scraped while a 10,000-notification storm flows:
 * 2,500 routers go backup, primary, backup, primary (each phase sent by 4 clients, the next one
 * once the journal shows the previous one; during the third the journal cannot be written until two
 * deliveries have failed). Every scrape parses, its counters never go back, and
 * it never claims more than the journal holds; at the end the counters and histograms match the
 * journal and what was sent exactly, and the primaries' delays peak just above
 * {@code ha_vrrp_advert_int}.
 */
class MetricsStormIT {
    static final int ROUTERS = 2500;
    static final int CLIENTS = 4;
    static final String[] PHASES = {"backup", "primary", "backup", "primary"};
    static final int ADVERT_INT = 2;
    /** The phase during which the journal cannot be written (a link at its path). */
    static final int OUTAGE_PHASE = 2;
    static final Duration PHASE_DEADLINE = Duration.ofSeconds(180);
    static final List<String> FEATURES = List.of("l3ha-endpoint", "l3ha-engine", "l3ha-notifier", "l3ha-registry-file",
            "l3ha-reporter-journal", "l3ha-health", "l3ha-metrics");

    @TempDir
    Path work;

    KarafAssembly karaf;

    @AfterEach
    void cleanUp() {
        if (karaf != null) {
            karaf.close();
        }
    }

    @Test
    void aScrapeDuringAStormShowsCountersAndHistogramsThatMatchTheJournal() throws Exception {
        Path state = work.resolve("state");
        List<String> ids = Containers.routerIds("3e7a", ROUTERS);
        Path routers = Containers.writeRouters(work, ids);
        karaf = KarafAssembly.unpack(work.resolve("karaf"));
        karaf.configureAgent(state, "metrics-node", routers);
        karaf.setAgent("ha_vrrp_advert_int", Integer.toString(ADVERT_INT));
        karaf.replaceL3haBootFeature(FEATURES);
        int port = KarafAssembly.freePort();
        karaf.setConfig("org.l3ha.metrics", "port", Integer.toString(port));
        Path socket = state.resolve("keepalived-state-change");
        Path journalFile = state.resolve("ha-states.jsonl");
        Path away = state.resolve("ha-states.jsonl.away");
        Journal journal = new Journal(journalFile);

        karaf.start();
        karaf.awaitFile(socket, Duration.ofSeconds(120));
        karaf.await("the start-up resync of " + ROUTERS + " routers", PHASE_DEADLINE,
                () -> journal.latest().size() == ROUTERS, () -> "the journal has " + describe(() -> journal.latest().size()));
        karaf.await("the metrics endpoint", Duration.ofSeconds(60), () -> scrape(port) != null);

        LongAdder acked = new LongAdder();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        List<Scrape> during = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean storming = new AtomicBoolean(true);
        Thread scraper = new Thread(() -> scrapeWhile(port, journal, acked, storming, during, problems), "itest-scraper");
        scraper.setDaemon(true);
        scraper.start();
        long pendingSeen = 0;
        long started = System.nanoTime();
        try {
            for (int phase = 0; phase < PHASES.length; phase++) {
                String word = PHASES[phase];
                if (phase == OUTAGE_PHASE) {
                    // the journal "down": a link at its path fails every batch until it goes
                    Files.move(journalFile, away);
                    Files.createSymbolicLink(journalFile, Path.of("/dev/null"));
                }
                send(socket, ids, word, acked, problems);
                if (phase == OUTAGE_PHASE) {
                    awaitScrape(port, "two failed deliveries to the journal",
                            s -> s.value("l3ha_reports_total", "reporter", "journal", "result", "failed") >= 2);
                    Files.delete(journalFile);
                    Files.move(away, journalFile);
                }
                if ("primary".equals(word)) {
                    // the primaries wait out ha_vrrp_advert_int: some are pending right after the phase is sent
                    pendingSeen = Math.max(pendingSeen, (long) Scrape.get(port, Duration.ofSeconds(30)).value("l3ha_pending_transitions"));
                }
                String expected = Journal.serverName(word);
                karaf.await("every router " + expected + " in the journal", PHASE_DEADLINE,
                        () -> journal.latest().values().stream().allMatch(expected::equals),
                        () -> "not yet: " + describe(() -> journal.latest().values().stream().filter(s -> !expected.equals(s)).count()));
            }
        } finally {
            storming.set(false);
            scraper.join(60_000);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(List.of(), problems, "clients and scrapes during the storm");
        assertEquals(PHASES.length * ROUTERS, acked.sum(), "every notification answered 200");

        // the last report is in the journal; its counters are updated right after the write
        Scrape end = awaitScrape(port, "the journal's last batch counted", s -> s.value("l3ha_reported_states_total",
                "reporter", "journal") == journalStates(journal));
        List<Journal.Line> lines = journal.lines();
        long states = journalStates(journal);
        long active = lines.stream().flatMap(l -> l.states().values().stream()).filter("active"::equals).count();
        long standby = lines.stream().flatMap(l -> l.states().values().stream()).filter("standby"::equals).count();
        System.out.printf("Storm: %d notifications to %d routers in %.1f s with %d scrapes during it (largest pending"
                + " seen %d); journal: %d lines, %d states (%d active, %d standby)%n", acked.sum(), ROUTERS, seconds,
                during.size(), pendingSeen, lines.size(), states, active, standby);
        printHistogram(end, "l3ha_transition_delay_seconds", "state", "primary");
        printHistogram(end, "l3ha_transition_delay_seconds", "state", "backup");
        printHistogram(end, "l3ha_report_delay_seconds", "reporter", "journal");
        printHistogram(end, "l3ha_report_batch_size", "reporter", "journal");
        printHistogram(end, "l3ha_report_outage_wait_seconds", "reporter", "journal");

        assertTrue(during.size() >= 3, "scraped while the storm flowed: " + during.size());
        assertTrue(pendingSeen > 0, "primaries waiting out the debounce showed as pending");

        // the endpoint: exactly what was sent
        assertEquals(PHASES.length * ROUTERS, end.value("l3ha_notifications_total", "result", "accepted"));
        assertEquals(0, end.sum("l3ha_notifications_total", "result", "rejected"));
        assertEquals("counter", end.type("l3ha_notifications_total"));

        // the engine: each phase applied once per router, each transition reported once (phases never share a batch)
        assertEquals(2 * ROUTERS, active);
        assertEquals(2 * ROUTERS, standby);
        assertEquals(active, end.value("l3ha_transitions_applied_total", "state", "primary"));
        assertEquals(standby, end.value("l3ha_transitions_applied_total", "state", "backup"));
        assertEquals(0, end.value("l3ha_transitions_applied_total", "state", "fault"));
        assertEquals(ROUTERS, end.value("l3ha_routers", "state", "primary"), "every router primary, as the journal says");
        assertEquals(0, end.value("l3ha_pending_transitions"));
        assertEquals("histogram", end.type("l3ha_transition_delay_seconds"));
        assertEquals(active, end.value("l3ha_transition_delay_seconds_count", "state", "primary"));
        assertEquals(standby, end.value("l3ha_transition_delay_seconds_count", "state", "backup"));
        assertEquals(active, end.value("l3ha_transition_delay_seconds_bucket", "state", "primary", "le", "+Inf"));
        // the debounce: no primary applied before ha_vrrp_advert_int, and most within a second after it
        assertEquals(0, end.value("l3ha_transition_delay_seconds_bucket", "state", "primary", "le", "1.5"),
                "a primary applied before the debounce ended");
        assertTrue(end.value("l3ha_transition_delay_seconds_sum", "state", "primary") >= ADVERT_INT * active,
                "every primary waited at least ha_vrrp_advert_int");
        double peak = peakBucket(end, "l3ha_transition_delay_seconds_bucket", "state", "primary");
        assertTrue(peak > ADVERT_INT && peak <= ADVERT_INT + 2, "the primaries' peak is just above ha_vrrp_advert_int: le=" + peak);

        // the notifier and the journal reporter: exactly the journal
        assertEquals(states, end.value("l3ha_reported_states_total", "reporter", "journal"));
        assertEquals(states, end.value("l3ha_report_delay_seconds_count", "reporter", "journal"));
        assertEquals(lines.size(), end.value("l3ha_reports_total", "reporter", "journal", "result", "delivered"));
        double failed = end.value("l3ha_reports_total", "reporter", "journal", "result", "failed");
        assertTrue(failed >= 2, "the deliveries that failed while the journal was down: " + failed);
        assertEquals(lines.size(), end.value("l3ha_report_batch_size_count", "reporter", "journal"));
        assertEquals(states, end.value("l3ha_report_batch_size_sum", "reporter", "journal"));
        // every state of the outage phase was held back: the first batch failed, the others came during the backoff
        assertEquals(ROUTERS, end.value("l3ha_report_outage_wait_seconds_count", "reporter", "journal"),
                "states delivered after failed deliveries");
        assertEquals(0, end.value("l3ha_report_outage_wait_seconds_bucket", "reporter", "journal", "le", "0.5"),
                "each waited at least the first 1 s backoff");
        assertEquals(0, end.value("l3ha_pending_reports", "reporter", "journal"));

        // health: every check of the booted bundles OK
        for (String check : List.of("endpoint", "engine", "notifier", "registry", "reporter.journal", "metrics")) {
            assertEquals(0, end.value("l3ha_health_status", "check", check), "health of " + check);
        }
        List<String> errors = karaf.logText().lines().filter(l -> l.contains("| ERROR |")).toList();
        assertTrue(errors.stream().anyMatch(l -> l.contains(journalFile.toString())), "the journal's failure logged: " + errors);
        assertEquals(List.of(), errors.stream().filter(l -> !l.contains(journalFile.toString())).toList(),
                "ERROR lines in karaf.log other than the journal's");
        karaf.stop(Duration.ofSeconds(60));
    }

    /** Sends {@code word} to every router, {@link #CLIENTS} clients each with its share, each waiting for its 200. */
    static void send(Path socket, List<String> ids, String word, LongAdder acked, List<String> problems) throws InterruptedException {
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int first = c;
            Thread t = new Thread(() -> {
                try (UdsClient.Sender sender = new UdsClient.Sender()) {
                    for (int i = first; i < ids.size(); i += CLIENTS) {
                        byte[] request = UdsClient.curlRequest(ids.get(i), word).getBytes(StandardCharsets.ISO_8859_1);
                        UdsClient.Reply reply = sender.send(socket, request, Duration.ofSeconds(60));
                        if (reply.status() != 200) {
                            problems.add(ids.get(i) + " " + word + ": HTTP " + reply.status() + " " + reply.body().trim());
                            return;
                        }
                        acked.increment();
                    }
                } catch (IOException | RuntimeException e) {
                    problems.add(Thread.currentThread().getName() + ": " + e);
                }
            }, "itest-storm-" + c);
            t.start();
            clients.add(t);
        }
        for (Thread t : clients) {
            t.join(PHASE_DEADLINE.toMillis());
            if (t.isAlive()) {
                problems.add(t.getName() + " still sending after " + PHASE_DEADLINE);
            }
        }
    }

    /**
     * Scrapes in a loop until the storm ends: each scrape must parse, its counters never go below
     * the previous scrape's, it never counts more reported states than the journal holds (the
     * journal is written before its batch counts), and it counts at least the notifications
     * answered before it began and at most those answered after it, plus one in flight per client.
     */
    static void scrapeWhile(int port, Journal journal, LongAdder acked, AtomicBoolean storming, List<Scrape> during,
            List<String> problems) {
        Scrape previous = null;
        while (storming.get()) {
            try {
                long ackedBefore = acked.sum();
                Scrape s = Scrape.get(port, Duration.ofSeconds(30));
                long ackedAfter = acked.sum();
                long inJournal = journalStates(journal);
                double accepted = s.value("l3ha_notifications_total", "result", "accepted");
                if (accepted < ackedBefore || accepted > ackedAfter + CLIENTS) {
                    problems.add("accepted " + accepted + " outside [" + ackedBefore + ", " + (ackedAfter + CLIENTS) + "]");
                }
                double reported = s.value("l3ha_reported_states_total", "reporter", "journal");
                if (reported > inJournal) {
                    problems.add("reported " + reported + " states but the journal holds " + inJournal);
                }
                if (previous != null) {
                    for (String name : List.of("l3ha_notifications_total", "l3ha_transitions_applied_total",
                            "l3ha_reported_states_total", "l3ha_transition_delay_seconds_count", "l3ha_report_delay_seconds_count")) {
                        if (s.sum(name) < previous.sum(name)) {
                            problems.add(name + " went back from " + previous.sum(name) + " to " + s.sum(name));
                        }
                    }
                }
                during.add(s);
                previous = s;
            } catch (IOException | RuntimeException | AssertionError e) {
                problems.add("scrape during the storm: " + e);
                return;
            }
        }
    }

    static long journalStates(Journal journal) throws IOException {
        return journal.lines().stream().mapToLong(l -> l.states().size()).sum();
    }

    static Scrape scrape(int port) {
        try {
            return Scrape.get(port, Duration.ofSeconds(10));
        } catch (IOException e) {
            return null;
        }
    }

    interface Check {
        boolean holds(Scrape s) throws IOException;
    }

    /** @return what {@code value} gives, or why it could not: for a failure's report */
    static String describe(java.util.concurrent.Callable<Object> value) {
        try {
            return String.valueOf(value.call());
        } catch (Exception e) {
            return e.toString();
        }
    }

    Scrape awaitScrape(int port, String what, Check check) {
        Scrape[] last = new Scrape[1];
        karaf.await(what, Duration.ofSeconds(60), () -> {
            last[0] = Scrape.get(port, Duration.ofSeconds(30));
            return check.holds(last[0]);
        }, () -> last[0] == null ? "no scrape" : last[0].all("l3ha_reported_states_total").toString());
        return last[0];
    }

    /** @return the upper bound of the bucket holding the most observations */
    static double peakBucket(Scrape s, String bucketName, String... labels) {
        double best = Double.NaN;
        double bestCount = -1;
        double below = 0;
        for (Scrape.Sample b : sortedBuckets(s, bucketName, labels)) {
            double inIt = b.value() - below;
            below = b.value();
            if (inIt > bestCount) {
                bestCount = inIt;
                best = Double.parseDouble(b.labels().get("le").replace("+Inf", "Infinity"));
            }
        }
        return best;
    }

    static List<Scrape.Sample> sortedBuckets(Scrape s, String bucketName, String... labels) {
        List<Scrape.Sample> buckets = new ArrayList<>(s.all(bucketName, labels));
        buckets.sort((a, b) -> Double.compare(Double.parseDouble(a.labels().get("le").replace("+Inf", "Infinity")),
                Double.parseDouble(b.labels().get("le").replace("+Inf", "Infinity"))));
        return buckets;
    }

    static void printHistogram(Scrape s, String name, String label, String value) {
        StringBuilder out = new StringBuilder(name + "{" + label + "=" + value + "}:");
        double below = 0;
        for (Scrape.Sample b : sortedBuckets(s, name + "_bucket", label, value)) {
            double inIt = b.value() - below;
            below = b.value();
            if (inIt > 0) {
                out.append(" le=").append(b.labels().get("le")).append(":").append((long) inIt);
            }
        }
        out.append(String.format(" (count %.0f, sum %.3f)", s.value(name + "_count", label, value),
                s.value(name + "_sum", label, value)));
        System.out.println(out);
    }
}
