package org.l3ha.registry.file.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** Checks what bnd generated into target/classes (bnd-process runs before the tests). */
class ComponentDescriptorTest {

    static Document xml(String resource) throws Exception {
        try (InputStream in = ComponentDescriptorTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, resource + " generated");
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            return f.newDocumentBuilder().parse(in);
        }
    }

    @Test
    void componentReadsBothPidsAndTracksListenersDynamically() throws Exception {
        Element c = xml("/OSGI-INF/org.l3ha.registry.file.xml").getDocumentElement();
        assertEquals("org.l3ha.registry.file", c.getAttribute("name"));
        assertEquals("org.l3ha.agent org.l3ha.registry.file", c.getAttribute("configuration-pid"));
        assertEquals("modified", c.getAttribute("modified"));
        assertEquals("deactivate", c.getAttribute("deactivate"));
        Element provide = (Element) c.getElementsByTagName("provide").item(0);
        assertEquals("org.l3ha.api.RouterRegistry", provide.getAttribute("interface"));
        Element ref = (Element) c.getElementsByTagName("reference").item(0);
        assertEquals("org.l3ha.api.RouterRegistryListener", ref.getAttribute("interface"));
        assertEquals("0..n", ref.getAttribute("cardinality"));
        assertEquals("dynamic", ref.getAttribute("policy"));
        assertEquals("greedy", ref.getAttribute("policy-option"));
    }

    @Test
    void metatypeDesignatesTheRegistryPid() throws Exception {
        Document d = xml("/OSGI-INF/metatype/org.l3ha.registry.file.xml");
        Element ocd = (Element) d.getElementsByTagName("OCD").item(0);
        assertEquals("org.l3ha.registry.file", ocd.getAttribute("id"));
        Element ad = (Element) ocd.getElementsByTagName("AD").item(0);
        assertEquals("routers_dir", ad.getAttribute("id"));
        assertEquals("$state_path/routers", ad.getAttribute("default"));
        Element designate = (Element) d.getElementsByTagName("Designate").item(0);
        assertNotNull(designate, "Designate in the same file as the OCD");
        assertEquals("org.l3ha.registry.file", designate.getAttribute("pid"));
        Element object = (Element) designate.getElementsByTagName("Object").item(0);
        assertEquals("org.l3ha.registry.file", object.getAttribute("ocdref"));
    }
}
