package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.l3ha.common.testing.PropertyTypeProxies;

class AgentConfigTest {

    @Test
    void theAnnotationDeclaresEveryKeyOfThePidAndNothingElse() {
        AgentConfig defaults = PropertyTypeProxies.of(AgentConfig.class, Map.of());
        assertEquals(new TreeSet<>(AgentSettings.KEYS), new TreeSet<>(PropertyTypes.values(AgentConfig.class, defaults).keySet()));
    }

    @Test
    void itsDefaultsAreTheParsersDefaults() {
        AgentSettings fromAnnotation = AgentSettings.of(PropertyTypeProxies.of(AgentConfig.class, Map.of()));
        assertEquals(AgentSettings.parse(Map.of()), fromAnnotation);
        assertEquals(Path.of("/var/lib/neutron"), fromAnnotation.statePath());
        assertEquals(Path.of("/var/lib/neutron/ha_confs"), fromAnnotation.haConfsPath());
        assertEquals(2, fromAnnotation.haVrrpAdvertInt());
        assertEquals(Duration.ofSeconds(2), fromAnnotation.batchInterval());
        assertEquals(9697, fromAnnotation.metadataPort());
    }

    @Test
    void valuesAreTakenAsConfiguredAndValidatedInOnePlace() {
        AgentSettings s = AgentSettings.of(PropertyTypeProxies.of(AgentConfig.class,
                Map.of("state_path", "/tmp/x", "ha_vrrp_advert_int", "0", "host", "node-a", "enable_metadata_proxy", "false")));
        assertEquals(Path.of("/tmp/x/ha_confs"), s.haConfsPath());
        assertEquals(0, s.haVrrpAdvertInt());
        assertEquals(Duration.ofMillis(50), s.batchInterval());
        assertEquals("node-a", s.host());
        assertEquals(false, s.enableMetadataProxy());

        ConfigException e = assertThrows(ConfigException.class, () -> AgentSettings.of(PropertyTypeProxies.of(AgentConfig.class,
                Map.of("ha_vrrp_advert_int", "abc", "metadata_port", "70000"))));
        assertTrue(e.getMessage().contains("ha_vrrp_advert_int") && e.getMessage().contains("abc"), e.getMessage());
        assertTrue(e.getMessage().contains("metadata_port") && e.getMessage().contains("70000"), e.getMessage());
    }

    @Test
    void theMetatypeDesignatesThePidWithTypedDefaults() throws java.io.IOException {
        String xml = java.nio.file.Files.readString(Path.of("target/classes/OSGI-INF/metatype/org.l3ha.common.AgentConfig.xml"));
        assertTrue(xml.contains("<Designate pid=\"org.l3ha.agent\">"), xml);
        assertTrue(xml.contains("<AD id=\"state_path\" type=\"String\"") && xml.contains("default=\"/var/lib/neutron\""), xml);
        assertTrue(xml.contains("<AD id=\"ha_vrrp_advert_int\" type=\"Integer\""), xml);
        assertTrue(xml.contains("<AD id=\"enable_metadata_proxy\" type=\"Boolean\""), xml);
        assertTrue(xml.contains("<AD id=\"socket_mode\" type=\"String\"") && xml.contains("default=\"0600\""), xml);
    }

    @Test
    void memberNamesMapToPropertyNamesByTheDsRules() {
        assertEquals("state_path", PropertyTypes.key("state__path"));
        assertEquals("a.b", PropertyTypes.key("a_b"));
        assertEquals("a-b", PropertyTypes.key("a$_$b"));
        assertEquals("a$b", PropertyTypes.key("a$$b"));
        assertEquals("ab", PropertyTypes.key("a$b"));
        assertEquals(Set.of("host"), Set.of(PropertyTypes.key("host")));
    }
}
