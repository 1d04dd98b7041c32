package org.l3ha.engine.impl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import org.l3ha.api.TransitionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bound {@link TransitionListener} services in calling order: ascending
 * {@link TransitionListener#ORDER} (none, or one that is not an integer, comes last), then service
 * id. Each is named by its {@code component.name} (else its class) and numbered by when it was
 * bound, its generation. Every change is published, in that order, while this object's lock is held.
 */
final class BoundListeners {
    private static final Logger LOG = LoggerFactory.getLogger(BoundListeners.class);

    private record Ref(long serviceId, int order, Transitions.Listener listener) {
    }

    private final Consumer<List<Transitions.Listener>> publish;
    /** By service id; guarded by this. */
    private final TreeMap<Long, Ref> refs = new TreeMap<>();
    private long generation;

    /** @param publish takes the listeners in calling order after every change */
    BoundListeners(Consumer<List<Transitions.Listener>> publish) {
        this.publish = publish;
    }

    /** Adds the listener service with {@code props}, or replaces it (same service id) as a newer generation. */
    synchronized void bind(TransitionListener l, Map<String, Object> props) {
        long id = serviceId(props);
        Object name = props.getOrDefault("component.name", l.getClass().getName());
        refs.put(id, new Ref(id, order(props), new Transitions.Listener(l, String.valueOf(name), ++generation)));
        publish();
    }

    synchronized void unbind(Map<String, Object> props) {
        refs.remove(serviceId(props));
        publish();
    }

    private void publish() {
        List<Ref> sorted = new ArrayList<>(refs.values());
        sorted.sort(Comparator.comparingInt(Ref::order).thenComparingLong(Ref::serviceId));
        publish.accept(sorted.stream().map(Ref::listener).toList());
    }

    private static long serviceId(Map<String, Object> props) {
        return ((Number) props.get("service.id")).longValue();
    }

    /** @return the service's {@link TransitionListener#ORDER}; {@link Integer#MAX_VALUE} if none or not an integer (logged) */
    static int order(Map<String, Object> props) {
        Object o = props.get(TransitionListener.ORDER);
        if (o instanceof Number n) {
            return n.intValue();
        }
        if (o != null) {
            try {
                return Integer.parseInt(o.toString().trim());
            } catch (NumberFormatException e) {
                LOG.warn("Ignoring {}={}: not an integer", TransitionListener.ORDER, o);
            }
        }
        return Integer.MAX_VALUE;
    }
}
