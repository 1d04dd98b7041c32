package org.l3ha.endpoint.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/** What bnd generated into target/classes: manifest, DS and metatype descriptors. */
class BundleMetadataTest {
    static final Path CLASSES = Path.of("target", "classes");

    @Test
    void manifestImportsNetty42AndEmbedsNothingButCommon() throws IOException {
        Manifest mf;
        try (InputStream in = Files.newInputStream(CLASSES.resolve("META-INF/MANIFEST.MF"))) {
            mf = new Manifest(in);
        }
        String imports = mf.getMainAttributes().getValue("Import-Package").replace("\n", "");
        for (String pkg : new String[] {"io.netty.bootstrap", "io.netty.channel", "io.netty.channel.nio",
                "io.netty.channel.socket.nio", "io.netty.handler.codec.http", "io.netty.buffer"}) {
            assertTrue(imports.contains(pkg + ";version=\"[4.2,5)\""), pkg + " in " + imports);
        }
        assertFalse(imports.contains("org.eclipse.jetty"), imports);
        // the API's minor version moves with additions (semantic versioning): any 1.x, up to 2
        assertTrue(imports.matches(".*org\\.l3ha\\.api;version=\"\\[1\\.\\d+,2\\)\".*"), imports);
        assertEquals("org.l3ha.endpoint", mf.getMainAttributes().getValue("Bundle-SymbolicName"));
        assertEquals(null, mf.getMainAttributes().getValue("Export-Package"));
        assertEquals("OSGI-INF/org.l3ha.endpoint.xml", mf.getMainAttributes().getValue("Service-Component"));
    }

    @Test
    void componentDescriptorHasThePidAndADynamicGreedyOptionalSink() throws IOException {
        String xml = Files.readString(CLASSES.resolve("OSGI-INF/org.l3ha.endpoint.xml"));
        assertTrue(xml.contains("name=\"org.l3ha.endpoint\""), xml);
        assertTrue(xml.contains("configuration-pid=\"org.l3ha.agent\""), xml);
        assertTrue(xml.contains("immediate=\"true\""), xml);
        assertTrue(xml.contains("modified=\"modified\"") && xml.contains("deactivate=\"deactivate\""), xml);
        assertTrue(xml.matches("(?s).*<reference name=\"sink\" cardinality=\"0..1\" policy=\"dynamic\""
                + " interface=\"org.l3ha.api.StateChangeSink\" bind=\"bindSink\" unbind=\"unbindSink\""
                + " policy-option=\"greedy\"/>.*"), xml);
    }

    @Test
    void theAgentOptionsAreNotDeclaredAgainHere() {
        // declared once, in common's AgentConfig (see its test)
        assertFalse(Files.exists(CLASSES.resolve("OSGI-INF/metatype/org.l3ha.endpoint.impl.StateChangeEndpoint$Config.xml")));
    }
}
