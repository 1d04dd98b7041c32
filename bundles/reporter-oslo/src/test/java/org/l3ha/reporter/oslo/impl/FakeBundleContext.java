package org.l3ha.reporter.oslo.impl;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * A {@link BundleContext} that only knows {@code registerService}: it records what is registered
 * and whether it was unregistered. Everything else throws.
 */
final class FakeBundleContext {

    /** One service registration. */
    static final class Registration {
        final String type;
        final Object service;
        final Map<String, Object> properties;
        volatile boolean unregistered;

        Registration(String type, Object service, Map<String, Object> properties) {
            this.type = type;
            this.service = service;
            this.properties = properties;
        }
    }

    private final List<Registration> registrations = Collections.synchronizedList(new ArrayList<>());
    final BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                if (method.getName().equals("registerService") && args.length == 3) {
                    String type = args[0] instanceof Class ? ((Class<?>) args[0]).getName()
                            : args[0] instanceof String ? (String) args[0] : ((String[]) args[0])[0];
                    return register(type, args[1], (Dictionary<?, ?>) args[2]);
                }
                if (method.getDeclaringClass() == Object.class) {
                    return method.invoke(this, args);
                }
                throw new UnsupportedOperationException(method.getName());
            });

    private ServiceRegistration<?> register(String type, Object service, Dictionary<?, ?> props) {
        Map<String, Object> copy = new HashMap<>();
        for (Object k : Collections.list(props.keys())) {
            copy.put((String) k, props.get(k));
        }
        Registration r = new Registration(type, service, copy);
        registrations.add(r);
        return (ServiceRegistration<?>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServiceRegistration.class}, (proxy, method, args) -> {
                    if (method.getName().equals("unregister")) {
                        if (r.unregistered) {
                            throw new IllegalStateException("already unregistered");
                        }
                        r.unregistered = true;
                        return null;
                    }
                    if (method.getDeclaringClass() == Object.class) {
                        return method.invoke(r, args);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** @return the services of {@code type} registered and not unregistered */
    <T> List<T> active(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Registration r : all()) {
            if (!r.unregistered && r.type.equals(type.getName())) {
                out.add(type.cast(r.service));
            }
        }
        return out;
    }

    /** @return the registration of the only active service of {@code type} */
    Registration only(Class<?> type) {
        List<Registration> found = new ArrayList<>();
        for (Registration r : all()) {
            if (!r.unregistered && r.type.equals(type.getName())) {
                found.add(r);
            }
        }
        if (found.size() != 1) {
            throw new AssertionError("expected one active " + type.getSimpleName() + ", found " + found.size());
        }
        return found.get(0);
    }

    List<Registration> all() {
        synchronized (registrations) {
            return new ArrayList<>(registrations);
        }
    }
}
