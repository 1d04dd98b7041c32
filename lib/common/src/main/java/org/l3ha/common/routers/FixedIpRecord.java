package org.l3ha.common.routers;

import java.util.Objects;

import org.l3ha.api.FixedIp;

/** Immutable {@link FixedIp}. */
public record FixedIpRecord(String subnetId, String ipAddress, int prefixLength) implements FixedIp {

    public FixedIpRecord {
        Objects.requireNonNull(subnetId, "subnetId");
        Objects.requireNonNull(ipAddress, "ipAddress");
    }
}
