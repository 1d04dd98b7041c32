package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostIpv6Test {

    @TempDir
    Path proc;

    private void write(String disableIpv6, boolean ifInet6) throws Exception {
        Path disable = proc.resolve("sys/net/ipv6/conf/all/disable_ipv6");
        Files.createDirectories(disable.getParent());
        Files.createDirectories(proc.resolve("net"));
        if (disableIpv6 != null) {
            Files.writeString(disable, disableIpv6);
        }
        if (ifInet6) {
            Files.writeString(proc.resolve("net/if_inet6"), "00000000000000000000000000000001 01 80 10 80       lo\n");
        }
    }

    @Test
    void enabledWhenKernelHasIpv6AndNotDisabled() throws Exception {
        write("0\n", true);
        assertTrue(HostIpv6.of(proc).enabled());
    }

    @Test
    void disabledBySysctl() throws Exception {
        write("1\n", true);
        assertFalse(HostIpv6.of(proc).enabled());
    }

    @Test
    void noIpv6InKernel() throws Exception {
        write(null, false);
        assertFalse(HostIpv6.of(proc).enabled());
    }

    @Test
    void unreadableSysctlCountsAsDisabled() throws Exception {
        write(null, true);
        assertFalse(HostIpv6.of(proc).enabled());
    }

    @Test
    void systemProbeMatchesThisHost() throws Exception {
        boolean expected = Files.exists(Path.of("/proc/net/if_inet6"))
                && "0".equals(Files.readString(Path.of("/proc/sys/net/ipv6/conf/all/disable_ipv6")).strip());
        assertEquals(expected, HostIpv6.SYSTEM.enabled());
    }
}
