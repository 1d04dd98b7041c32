package org.l3ha.api;

import java.util.Objects;

/**
 * The verdict of a {@link HealthCheck}: a status and a one-line message for the operator.
 *
 * @param status the status
 * @param message one line saying why
 */
public record HealthResult(Status status, String message) {

    /** Ordered from good to bad; an aggregate takes the worst. */
    public enum Status {
        /** Working as intended. */
        OK,
        /** Working, but needs attention (e.g. a reporter retrying). */
        WARN,
        /** Not doing its job (e.g. socket not listening). */
        CRITICAL
    }

    public HealthResult {
        Objects.requireNonNull(status, "status");
        message = message == null ? "" : message;
    }

    public static HealthResult ok(String message) {
        return new HealthResult(Status.OK, message);
    }

    public static HealthResult warn(String message) {
        return new HealthResult(Status.WARN, message);
    }

    public static HealthResult critical(String message) {
        return new HealthResult(Status.CRITICAL, message);
    }
}
