package org.l3ha.registry.neutron.impl;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.l3ha.common.LogText;

/** How the registry writes times, outside text and lists of router ids in its log lines and health. */
final class Texts {
    /** Longest text from outside (an error message, a cause) shown in the log or health. */
    static final int MAX_SHOWN = 300;
    /** Most router ids named in one log line or health message. */
    static final int MAX_IDS = 10;

    private Texts() {
    }

    /** @return the time to the second, ISO 8601 in UTC, or {@code never} for a negative value */
    static String time(long millis) {
        return millis < 0 ? "never" : Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** @return text from outside (a broker's or neutron-server's message) as one escaped line, cut short */
    static String shown(String s) {
        if (s == null) {
            return "no message";
        }
        boolean cut = s.length() > MAX_SHOWN;
        String e = LogText.escape(cut ? s.substring(0, MAX_SHOWN) : s);
        return cut ? e + "..." : e;
    }

    /** @return the first {@value #MAX_IDS} ids, joined by commas, with {@code , ...} if there are more */
    static String ids(Collection<String> ids) {
        return String.join(", ", first(ids)) + (ids.size() > MAX_IDS ? ", ..." : "");
    }

    /** @return the first {@value #MAX_IDS} ids, in the collection's order */
    static List<String> first(Collection<String> ids) {
        List<String> out = new ArrayList<>();
        for (String id : ids) {
            if (out.size() == MAX_IDS) {
                break;
            }
            out.add(id);
        }
        return out;
    }
}
