package org.l3ha.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.l3ha.common.testing.UdsClient;

/**
 * keepalived-state-change monitors under load: {@code clients} threads, each owning a share of the
 * routers (so every router's "last state sent" is well defined), sending random
 * primary/backup/fault notifications over fresh unix-socket connections at {@code rate}
 * notifications per second in total. Like a notify script that retries, a client sends the same
 * notification again on a connect failure (no socket, refused), a reset or EOF, or any reply but
 * 200, until it gets 200; only then does it record the state as sent and move on.
 */
final class Load {
    static final String[] WORDS = {"primary", "backup", "fault"};
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Path socket;
    private final List<List<String>> owned = new ArrayList<>();
    private final double rate;
    private final long seed;
    private final Map<String, List<String>> sent = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final LongAdder successes = new LongAdder();
    private final LongAdder attempts = new LongAdder();
    private final Map<String, LongAdder> retries = new ConcurrentHashMap<>();
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong maxRetryNanos = new AtomicLong();
    private volatile boolean stopping;
    private long startNanos;
    private long stopNanos;

    /**
     * @param initial each router's state before the load (its first "sent" state: what its state
     *        file holds)
     */
    Load(Path socket, List<String> routers, Map<String, String> initial, int clients, double rate, long seed) {
        this.socket = socket;
        this.rate = rate;
        this.seed = seed;
        for (int i = 0; i < clients; i++) {
            owned.add(new ArrayList<>());
        }
        for (int i = 0; i < routers.size(); i++) {
            String id = routers.get(i);
            owned.get(i % clients).add(id);
            List<String> seq = new ArrayList<>();
            seq.add(initial.get(id));
            sent.put(id, seq);
        }
    }

    void start() {
        startNanos = System.nanoTime();
        for (int i = 0; i < owned.size(); i++) {
            List<String> mine = owned.get(i);
            Random random = new Random(seed + i);
            Thread t = new Thread(() -> run(mine, random), "itest-load-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Lets every client finish the notification it is sending, then stops them. */
    void stop() throws InterruptedException {
        stopping = true;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(90));
            if (t.isAlive()) {
                errors.add(t.getName() + " did not stop");
            }
        }
        stopNanos = System.nanoTime();
    }

    private void run(List<String> mine, Random random) {
        long intervalNanos = (long) (1e9 * owned.size() / rate);
        long next = System.nanoTime();
        try (UdsClient.Sender client = new UdsClient.Sender()) {
            while (!stopping) {
                String router = mine.get(random.nextInt(mine.size()));
                String word = WORDS[random.nextInt(WORDS.length)];
                if (!deliver(client, router, word)) {
                    return;
                }
                sent.get(router).add(word);
                successes.increment();
                next += intervalNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // pacing to the target rate
                } else if (wait < -TimeUnit.SECONDS.toNanos(1)) {
                    next = System.nanoTime(); // fell behind (a swap): do not burst to catch up
                }
            }
        } catch (IOException | RuntimeException e) {
            errors.add(Thread.currentThread().getName() + ": " + e);
        }
    }

    /** @return true once the server answered 200; false (and an error recorded) on a reply that must never come */
    private boolean deliver(UdsClient.Sender client, String router, String word) {
        byte[] request = UdsClient.curlRequest(router, word).getBytes(StandardCharsets.ISO_8859_1);
        long backoff = TimeUnit.MICROSECONDS.toNanos(500);
        long firstFailure = 0;
        while (true) {
            attempts.increment();
            String reason;
            try {
                UdsClient.Reply reply = client.send(socket, request, Duration.ofSeconds(20));
                if (reply.status() == 200) {
                    if (firstFailure != 0) {
                        long took = System.nanoTime() - firstFailure;
                        maxRetryNanos.accumulateAndGet(took, Math::max);
                    }
                    return true;
                }
                if (reply.status() != 503) {
                    errors.add(router + " " + word + ": HTTP " + reply.status() + " " + reply.body().trim());
                    return false;
                }
                reason = "http_503";
            } catch (IOException e) {
                // e.g. "ConnectException: No such file or directory" (no socket), "Connection refused",
                // "Connection reset by peer", "no status line (connection closed early)"
                String m = String.valueOf(e.getMessage());
                int colon = m.indexOf(": '");
                reason = e.getClass().getSimpleName() + ": " + (colon > 0 ? m.substring(0, colon) : m);
            }
            retries.computeIfAbsent(reason, k -> new LongAdder()).increment();
            if (firstFailure == 0) {
                firstFailure = System.nanoTime();
            }
            if (System.nanoTime() - firstFailure > TimeUnit.SECONDS.toNanos(120)) {
                errors.add(router + " " + word + ": no 200 within 120 s (last: " + reason + ")");
                return false;
            }
            LockSupport.parkNanos(backoff); // retry back-off, as a notify script would
            backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
        }
    }

    /** @return per router, the states that got a 200, in order, after its initial state */
    Map<String, List<String>> sent() {
        return sent;
    }

    long successes() {
        return successes.sum();
    }

    long attempts() {
        return attempts.sum();
    }

    Map<String, Long> retries() {
        Map<String, Long> out = new TreeMap<>();
        retries.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    List<String> errors() {
        return errors;
    }

    /** @return the longest time a notification took from its first failed attempt to its 200 */
    Duration longestRetry() {
        return Duration.ofNanos(maxRetryNanos.get());
    }

    Duration duration() {
        return Duration.ofNanos((stopNanos == 0 ? System.nanoTime() : stopNanos) - startNanos);
    }

    /** @return notifications answered 200 per second over the whole run */
    double achievedRate() {
        return successes() / (duration().toNanos() / 1e9);
    }

    /** @return each router's last state sent */
    Map<String, String> lastSent() {
        Map<String, String> out = new HashMap<>();
        sent.forEach((id, seq) -> out.put(id, seq.get(seq.size() - 1)));
        return out;
    }
}
