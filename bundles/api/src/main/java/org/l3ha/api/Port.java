package org.l3ha.api;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Read-only view of a router port (gateway, internal or HA port).
 */
@ProviderType
public interface Port {

    /** @return the port id, a UUID; device names are a prefix plus its first 11 characters */
    String id();

    /** @return {@code mac_address}, or an empty string when absent */
    String macAddress();

    /** @return {@code mtu}, or 0 when absent */
    int mtu();

    /** @return {@code fixed_ips}, in document order */
    List<FixedIp> fixedIps();

    /** @return {@code subnets}, in document order */
    List<Subnet> subnets();
}
