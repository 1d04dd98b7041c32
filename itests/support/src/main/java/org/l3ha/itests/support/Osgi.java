package org.l3ha.itests.support;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/** Service look-ups with a deadline, inside a container. */
public final class Osgi {
    private Osgi() {
    }

    /**
     * @return the service, waiting up to {@code timeout} for it to be registered; it stays gotten
     *         by the probe (a service factory's object, such as ConfigurationAdmin's, stays valid)
     * @throws AssertionError if it is not registered in time
     */
    public static <T> T service(BundleContext context, Class<T> type, Duration timeout) {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        try {
            if (tracker.waitForService(timeout.toMillis()) == null) {
                throw new AssertionError("no " + type.getName() + " service within " + timeout.toSeconds() + " s");
            }
            ServiceReference<T> ref = tracker.getServiceReference();
            T s = context.getService(ref);
            if (s == null) {
                throw new AssertionError(type.getName() + " service went away");
            }
            return s;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } finally {
            tracker.close();
        }
    }

    /** @return a tracker (open) that keeps using whichever {@code type} service is registered */
    public static <T> ServiceTracker<T, T> track(BundleContext context, Class<T> type) {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        return tracker;
    }

    /** @return the tracked service, waiting up to {@code timeout} */
    public static <T> T await(ServiceTracker<T, T> tracker, Duration timeout) {
        try {
            T s = tracker.waitForService(TimeUnit.NANOSECONDS.toMillis(timeout.toNanos()));
            if (s == null) {
                throw new AssertionError("service not available within " + timeout.toSeconds() + " s");
            }
            return s;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
