package org.l3ha.engine.impl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

import org.l3ha.api.HaState;
import org.l3ha.api.Port;
import org.l3ha.api.Router;
import org.l3ha.api.RouterRegistry;
import org.l3ha.api.StateBatcher;
import org.l3ha.api.TransitionListener;

/** Test doubles for the engine's collaborators. */
final class Fakes {
    private Fakes() {
    }

    record Event(double at, String routerId, HaState state, String by) {
        @Override
        public String toString() {
            return String.format("%.1f %s %s %s", at, routerId.substring(0, 4), state, by);
        }
    }

    static Router router(String id) {
        return new Router() {
            @Override
            public String id() {
                return id;
            }

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
        };
    }

    static final class Registry implements RouterRegistry {
        final Map<String, Router> routers = new ConcurrentHashMap<>();

        Registry with(String... ids) {
            for (String id : ids) {
                routers.put(id, router(id));
            }
            return this;
        }

        @Override
        public Optional<Router> find(String routerId) {
            return Optional.ofNullable(routers.get(routerId));
        }

        @Override
        public Collection<Router> all() {
            return List.copyOf(routers.values());
        }
    }

    /** Records every call with the virtual time it happened at. */
    static final class Recorder implements StateBatcher {
        final List<Event> events = java.util.Collections.synchronizedList(new ArrayList<>());
        final DoubleSupplier clock;
        final String name;

        Recorder(DoubleSupplier clock, String name) {
            this.clock = clock;
            this.name = name;
        }

        /** Routers the engine told this batcher to forget, in order. */
        final List<String> forgotten = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void queue(String routerId, HaState state) {
            events.add(new Event(clock.getAsDouble(), routerId, state, name));
        }

        @Override
        public void forget(String routerId) {
            forgotten.add(routerId);
        }

        TransitionListener listener(List<Event> shared, RuntimeException failure) {
            return (router, state) -> {
                shared.add(new Event(clock.getAsDouble(), router.id(), state, name));
                if (failure != null) {
                    throw failure;
                }
            };
        }

        /** A listener that records its applies in {@code applies} and its removals ({@code "<name> <router id>"}) in {@code removals}. */
        TransitionListener removable(List<Event> applies, List<String> removals, Exception removeFailure) {
            return new TransitionListener() {
                @Override
                public void apply(Router router, HaState state) {
                    applies.add(new Event(clock.getAsDouble(), router.id(), state, name));
                }

                @Override
                public void remove(String routerId) throws Exception {
                    removals.add(name + " " + routerId);
                    if (removeFailure != null) {
                        throw removeFailure;
                    }
                }
            };
        }

        List<Event> of(String routerId) {
            synchronized (events) {
                return events.stream().filter(e -> e.routerId().equals(routerId)).toList();
            }
        }
    }
}
