package org.l3ha.reporter.oslo.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;

import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceReference;

import org.l3ha.oslo.OsloSettings;

/**
 * The ConfigurationPlugin as Felix Config Admin calls it: {@code getProcessedProperties(null)} (what
 * Karaf's {@code config:list} prints) with a null reference, deliveries to a consumer with its
 * reference. And the generated DS descriptors: the password's PID is no DS configuration.
 */
class TransportUrlRedactionTest {
    private static final String URL = "rabbit://neutron:S3cret@ctl1:5672,neutron:S3cret@ctl2:5672/?ssl=1";

    private static Dictionary<String, Object> config() {
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("service.pid", OsloSettings.PID);
        d.put("transport_url", URL);
        d.put("topic", "q-l3-plugin");
        return d;
    }

    private static ServiceReference<?> consumer() {
        return (ServiceReference<?>) Proxy.newProxyInstance(TransportUrlRedactionTest.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void configListSeesThePasswordHidden() {
        Dictionary<String, Object> d = config();
        new TransportUrlRedaction().modifyConfiguration(null, d);
        assertEquals("rabbit://neutron:***@ctl1:5672,neutron:***@ctl2:5672/?ssl=1", d.get("transport_url"));
        assertEquals("q-l3-plugin", d.get("topic"));
    }

    @Test
    void theConsumerGetsTheRealValue() {
        Dictionary<String, Object> d = config();
        new TransportUrlRedaction().modifyConfiguration(consumer(), d);
        assertEquals(URL, d.get("transport_url"));
    }

    @Test
    void nothingToHideIsLeftAsItIs() {
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("transport_url", "");
        new TransportUrlRedaction().modifyConfiguration(null, d);
        assertEquals("", d.get("transport_url"));
        d = new Hashtable<>();
        new TransportUrlRedaction().modifyConfiguration(null, d);
        assertTrue(d.isEmpty());
        new TransportUrlRedaction().modifyConfiguration(null, null);
        d.put("transport_url", new String[] {"rabbit://a:S3cret@h/"});
        new TransportUrlRedaction().modifyConfiguration(null, d);
        assertArrayEquals(new String[] {"rabbit://a:***@h/"}, (String[]) d.get("transport_url"));
    }

    @Test
    void theDescriptorsKeepThePasswordOutOfDsAndRegisterThePluginForThisPidOnly() throws Exception {
        Path osgiInf = Path.of("target/classes/OSGI-INF");
        String reporter = Files.readString(osgiInf.resolve("org.l3ha.reporter.oslo.xml"));
        assertTrue(reporter.contains("configuration-pid=\"org.l3ha.agent\""), reporter);
        assertTrue(!reporter.contains("<property"), "no component property: " + reporter);
        String plugin = Files.readString(osgiInf.resolve("org.l3ha.reporter.oslo.redaction.xml"));
        assertTrue(plugin.contains("<property name=\"cm.target\" type=\"String\" value=\"org.l3ha.reporter.oslo\"/>"),
                plugin);
        assertTrue(plugin.contains("<property name=\"service.cmRanking\" type=\"Integer\" value=\"1000\"/>"), plugin);
        assertTrue(plugin.contains("configuration-policy=\"ignore\"") && plugin.contains("immediate=\"true\""), plugin);
    }
}
