package org.l3ha.itests.support;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition with an explicit deadline (also inside the containers, where Awaitility is
 * not provisioned). The condition is polled every 100 ms; the pause between two polls is not a
 * synchronisation. An exception from the condition counts as "not yet" (the last one becomes the
 * timeout's cause); an {@link AssertionError} from it ends the wait at once.
 */
public final class Poll {
    private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private Poll() {
    }

    /** A condition that may throw (I/O while reading a file, for example). */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /**
     * @throws AssertionError naming {@code what} and the last diagnostics if {@code condition} does
     *         not hold within {@code timeout}
     */
    public static void until(String what, Duration timeout, Condition condition, Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (condition.holds()) {
                    return;
                }
                last = null;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                AssertionError error = new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting for " + what
                        + (diagnostics == null ? "" : ": " + diagnostics.get()));
                if (last != null) {
                    error.initCause(last);
                }
                throw error;
            }
            LockSupport.parkNanos(INTERVAL_NANOS);
            if (Thread.interrupted()) {
                throw new AssertionError("Interrupted while waiting for " + what);
            }
        }
    }

    public static void until(String what, Duration timeout, Condition condition) {
        until(what, timeout, condition, null);
    }

    /** @return whether {@code condition} held within {@code timeout} (never throws for a timeout) */
    public static boolean within(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(INTERVAL_NANOS);
        }
        return true;
    }
}
