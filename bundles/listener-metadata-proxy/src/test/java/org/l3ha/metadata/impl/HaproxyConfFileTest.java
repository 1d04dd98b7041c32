package org.l3ha.metadata.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The haproxy configuration text (docs/behaviour.md §5.2) and the agent identity it names. */
class HaproxyConfFileTest {

    static final String R = "8d2a1f6e-3c4b-4d5e-9f60-7182a3b4c5d6";

    @Test
    void ipv6Text() {
        String conf = HaproxyConfFile.render(R, "neutron", "nogroup", 9697, true, Path.of("/var/lib/neutron/metadata_proxy"),
                Path.of("/var/lib/neutron/external/pids/" + R + ".pid.haproxy"));
        assertEquals("global\n"
                + "    log         /dev/log local0 info\n"
                + "    log-tag     haproxy-metadata-proxy-" + R + "\n"
                + "    user        neutron\n"
                + "    group       nogroup\n"
                + "    maxconn     1024\n"
                + "    nbthread    2\n"
                + "    pidfile     /var/lib/neutron/external/pids/" + R + ".pid.haproxy\n"
                + "    daemon\n"
                + "\n"
                + "defaults\n"
                + "    log global\n"
                + "    mode http\n"
                + "    option httplog\n"
                + "    option dontlognull\n"
                + "    option http-server-close\n"
                + "    option forwardfor\n"
                + "    retries                 3\n"
                + "    timeout http-request    30s\n"
                + "    timeout connect         30s\n"
                + "    timeout client          32s\n"
                + "    timeout server          32s\n"
                + "    timeout http-keep-alive 30s\n"
                + "\n"
                + "listen listener\n"
                + "    bind :::9697\n"
                + "    server metadata /var/lib/neutron/metadata_proxy\n"
                + "    http-request del-header X-Neutron-Network-ID\n"
                + "    http-request set-header X-Neutron-Router-ID " + R + "\n", conf);
    }

    @Test
    void ipv4BindAndOtherPort() {
        String conf = HaproxyConfFile.render(R, "root", "root", 8775, false, Path.of("/s"), Path.of("/p"));
        assertTrue(conf.contains("\n    bind 0.0.0.0:8775\n"), conf);
        assertFalse(conf.contains(":::"), conf);
        assertFalse(conf.contains("rate"), "no rate limiting");
    }

    @Test
    void equivalenceIgnoresPidfileBlankLinesAndSpacing() {
        String a = HaproxyConfFile.render(R, "root", "root", 9697, true, Path.of("/s"), Path.of("/p1"));
        String b = HaproxyConfFile.render(R, "root", "root", 9697, true, Path.of("/s"), Path.of("/p2"));
        assertTrue(HaproxyConfFile.equivalent(a, b));
        assertTrue(HaproxyConfFile.equivalent(a, "\n" + a.replace("    log-tag     ", "\tlog-tag ") + "    \n"));
        assertFalse(HaproxyConfFile.equivalent(a, HaproxyConfFile.render(R, "root", "root", 9697, false, Path.of("/s"),
                Path.of("/p1"))));
        assertFalse(HaproxyConfFile.equivalent(a, HaproxyConfFile.render(R, "root", "root", 9697, true, Path.of("/t"),
                Path.of("/p1"))));
        assertFalse(HaproxyConfFile.equivalent(a, a.replace("    daemon\n", "")));
    }
}
