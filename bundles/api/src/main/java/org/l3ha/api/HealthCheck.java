package org.l3ha.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard service: one aspect of l3ha's health (socket listening, registry loaded, reporter
 * delivering, daemons running), for an operator's monitoring ({@code l3ha:health}).
 */
@ConsumerType
public interface HealthCheck {

    /** Service property (string): the check's name, e.g. {@code endpoint.socket}. */
    String NAME = "l3ha.health.name";

    /**
     * @return the current verdict; cheap, never blocks on I/O for long
     */
    HealthResult check();
}
