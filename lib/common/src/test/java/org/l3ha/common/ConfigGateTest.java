package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class ConfigGateTest {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigGateTest.class);

    @Test
    void aGoodConfigurationPassesAtStartAndOnModify() {
        AgentSettings s = ConfigGate.atStart(LOG, "Test component", () -> AgentSettings.parse(Map.of()));
        assertEquals(2, s.haVrrpAdvertInt());
        Optional<AgentSettings> m = ConfigGate.onModify(LOG, () -> AgentSettings.parse(Map.of("ha_vrrp_advert_int", "3")),
                () -> { throw new AssertionError("asked what is kept although nothing is"); });
        assertEquals(3, m.orElseThrow().haVrrpAdvertInt());
    }

    @Test
    void aBadOneRefusesTheStartAndIsIgnoredOnModify() {
        ConfigException thrown = new ConfigException(AgentSettings.PID, java.util.List.of("ha_vrrp_advert_int: 'x' is bad"));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigGate.atStart(LOG, "Test component", () -> {
            throw thrown;
        }));
        assertSame(thrown, e);
        String[] asked = new String[1];
        Optional<Object> m = ConfigGate.onModify(LOG, () -> {
            throw thrown;
        }, () -> asked[0] = "the previous configuration");
        assertEquals(Optional.empty(), m);
        assertEquals("the previous configuration", asked[0]);
    }
}
