package org.l3ha.metrics.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The DS descriptor bnd wrote for the exporter (target/classes/OSGI-INF, made before the tests run). */
class ComponentDescriptorTest {

    @Test
    void theExporterNeverBindsItsOwnCheckOrCountersButEveryOtherProvider() throws Exception {
        Map<String, Element> refs = new HashMap<>();
        try (InputStream in = getClass().getResourceAsStream("/OSGI-INF/org.l3ha.metrics.xml")) {
            assertNotNull(in, "OSGI-INF/org.l3ha.metrics.xml (bnd-process runs before the tests)");
            NodeList list = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in).getElementsByTagName("reference");
            for (int i = 0; i < list.getLength(); i++) {
                Element e = (Element) list.item(i);
                refs.put(e.getAttribute("interface"), e);
            }
        }
        // DS refuses a component its own service ("Circular reference detected", logged at ERROR)
        assertEquals(MetricsExporter.NOT_SELF, refs.get("org.l3ha.api.StatsProvider").getAttribute("target"));
        assertEquals(MetricsExporter.NOT_SELF, refs.get("org.l3ha.api.HealthCheck").getAttribute("target"));
        assertEquals("", refs.get("org.l3ha.api.HistogramProvider").getAttribute("target"));
        for (Element e : refs.values()) {
            assertEquals("0..n", e.getAttribute("cardinality"), e.getAttribute("interface"));
            assertEquals("dynamic", e.getAttribute("policy"), e.getAttribute("interface"));
        }
    }
}
