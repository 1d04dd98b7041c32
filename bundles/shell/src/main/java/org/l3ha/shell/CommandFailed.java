package org.l3ha.shell;

/**
 * A command could not do what it was asked (the engine is not running, the router is not known).
 * Karaf's console prints the message as the command's error, and a script's {@code bin/l3ha}
 * exits non-zero; the command itself prints nothing else.
 */
final class CommandFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static final String ENGINE_NOT_RUNNING = "The l3ha engine is not running.";

    CommandFailed(String message) {
        super(message, null, false, false);
    }
}
