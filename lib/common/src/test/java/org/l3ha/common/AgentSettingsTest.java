package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class AgentSettingsTest {

    @Test
    void defaultsAreNeutrons() {
        AgentSettings s = AgentSettings.parse(Map.of());
        assertEquals(Path.of("/var/lib/neutron"), s.statePath());
        assertEquals(Path.of("/var/lib/neutron/ha_confs"), s.haConfsPath());
        assertEquals(Path.of("/var/lib/neutron/keepalived-state-change"), s.socketPath());
        assertEquals(2, s.haVrrpAdvertInt());
        assertEquals(Duration.ofSeconds(2), s.batchInterval());
        assertEquals(PosixFilePermissions.fromString("rw-------"), s.socketMode());
        assertTrue(s.enableMetadataProxy());
        assertEquals(9697, s.metadataPort());
        assertEquals(Path.of("/var/lib/neutron/metadata_proxy"), s.metadataProxySocket());
        assertEquals(Path.of("/var/lib/neutron/ra"), s.raConfs());
        assertEquals(Path.of("/var/lib/neutron/external/pids"), s.externalPids());
        assertEquals(30, s.minRtrAdvInterval());
        assertEquals(100, s.maxRtrAdvInterval());
        assertEquals(60, s.checkChildProcessesInterval());
        assertEquals("respawn", s.checkChildProcessesAction());
        assertEquals("", s.rootHelper());
        assertFalse(s.host().isEmpty());
        assertEquals(Path.of("/var/lib/neutron/ha_confs/0b2c6e3a-1111-2222-3333-444455556666/state"),
                s.stateFile("0b2c6e3a-1111-2222-3333-444455556666"));
    }

    @Test
    void statePathIsSubstitutedAndStringsAreTrimmed() {
        AgentSettings s = AgentSettings.parse(Map.of(
                "state_path", " /tmp/x ",
                "ha_confs_path", "${state_path}/confs",
                "ha_vrrp_advert_int", "0",
                "socket_mode", "660",
                "host", "net-1"));
        assertEquals(Path.of("/tmp/x/confs"), s.haConfsPath());
        assertEquals(Duration.ofMillis(50), s.batchInterval(), "ha_vrrp_advert_int 0: the default batch interval is 50 ms");
        assertEquals(PosixFilePermissions.fromString("rw-rw----"), s.socketMode());
        assertEquals("net-1", s.host());
    }

    @Test
    void anExplicitBatchIntervalOfZeroIsKept() {
        assertEquals(Duration.ZERO, AgentSettings.parse(Map.of("ha_vrrp_advert_int", "0", "batch_interval", "0")).batchInterval());
        assertEquals(Duration.ZERO, AgentSettings.parse(Map.of("batch_interval", "0")).batchInterval());
        assertEquals(Duration.ofSeconds(1), AgentSettings.parse(Map.of("ha_vrrp_advert_int", "1")).batchInterval());
    }

    @Test
    void typedValuesAndDecimalBatchIntervalAreAccepted() {
        AgentSettings s = AgentSettings.parse(Map.of("ha_vrrp_advert_int", 5, "batch_interval", "0.25",
                "enable_metadata_proxy", Boolean.FALSE));
        assertEquals(5, s.haVrrpAdvertInt());
        assertEquals(Duration.ofMillis(250), s.batchInterval());
        assertFalse(s.enableMetadataProxy());
    }

    @Test
    void everyBadValueIsNamedWithItsKeyAndValue() {
        Map<String, Object> props = new HashMap<>();
        props.put("state_path", "relative/dir");
        props.put("ha_vrrp_advert_int", "two");
        props.put("socket_mode", "rwx");
        props.put("batch_interval", "-1");
        props.put("enable_metadata_proxy", "yes");
        props.put("check_child_processes_action", "reboot");
        ConfigException e = assertThrows(ConfigException.class, () -> AgentSettings.parse(props));
        assertEquals(6, e.problems().size(), e.getMessage());
        String msg = e.getMessage();
        assertTrue(msg.startsWith("invalid configuration org.l3ha.agent: "), msg);
        for (String expected : new String[] {"state_path='relative/dir'", "ha_vrrp_advert_int='two'",
            "socket_mode='rwx'", "batch_interval='-1'", "enable_metadata_proxy='yes'",
            "check_child_processes_action='reboot'"}) {
            assertTrue(msg.contains(expected), msg);
        }
        assertFalse(msg.contains("\n"));
    }

    @Test
    void socketPathLongerThanTheKernelLimitIsAConfigurationError() {
        String longDir = "/tmp/" + "d".repeat(90);
        ConfigException e = assertThrows(ConfigException.class, () -> AgentSettings.parse(Map.of("state_path", longDir)));
        assertTrue(e.getMessage().contains("107 bytes"), e.getMessage());
    }

    @Test
    void rootHelperIsSplitOnWhitespace() {
        assertEquals(java.util.List.of(), AgentSettings.parse(Map.of()).rootHelperCommand());
        assertEquals(java.util.List.of(), AgentSettings.parse(Map.of("root_helper", " \t ")).rootHelperCommand());
        assertEquals(java.util.List.of("sudo", "neutron-rootwrap", "/etc/neutron/rootwrap.conf"),
                AgentSettings.parse(Map.of("root_helper", "  sudo \t neutron-rootwrap   /etc/neutron/rootwrap.conf ")).rootHelperCommand());
    }

    @Test
    void raIntervalsMustBeOrdered() {
        assertThrows(ConfigException.class,
                () -> AgentSettings.parse(Map.of("min_rtr_adv_interval", "50", "max_rtr_adv_interval", "40")));
    }
}
