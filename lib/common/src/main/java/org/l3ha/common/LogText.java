package org.l3ha.common;

/**
 * Text that came from outside l3ha (a file name, a field of a document, a header) made safe for
 * one log line: every control character (C0, DEL, C1), the Unicode line and paragraph separators
 * and the bidirectional-text controls are written as a backslash, {@code x} and two hex digits
 * (or {@code u} and four), and a backslash as two, so a log line shows exactly what was there and
 * can neither be split, recoloured by terminal escape sequences nor visually reordered.
 */
public final class LogText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogText() {
    }

    /** @return {@code s} with every unsafe character escaped; {@code "null"} for null */
    public static String escape(CharSequence s) {
        if (s == null) {
            return "null";
        }
        int n = s.length();
        int i = 0;
        while (i < n && !unsafe(s.charAt(i))) {
            i++;
        }
        if (i == n) {
            return s.toString();
        }
        StringBuilder sb = new StringBuilder(n + 16).append(s, 0, i);
        for (; i < n; i++) {
            append(sb, s.charAt(i));
        }
        return sb.toString();
    }

    /**
     * @param s the text, or null
     * @param max how many characters of it to show at most
     * @return {@code s} escaped between single quotes, cut after {@code max} characters with
     *         {@code ...}, or {@code null}
     */
    public static String quote(CharSequence s, int max) {
        if (s == null) {
            return "null";
        }
        boolean cut = s.length() > max;
        return "'" + escape(cut ? s.subSequence(0, max) : s) + (cut ? "'..." : "'");
    }

    /** @return the file name of {@code path} (or the path if it has none), escaped */
    public static String name(java.nio.file.Path path) {
        if (path == null) {
            return "null";
        }
        java.nio.file.Path name = path.getFileName();
        return escape(name == null ? path.toString() : name.toString());
    }

    /** @return {@code path} escaped */
    public static String path(java.nio.file.Path path) {
        return path == null ? "null" : escape(path.toString());
    }

    /** @return whether {@code c} is written escaped */
    static boolean unsafe(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\\' || c == '\u2028' || c == '\u2029'
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') || c == '\u200e'
                || c == '\u200f' || c == '\u061c';
    }

    private static void append(StringBuilder sb, char c) {
        if (c == '\\') {
            sb.append("\\\\");
        } else if (!unsafe(c)) {
            sb.append(c);
        } else if (c <= 0xff) {
            sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
        } else {
            sb.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                    .append(HEX[c & 0xf]);
        }
    }
}
