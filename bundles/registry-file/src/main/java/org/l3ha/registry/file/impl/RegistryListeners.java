package org.l3ha.registry.file.impl;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.RouterRegistryListener;

/**
 * The {@link RouterRegistryListener}s DS gave the registry, and telling them which router ids
 * changed: each in turn, one that throws is logged at WARN and the others are still told. Thread
 * safe: DS adds and removes listeners while a reload tells them.
 */
final class RegistryListeners {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryListeners.class);

    private final List<RouterRegistryListener> listeners = new CopyOnWriteArrayList<>();

    void add(RouterRegistryListener listener) {
        listeners.add(listener);
    }

    void remove(RouterRegistryListener listener) {
        listeners.remove(listener);
    }

    /** Tells every listener {@code ids}, unless it is empty. */
    void tell(Set<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        for (RouterRegistryListener l : listeners) {   // iterates a snapshot of the list
            try {
                l.routersChanged(ids);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("Router registry listener {} failed on {} changed routers", l, ids.size(), e);
            }
        }
    }
}
