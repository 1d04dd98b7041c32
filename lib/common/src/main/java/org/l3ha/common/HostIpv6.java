package org.l3ha.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether IPv6 is enabled on this host, as Neutron decides it: the kernel has IPv6
 * ({@code /proc/net/if_inet6} exists) and it is not disabled
 * ({@code /proc/sys/net/ipv6/conf/all/disable_ipv6} reads {@code 0}).
 */
public interface HostIpv6 {

    /** The running kernel's answer, read from {@code /proc} at every call (two small reads). */
    HostIpv6 SYSTEM = of(Path.of("/proc"));

    /** @return whether IPv6 is enabled on the host */
    boolean enabled();

    /** @return a probe reading {@code net/if_inet6} and {@code sys/net/ipv6/conf/all/disable_ipv6} under {@code proc} */
    static HostIpv6 of(Path proc) {
        Path ifInet6 = proc.resolve("net/if_inet6");
        Path disable = proc.resolve("sys/net/ipv6/conf/all/disable_ipv6");
        return () -> {
            if (!Files.exists(ifInet6)) {
                return false;
            }
            try {
                return "0".equals(Files.readString(disable, StandardCharsets.US_ASCII).strip());
            } catch (IOException e) {
                return false;
            }
        };
    }
}
