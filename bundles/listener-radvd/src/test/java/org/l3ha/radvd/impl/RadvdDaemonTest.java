package org.l3ha.radvd.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.l3ha.common.AgentSettings;

/** The radvd command line and spec (docs/behaviour.md §5.1, §10 cases 45 and 49). */
class RadvdDaemonTest {

    static final String R = "5f2d7c1e-8a9b-4c3d-9e0f-1a2b3c4d5e6f";

    static RadvdSettings settings(Object... kv) {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("state_path", "/var/lib/neutron");
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return RadvdSettings.of(AgentSettings.parse(m));
    }

    @Test
    void case45_radvdRunsAsNeutronRunsItWithTheAgentsUser() {
        RadvdSettings s = settings();
        RadvdDaemon d = RadvdDaemon.radvd(R, s, "radvd", RadvdDaemon.radvdUser(s.radvdUser(), "neutron"));

        assertEquals(List.of("radvd", "-C", "/var/lib/neutron/ra/" + R + ".radvd.conf",
                "-p", "/var/lib/neutron/external/pids/" + R + ".pid.radvd", "-m", "syslog", "-u", "neutron"),
                d.command());
        assertEquals("radvd", d.service());
        assertEquals(R, d.uuid());
        assertEquals("qrouter-" + R, d.namespace());
        assertEquals(Path.of("/var/lib/neutron/external/pids/" + R + ".pid.radvd"), d.pidFile());
        assertEquals(Map.of("PROCESS_TAG", "radvd-" + R), d.environment());
        assertEquals(9, d.stopSignal(), "Neutron kills radvd with -9");
    }

    @Test
    void case49_radvdUserRootMeansNoUserOptionAndAnyOtherValueIsPassed() {
        RadvdSettings root = settings("radvd_user", "root");
        assertEquals(List.of("radvd", "-C", "/var/lib/neutron/ra/" + R + ".radvd.conf",
                "-p", "/var/lib/neutron/external/pids/" + R + ".pid.radvd", "-m", "syslog"),
                RadvdDaemon.radvd(R, root, "radvd", RadvdDaemon.radvdUser(root.radvdUser(), "neutron")).command());

        RadvdSettings neutron = settings("radvd_user", "neutron");
        List<String> cmd = RadvdDaemon.radvd(R, neutron, "radvd", RadvdDaemon.radvdUser(neutron.radvdUser(), "l3ha")).command();
        assertEquals(List.of("-u", "neutron"), cmd.subList(cmd.size() - 2, cmd.size()));
    }

    @Test
    void anEmptyRadvdUserIsTheDaemonsAccount() {
        assertEquals("neutron", RadvdDaemon.radvdUser("", "neutron"));
        assertNull(RadvdDaemon.radvdUser("root", "neutron"));
        assertEquals("radvd", RadvdDaemon.radvdUser("radvd", "root"));
        assertEquals("nobody", RadvdDaemon.radvdUser("", "nobody"));
    }

    @Test
    void pathsFollowTheConfiguredDirectoriesWithStatePathSubstituted() {
        RadvdSettings s = settings("state_path", "/srv/l3", "ra_confs", "$state_path/myra",
                "external_pids", "/run/pids", "ha_confs_path", "/etc/ha");
        RadvdDaemon d = RadvdDaemon.radvd(R, s, "/opt/radvd/sbin/radvd", null);
        assertEquals(List.of("/opt/radvd/sbin/radvd", "-C", "/srv/l3/myra/" + R + ".radvd.conf",
                "-p", "/run/pids/" + R + ".pid.radvd", "-m", "syslog"), d.command());
        assertEquals(Path.of("/etc/ha/" + R + ".pid.keepalived"), RadvdDaemon.keepalived(R, s).pidFile());
        assertEquals("keepalived", RadvdDaemon.keepalived(R, s).service());
        assertEquals(R, RadvdDaemon.keepalived(R, s).uuid());
    }
}
