package org.l3ha.common;

import java.util.Dictionary;
import java.util.Hashtable;

import org.l3ha.api.DaemonFactory;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * Registers a data-plane listener as the {@link DaemonFactory} of its daemons by hand, not as one
 * of its Declarative Services services. The process manager binds every factory while it
 * activates, and the listeners need the process manager: a factory SCR had to activate for that
 * bind would be a circular reference (SCR logs it as an error and sorts it out later). Registered
 * by the listener itself once it is active, the factory is a plain object, bound at once.
 */
public final class DaemonFactories {

    private DaemonFactories() {
    }

    /** @return the registration of {@code factory} for {@code service}; unregister it on deactivation */
    public static ServiceRegistration<DaemonFactory> register(BundleContext context, DaemonFactory factory,
            String service) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(DaemonFactory.SERVICE, service);
        return context.registerService(DaemonFactory.class, factory, props);
    }

    /** Unregisters {@code registration} if it is not null and still registered. Never throws. */
    public static void unregister(ServiceRegistration<DaemonFactory> registration) {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already gone with its bundle
            }
        }
    }
}
