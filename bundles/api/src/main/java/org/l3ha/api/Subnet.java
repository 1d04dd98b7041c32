package org.l3ha.api;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Read-only view of a subnet attached to a router port.
 */
@ProviderType
public interface Subnet {

    /** @return {@code id}, or an empty string when absent */
    String id();

    /** @return {@code cidr}, for example {@code 2001:db8::/64} */
    String cidr();

    /** @return 4 or 6, from {@code ip_version} or else from the CIDR */
    int ipVersion();

    /** @return {@code gateway_ip}, if set */
    Optional<String> gatewayIp();

    /** @return {@code ipv6_ra_mode}: {@code slaac}, {@code dhcpv6-stateful}, {@code dhcpv6-stateless}, if set */
    Optional<String> ipv6RaMode();

    /** @return {@code ipv6_address_mode}, if set */
    Optional<String> ipv6AddressMode();

    /** @return {@code dns_nameservers}, in document order */
    List<String> dnsNameservers();
}
