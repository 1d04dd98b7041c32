package org.l3ha.common;

import java.util.Locale;

/**
 * Router ids are UUIDs; they are validated before any path or command line is built from them.
 */
public final class RouterIds {
    private RouterIds() {
    }

    /**
     * @param s a candidate id
     * @return whether {@code s} is a UUID in its canonical 8-4-4-4-12 hexadecimal form (any case)
     */
    public static boolean isUuid(String s) {
        if (s == null || s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    return false;
                }
            } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param s a candidate id
     * @return {@code s} in lower case
     * @throws IllegalArgumentException if {@code s} is not a UUID; the message is one line
     */
    public static String normalize(String s) {
        if (!isUuid(s)) {
            throw new IllegalArgumentException("router id is not a UUID");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'F') {
                return s.toLowerCase(Locale.ROOT);
            }
        }
        return s;
    }
}
