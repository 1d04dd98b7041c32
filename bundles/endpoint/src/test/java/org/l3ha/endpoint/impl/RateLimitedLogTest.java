package org.l3ha.endpoint.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The rate-limited log line: the first at once, the rest summed up once per interval. */
class RateLimitedLogTest {
    record Written(long count, boolean first, long seconds) {
    }

    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    final List<Written> lines = new ArrayList<>();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private synchronized void write(long count, boolean first, long seconds) {
        lines.add(new Written(count, first, seconds));
    }

    private synchronized List<Written> lines() {
        return List.copyOf(lines);
    }

    @Test
    void firstOccurrenceAtOnceThenOneSummaryPerInterval() {
        RateLimitedLog log = new RateLimitedLog(300, scheduler, this::write);
        for (int i = 0; i < 1000; i++) {
            log.occurred();
        }
        assertEquals(List.of(new Written(1, true, 0)), lines(), "one line at once, the rest counted");
        await().atMost(Duration.ofSeconds(30)).until(() -> lines().size() == 2);
        Written summary = lines().get(1);
        assertEquals(999, summary.count());
        assertEquals(false, summary.first());

        // nothing pending: no more lines; a later occurrence after the interval is written at once
        await().pollDelay(Duration.ofMillis(400)).atMost(Duration.ofSeconds(30)).until(() -> true);
        assertEquals(2, lines().size());
        log.occurred();
        assertEquals(3, lines().size());
        assertEquals(1, lines().get(2).count());
        assertEquals(false, lines().get(2).first());
    }

    @Test
    void occurrencesWhileASummaryIsPendingJoinIt() {
        RateLimitedLog log = new RateLimitedLog(200, scheduler, this::write);
        log.occurred();
        log.occurred();
        log.occurred();
        await().atMost(Duration.ofSeconds(30)).until(() -> lines().size() == 2);
        log.occurred(); // within the interval after the summary: pending again
        assertEquals(2, lines().size());
        await().atMost(Duration.ofSeconds(30)).until(() -> lines().size() == 3);
        assertEquals(List.of(1L, 2L, 1L), lines().stream().map(Written::count).toList());
        assertTrue(lines().stream().skip(1).noneMatch(Written::first));
    }

    @Test
    void stoppedSchedulerLosesOnlyTheSummary() throws Exception {
        RateLimitedLog log = new RateLimitedLog(60_000, scheduler, this::write);
        scheduler.shutdownNow();
        log.occurred();
        log.occurred(); // a summary cannot be scheduled any more: no exception, no line
        assertEquals(List.of(new Written(1, true, 0)), lines());
    }
}
