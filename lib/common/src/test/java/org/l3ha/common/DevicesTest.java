package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DevicesTest {
    @Test
    void namesAreNeutrons() {
        assertEquals("qg-0b2c6e3a-11", Devices.gateway("0b2c6e3a-1111-2222-3333-444455556666"));
        assertEquals("qr-0b2c6e3a-11", Devices.internal("0b2c6e3a-1111-2222-3333-444455556666"));
        assertEquals("ha-0b2c6e3a-11", Devices.ha("0b2c6e3a-1111-2222-3333-444455556666"));
        assertEquals("qrouter-0b2c6e3a-1111-2222-3333-444455556666", Devices.namespace("0B2C6E3A-1111-2222-3333-444455556666"));
        assertThrows(IllegalArgumentException.class, () -> Devices.namespace("../x"));
    }
}
