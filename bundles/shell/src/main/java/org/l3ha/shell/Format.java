package org.l3ha.shell;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

import org.l3ha.api.HaState;

/** Shared output formats of the l3ha commands. */
final class Format {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private Format() {
    }

    static String time(Optional<Instant> t) {
        return t.map(TIME::format).orElse("-");
    }

    static String state(Optional<HaState> s) {
        return s.map(HaState::word).orElse("-");
    }
}
