package org.l3ha.api;

import java.time.Instant;
import java.util.Objects;

/**
 * One applied transition of one router.
 *
 * @param routerId the router id
 * @param time when it was applied
 * @param state the state applied
 */
public record Transition(String routerId, Instant time, HaState state) {
    public Transition {
        Objects.requireNonNull(routerId, "routerId");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(state, "state");
    }
}
