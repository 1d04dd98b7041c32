package org.l3ha.common;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The routers whose last apply of a data-plane step failed, with why, for a listener's health
 * check. Bounded by the number of routers; a later success clears the router.
 */
public final class FailingRouters {
    /** How many routers a warning names. */
    static final int NAMED = 3;

    private final String step;
    private final Map<String, String> reasons = new ConcurrentHashMap<>();

    /** @param step what is applied, for the message ("radvd", "IPv6", "metadata proxy") */
    public FailingRouters(String step) {
        this.step = step;
    }

    /** Records that the last apply for {@code routerId} failed because of {@code reason}. */
    public void failed(String routerId, String reason) {
        reasons.put(routerId, reason);
    }

    /**
     * Records that the last apply for {@code routerId} succeeded.
     *
     * @return whether it had failed before (a recovery worth a log line)
     */
    public boolean succeeded(String routerId) {
        return reasons.remove(routerId) != null;
    }

    /** @return how many routers failed their last apply */
    public int count() {
        return reasons.size();
    }

    /**
     * @return a one-line warning naming up to three failing routers (by id, with why), or empty if
     *         no router's last apply failed
     */
    public Optional<String> warning() {
        int n = reasons.size();
        if (n == 0) {
            return Optional.empty();
        }
        String some = reasons.entrySet().stream().sorted(Map.Entry.comparingByKey()).limit(NAMED)
                .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining("; "));
        return Optional.of("last " + step + " apply failed for " + n + " router(s): " + some + (n > NAMED ? "; ..." : ""));
    }
}
