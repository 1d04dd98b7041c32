package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class RouterIdsTest {

    @Test
    void acceptsCanonicalUuidsAndLowersTheirCase() {
        assertTrue(RouterIds.isUuid("0b2c6e3a-1111-2222-3333-444455556666"));
        assertEquals("0b2c6e3a-aaaa-bbbb-cccc-444455556666", RouterIds.normalize("0B2C6E3A-AAAA-bbbb-CCCC-444455556666"));
        String lower = "0b2c6e3a-1111-2222-3333-444455556666";
        assertTrue(lower == RouterIds.normalize(lower), "no copy when already lower case");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"0b2c6e3a11112222333344445555666", "0b2c6e3a-1111-2222-3333-44445555666g",
        "../../../etc/passwd", "0b2c6e3a-1111-2222-3333-444455556666 ", "0b2c6e3a_1111-2222-3333-444455556666",
        "0b2c6e3a-1111-2222-3333-4444555566667"})
    void rejectsAnythingElse(String s) {
        assertFalse(RouterIds.isUuid(s));
        assertThrows(IllegalArgumentException.class, () -> RouterIds.normalize(s));
    }
}
