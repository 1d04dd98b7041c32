package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void plainTextIsLeftAsItIs() {
        String s = "routers/7f3c1e2a-5b4d-4c6e-8f90-1a2b3c4d5e6f.json é ü 日本";
        assertSame(s, LogText.escape(s));
    }

    @Test
    void everyControlCharacterIsEscaped() {
        assertEquals("a\\x1b[31mred\\x1b[0m\\x0a\\x0dINFO fake\\x00\\x7f\\x85\\\\",
                LogText.escape("a\u001b[31mred\u001b[0m\n\rINFO fake\u0000\u007f\u0085\\"));
        assertEquals("x\\u2028y\\u202ez\\u2066", LogText.escape("x\u2028y\u202ez\u2066"));
        for (char c = 0; c < 0x20; c++) {
            assertEquals(4, LogText.escape(String.valueOf(c)).length(), "char " + (int) c);
        }
    }

    @Test
    void quoteCutsAndEscapes() {
        assertEquals("'ab\\x0a'...", LogText.quote("ab\ncdef", 3));
        assertEquals("'abc'", LogText.quote("abc", 3));
        assertEquals("null", LogText.quote(null, 3));
        assertEquals("evil\\x1b.json", LogText.name(Path.of("/r/evil\u001b.json")));
        assertEquals("/r/evil\\x1b.json", LogText.path(Path.of("/r/evil\u001b.json")));
    }
}
