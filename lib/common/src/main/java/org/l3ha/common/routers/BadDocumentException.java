package org.l3ha.common.routers;

import java.util.Optional;

/**
 * A router document that cannot be used; the message is one line naming the field (its JSON path,
 * e.g. {@code _interfaces[0].fixed_ips}) and the reason, never a value of the document except an
 * address that passed the IP-literal check.
 */
public final class BadDocumentException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String routerId;

    public BadDocumentException(String message) {
        this(message, null);
    }

    /**
     * @param message the field's path and why
     * @param routerId the document's router id (lower case), or null if it was not read yet or is itself bad
     */
    public BadDocumentException(String message, String routerId) {
        super(message);
        this.routerId = routerId;
    }

    /** @return the router id of the document, if it was read before the problem was found */
    public Optional<String> routerId() {
        return Optional.ofNullable(routerId);
    }
}
