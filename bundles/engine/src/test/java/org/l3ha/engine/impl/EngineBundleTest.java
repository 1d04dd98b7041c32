package org.l3ha.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;

/**
 * What bnd wrote for this bundle: its own name (its bnd file must not let the parent's headers name
 * it after the parent project) and the one metatype of PID org.l3ha.agent, common's AgentConfig.
 */
class EngineBundleTest {
    static final Path CLASSES = Path.of("target/classes");

    @Test
    void theBundleIsNamedAfterThisModule() throws IOException {
        Manifest m;
        try (InputStream in = Files.newInputStream(CLASSES.resolve("META-INF/MANIFEST.MF"))) {
            m = new Manifest(in);
        }
        assertEquals("org.l3ha.engine", m.getMainAttributes().getValue("Bundle-SymbolicName"));
        assertEquals("l3ha engine", m.getMainAttributes().getValue("Bundle-Name"));
    }

    @Test
    void itCarriesTheAgentMetatype() throws IOException {
        String xml = Files.readString(CLASSES.resolve("OSGI-INF/metatype/org.l3ha.common.AgentConfig.xml"));
        assertTrue(xml.contains("<Designate pid=\"org.l3ha.agent\">"), xml);
        assertTrue(xml.contains("<AD id=\"ha_vrrp_advert_int\" type=\"Integer\""), xml);
    }
}
