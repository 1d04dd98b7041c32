package org.l3ha.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Read-only view of one entry of a port's {@code fixed_ips}.
 */
@ProviderType
public interface FixedIp {

    /** @return {@code subnet_id}, or an empty string when absent */
    String subnetId();

    /** @return {@code ip_address} */
    String ipAddress();

    /** @return {@code prefixlen}, or 0 when absent */
    int prefixLength();
}
