package org.l3ha.registry.file.impl;

import java.util.Objects;

import org.l3ha.api.FixedIp;

/** Immutable {@link FixedIp}. */
record FixedIpRecord(String subnetId, String ipAddress, int prefixLength) implements FixedIp {

    FixedIpRecord {
        Objects.requireNonNull(subnetId, "subnetId");
        Objects.requireNonNull(ipAddress, "ipAddress");
    }
}
