package org.l3ha.itests.support;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The wall time of each step of a long test (a container start, a failover, a swap), printed at the
 * end whether or not the test passed: figures for README and for reading a failure, never asserted.
 */
public final class StepTimes {
    private final String test;
    private final Map<String, Double> seconds = new LinkedHashMap<>();

    /** @param test the prefix of each printed line (the test class's simple name) */
    public StepTimes(String test) {
        this.test = test;
    }

    /** @return now, as {@link System#nanoTime()}: the start of a step */
    public long start() {
        return System.nanoTime();
    }

    /** Records {@code step} as having taken from {@code since} (a {@link #start()}) until now. */
    public synchronized void done(String step, long since) {
        seconds.put(step, (System.nanoTime() - since) / 1e9);
    }

    /** Prints one line per step: {@code <test>: <step> <seconds> s}. */
    public synchronized void print() {
        seconds.forEach((k, v) -> System.out.printf("%s: %-55s %7.1f s%n", test, k, v));
    }
}
