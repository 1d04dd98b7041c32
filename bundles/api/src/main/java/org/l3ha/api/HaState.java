package org.l3ha.api;

import java.util.Locale;

/**
 * The HA state of one router on this node.
 *
 * <p>{@link #PRIMARY}, {@link #BACKUP} and {@link #FAULT} are what keepalived's monitors send;
 * {@link #UNKNOWN} is l3ha's own word for a router that has no state yet and is never accepted
 * from a monitor.
 */
public enum HaState {
    /** keepalived holds the VRRP mastership here; the node serves the router. */
    PRIMARY("primary", "active"),
    /** Another node serves the router. */
    BACKUP("backup", "standby"),
    /** keepalived reports a fault; the node does not serve the router. */
    FAULT("fault", "standby"),
    /** No state known (no state file, nothing received). */
    UNKNOWN("unknown", "unknown");

    private final String word;
    private final String serverName;

    HaState(String word, String serverName) {
        this.word = word;
        this.serverName = serverName;
    }

    /**
     * Parses a state word as a keepalived state-change monitor sends it.
     *
     * <p>Accepts {@code primary}, its pre-2020 name {@code master}, {@code backup} and
     * {@code fault}, in any letter case, and nothing else: no surrounding blanks, and not
     * {@code unknown}. A word that is not accepted is rejected, never mapped silently.
     *
     * @param word the word received
     * @return the state
     * @throws IllegalArgumentException if {@code word} is null or not one of the accepted words;
     *         the message is one line fit to send back to the client
     */
    public static HaState parse(String word) {
        if (word != null) {
            switch (word.toLowerCase(Locale.ROOT)) {
                case "primary":
                case "master":
                    return PRIMARY;
                case "backup":
                    return BACKUP;
                case "fault":
                    return FAULT;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("unknown state '" + printable(word)
                + "' (expected primary, master, backup or fault)");
    }

    /**
     * The word Neutron keeps in a router's state file and l3ha writes there:
     * {@code primary}, {@code backup}, {@code fault} or {@code unknown}.
     *
     * @return the lower-case state word
     */
    public String word() {
        return word;
    }

    /**
     * The name neutron-server stores for this state in its HA port bindings:
     * {@code active}, {@code standby} or {@code unknown}.
     *
     * @return the server-side name
     */
    public String serverName() {
        return serverName;
    }

    private static String printable(String word) {
        if (word == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(word.length(), 40));
        for (int i = 0; i < word.length() && i < 40; i++) {
            char c = word.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (word.length() > 40) {
            sb.append("...");
        }
        return sb.toString();
    }
}
