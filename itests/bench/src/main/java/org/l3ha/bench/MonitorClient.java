package org.l3ha.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.l3ha.common.testing.UdsClient;

/**
 * Sends one notification per router, {@code concurrency} at a time, one connection each, byte for
 * byte what Neutron's Python monitor (httplib2) sends ({@link UdsClient#httplib2Request}), reading
 * each reply to its end, and remembers the wall clock when the first connection was opened: the
 * start of a mass failover.
 */
final class MonitorClient {
    record Result(long firstSendEpochMillis, long lastReplyEpochMillis, int ok, int errors, String firstError) {
    }

    /** How long one notification may take, from connect to the server's close. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private MonitorClient() {
    }

    static Result sendAll(Path socket, List<String> routerIds, String state, int concurrency) throws InterruptedException {
        byte[][] requests = new byte[routerIds.size()][];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = UdsClient.httplib2Request(routerIds.get(i), state).getBytes(StandardCharsets.ISO_8859_1);
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicLong first = new AtomicLong(Long.MAX_VALUE);
        AtomicLong last = new AtomicLong();
        String[] firstError = new String[1];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            Thread th = new Thread(() -> {
                try (UdsClient.Sender sender = new UdsClient.Sender()) {
                    for (int k; (k = next.getAndIncrement()) < requests.length;) {
                        first.accumulateAndGet(System.currentTimeMillis(), Math::min);
                        try {
                            if (sender.send(socket, requests[k], TIMEOUT).status() == 200) {
                                ok.incrementAndGet();
                            } else {
                                errors.incrementAndGet();
                            }
                        } catch (IOException | RuntimeException e) {
                            errors.incrementAndGet();
                            noteFirst(firstError, e);
                        }
                        last.accumulateAndGet(System.currentTimeMillis(), Math::max);
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                    noteFirst(firstError, e);
                }
            }, "monitor-client-" + t);
            threads.add(th);
        }
        threads.forEach(Thread::start);
        for (Thread th : threads) {
            th.join();
        }
        return new Result(first.get(), last.get(), ok.get(), errors.get(), firstError[0]);
    }

    private static void noteFirst(String[] firstError, Exception e) {
        synchronized (firstError) {
            if (firstError[0] == null) {
                firstError[0] = e.toString();
            }
        }
    }
}
