package org.l3ha.common;

/**
 * Neutron's names for a router's namespace and devices: a prefix plus the port id, cut to 14
 * characters (the kernel's limit is 15).
 */
public final class Devices {
    /** Longest device name Neutron builds. */
    public static final int DEVICE_NAME_MAX = 14;

    private Devices() {
    }

    /** @return {@code qrouter-<routerId>} */
    public static String namespace(String routerId) {
        return "qrouter-" + RouterIds.normalize(routerId);
    }

    /** @return {@code qr-} plus the first 11 characters of the internal port's id */
    public static String internal(String portId) {
        return name("qr-", portId);
    }

    /** @return {@code qg-} plus the first 11 characters of the gateway port's id */
    public static String gateway(String portId) {
        return name("qg-", portId);
    }

    /** @return {@code ha-} plus the first 11 characters of the HA port's id */
    public static String ha(String portId) {
        return name("ha-", portId);
    }

    private static String name(String prefix, String portId) {
        String n = prefix + portId;
        return n.length() > DEVICE_NAME_MAX ? n.substring(0, DEVICE_NAME_MAX) : n;
    }
}
