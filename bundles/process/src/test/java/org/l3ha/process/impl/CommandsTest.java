package org.l3ha.process.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Command lines as Neutron composes them (docs/behaviour.md §4.2, §5.1–§5.3). */
class CommandsTest {

    static final String R = "0b2c6e3a-1111-4222-8333-944445555666";
    static final List<String> RADVD = List.of("radvd", "-C", "/var/lib/neutron/ra/" + R + ".radvd.conf", "-p",
            "/var/lib/neutron/external/pids/" + R + ".pid.radvd", "-m", "syslog");

    @Test
    void noRootHelperNoNamespaceNoEnvironmentIsTheCommandItself() {
        assertEquals(RADVD, Commands.spawn(List.of(), "", Map.of(), RADVD));
    }

    @Test
    void aNamespacePrefixesIpNetnsExec() {
        assertEquals(concat(List.of("ip", "netns", "exec", "qrouter-" + R), RADVD),
                Commands.spawn(List.of(), "qrouter-" + R, Map.of(), RADVD));
    }

    @Test
    void rootHelperThenNamespaceThenEnvironmentSortedByName() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PROCESS_TAG", "radvd-" + R);
        env.put("A_FIRST", "x y");
        assertEquals(concat(List.of("sudo", "-n", "ip", "netns", "exec", "qrouter-" + R, "env", "A_FIRST=x y",
                "PROCESS_TAG=radvd-" + R), RADVD),
                Commands.spawn(List.of("sudo", "-n"), "qrouter-" + R, env, RADVD));
    }

    @Test
    void rootHelperWithoutNamespace() {
        assertEquals(concat(List.of("sudo", "env", "PROCESS_TAG=haproxy-" + R), List.of("haproxy", "-f", "c")),
                Commands.spawn(List.of("sudo"), "", Map.of("PROCESS_TAG", "haproxy-" + R), List.of("haproxy", "-f", "c")));
    }

    @Test
    void killIsANumericSignalAndThePidThroughTheRootHelper() {
        assertEquals(List.of("kill", "-1", "4242"), Commands.kill(List.of(), 1, 4242));
        assertEquals(List.of("sudo", "-n", "kill", "-15", "4242"), Commands.kill(List.of("sudo", "-n"), 15, 4242));
        assertEquals(List.of("kill", "-9", "7"), Commands.kill(List.of(), 9, 7));
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> l = new java.util.ArrayList<>(a);
        l.addAll(b);
        return l;
    }
}
