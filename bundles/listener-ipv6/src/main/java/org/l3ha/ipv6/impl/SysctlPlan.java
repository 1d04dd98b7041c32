package org.l3ha.ipv6.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.l3ha.api.HaState;
import org.l3ha.api.Port;
import org.l3ha.api.Router;
import org.l3ha.api.Subnet;
import org.l3ha.common.Devices;
import org.l3ha.common.RouterIds;

/**
 * The IPv6 sysctls Neutron sets in a router's namespace on a transition (docs/behaviour.md §4.2),
 * in Neutron's order:
 * <ol>
 * <li>primary: {@code net.ipv6.conf.all.forwarding=1};</li>
 * <li>if the router has a gateway port {@code qg-…}: {@code net.ipv6.conf.<qg>.accept_ra=2} if
 * primary and there is no IPv6 gateway, else {@code 0}; then {@code net.ipv6.conf.<qg>.forwarding}
 * {@code 1} (primary) or {@code 0}; then, if primary, {@code net.ipv6.conf.all.forwarding=1} again.</li>
 * </ol>
 * {@code all.forwarding} is never set to 0 (Neutron bug #1818224: MLD bursts).
 */
final class SysctlPlan {

    /** One {@code sysctl -w key=value}. */
    record Sysctl(String key, String value) {
        /** @return {@code key=value}, the argument of {@code sysctl -w} */
        String arg() {
            return key + "=" + value;
        }
    }

    static final String ALL_FORWARDING = "net.ipv6.conf.all.forwarding";
    /** accept_ra=2: accept router advertisements even with forwarding on. */
    static final String ACCEPT_RA_WITH_FORWARDING = "2";
    static final String ACCEPT_RA_DISABLED = "0";

    private static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,14}");

    private SysctlPlan() {
    }

    /**
     * @param router the router
     * @param state the state applied
     * @param ipv6Gateway the {@code ipv6_gateway} option, empty if unset
     * @return the sysctls to set, in order; empty for a non-primary router without a gateway port
     * @throws IllegalArgumentException if the gateway port's id cannot make a device name
     */
    static List<Sysctl> of(Router router, HaState state, String ipv6Gateway) {
        boolean primary = state == HaState.PRIMARY;
        List<Sysctl> plan = new ArrayList<>(4);
        if (primary) {
            plan.add(new Sysctl(ALL_FORWARDING, "1"));
        }
        Optional<Port> gw = router.gatewayPort();
        if (gw.isPresent()) {
            String dev = gatewayDevice(router, gw.get());
            boolean acceptRa = primary && !hasIpv6Gateway(gw.get(), ipv6Gateway);
            plan.add(new Sysctl("net.ipv6.conf." + dev + ".accept_ra",
                    acceptRa ? ACCEPT_RA_WITH_FORWARDING : ACCEPT_RA_DISABLED));
            plan.add(new Sysctl("net.ipv6.conf." + dev + ".forwarding", primary ? "1" : "0"));
            if (primary) {
                plan.add(new Sysctl(ALL_FORWARDING, "1"));
            }
        }
        return plan;
    }

    /**
     * @return the namespace Neutron configures: {@code qrouter-<id>}, or for a distributed (DVR+HA)
     *         router its HA (SNAT) namespace {@code snat-<id>}, where its gateway device lives
     */
    static String namespace(Router router) {
        return router.distributed() ? "snat-" + RouterIds.normalize(router.id()) : Devices.namespace(router.id());
    }

    /**
     * "An IPv6 gateway is set": some external subnet has an IPv6 {@code gateway_ip} (a v6 subnet
     * without one does not count), or the {@code ipv6_gateway} option is set.
     */
    static boolean hasIpv6Gateway(Port gatewayPort, String ipv6Gateway) {
        if (ipv6Gateway != null && !ipv6Gateway.isBlank()) {
            return true;
        }
        for (Subnet s : gatewayPort.subnets()) {
            Optional<String> gw = s.gatewayIp();
            if (gw.isPresent() && gw.get().indexOf(':') >= 0) {
                return true;
            }
        }
        return false;
    }

    static String gatewayDevice(Router router, Port port) {
        String dev = Devices.gateway(port.id());
        if (!DEVICE.matcher(dev).matches()) {
            throw new IllegalArgumentException("router " + router.id() + ": gateway port id '" + port.id()
                    + "' does not make a device name");
        }
        return dev;
    }
}
