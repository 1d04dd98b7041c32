package org.l3ha.bench;

import java.util.List;
import java.util.Optional;

import org.l3ha.api.Port;
import org.l3ha.api.Router;

/** A router with no ports, for micro-benchmarks whose registry is a map. */
public record BenchRouter(String id) implements Router {
    @Override
    public boolean ha() {
        return true;
    }

    @Override
    public boolean distributed() {
        return false;
    }

    @Override
    public boolean enableNdpProxy() {
        return false;
    }

    @Override
    public Optional<Port> gatewayPort() {
        return Optional.empty();
    }

    @Override
    public List<Port> interfaces() {
        return List.of();
    }

    @Override
    public Optional<Port> haInterface() {
        return Optional.empty();
    }
}
