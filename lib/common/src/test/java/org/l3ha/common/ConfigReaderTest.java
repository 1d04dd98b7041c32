package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ConfigReaderTest {

    @Test
    void unknownKeysAreNamedAndFrameworkKeysAreNot() {
        Map<String, Object> props = Map.of("state_path", "/x", "rabbit_use_ssl", "true", "sssl", "1",
                "service.pid", "org.l3ha.agent", "felix.fileinstall.filename", "file:/etc/x.cfg",
                "component.name", "c", "component.id", 3L);
        assertEquals(List.of("rabbit_use_ssl", "sssl"), ConfigReader.unknownKeys(props, AgentSettings.KEYS));
        assertEquals("org.l3ha.engine: unknown configuration keys 'rabbit_use_ssl', 'sssl' in PID org.l3ha.agent:"
                + " ignored (misspelt, or not an option of l3ha)",
                ConfigReader.unknownKeysWarning(props, AgentSettings.KEYS, "org.l3ha.engine", "org.l3ha.agent"));
        assertNull(ConfigReader.unknownKeysWarning(Map.of("host", "h"), AgentSettings.KEYS, "c", "p"));
        assertEquals(List.of("a\\x1bb"), ConfigReader.unknownKeys(Map.of("a\u001bb", "x"), Set.of()),
                "a key with control characters is escaped for the log");
    }

    @Test
    void aBadValueIsQuotedEscaped() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> AgentSettings.parse(Map.of("ha_vrrp_advert_int", "2\u001b[2J")));
        assertTrue(e.getMessage().contains("ha_vrrp_advert_int='2\\x1b[2J' not an integer"), e.getMessage());
    }

    @Test
    void daemonAccountsMustBeNamesOrIds() {
        AgentSettings s = AgentSettings.parse(Map.of("radvd_user", "radvd", "metadata_proxy_user", "998",
                "metadata_proxy_group", "neutron"));
        assertEquals("radvd", s.radvdUser());
        assertEquals("998", s.metadataProxyUser());
        assertEquals("neutron", s.metadataProxyGroup());
        ConfigException e = assertThrows(ConfigException.class,
                () -> AgentSettings.parse(Map.of("metadata_proxy_user", "root\n    lua-load /tmp/x.lua")));
        assertTrue(e.getMessage().contains("metadata_proxy_user='root\\x0a    lua-load /tmp/x.lua' must be a user or group"
                + " name or a numeric id"), e.getMessage());
        assertThrows(ConfigException.class, () -> AgentSettings.parse(Map.of("radvd_user", "-x")));
    }
}
