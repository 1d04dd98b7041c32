package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class FailingRoutersTest {
    @Test
    void namesUpToThreeFailingRoutersUntilTheySucceed() {
        FailingRouters f = new FailingRouters("radvd");
        assertEquals(Optional.empty(), f.warning());
        f.failed("d", "no namespace");
        f.failed("b", "binary missing");
        f.failed("a", "x");
        f.failed("c", "y");
        assertEquals(4, f.count());
        assertEquals("last radvd apply failed for 4 router(s): a (x); b (binary missing); c (y); ...", f.warning().orElseThrow());
        f.succeeded("a");
        f.succeeded("b");
        f.succeeded("c");
        assertEquals("last radvd apply failed for 1 router(s): d (no namespace)", f.warning().orElseThrow());
        f.succeeded("d");
        assertEquals(Optional.empty(), f.warning());
    }
}
