package org.l3ha.api;

import java.time.Instant;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A snapshot of one router as the engine sees it, for the operator ({@code l3ha:routers}).
 */
@ProviderType
public interface RouterStatus {

    /** @return the router id */
    String routerId();

    /** @return the state last applied, or read from the state file if none was applied since start */
    Optional<HaState> applied();

    /** @return when this engine last applied a transition for the router */
    Optional<Instant> lastTransition();

    /** @return a notified state not yet applied (waiting out the debounce, or held for an unknown router) */
    Optional<HaState> pending();

    /** @return when a pending primary will be applied if it stays desired */
    Optional<Instant> pendingDue();

    /** @return whether the router registry knows the router */
    boolean managed();
}
