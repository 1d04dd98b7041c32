package org.l3ha.reporter.journal.impl;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;

/**
 * Jackson's standard JSON escapes plus DEL (0x7f), which Python's {@code json.dumps} escapes and
 * Jackson writes raw. Characters above 0x7e are escaped by the generator's highest non-escaped
 * character setting.
 */
final class PythonEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;

    private final int[] ascii;

    PythonEscapes() {
        ascii = CharacterEscapes.standardAsciiEscapesForJSON();
        ascii[0x7f] = CharacterEscapes.ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
        return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
        return null; // no custom sequences: every escape is a standard one
    }
}
