package org.l3ha.itests.support;

import java.time.Duration;

import org.apache.karaf.features.BootFinished;
import org.junit.Before;
import org.junit.Rule;
import org.osgi.framework.FrameworkUtil;

/**
 * Base of the Pax Exam ITs in stock Karaf ({@link Containers#karaf}): a failing test carries the
 * tail of karaf.log ({@link KarafLog}), and every test starts once Karaf's boot features are
 * installed.
 */
public abstract class KarafTestSupport extends ContainerTestSupport {
    @Rule
    public final KarafLog karafLog = new KarafLog();

    /** Waits up to 3 minutes for Karaf's {@link BootFinished} (runs before the test's own {@code @Before}). */
    @Before
    public void awaitBootFinished() {
        Osgi.service(FrameworkUtil.getBundle(getClass()).getBundleContext(), BootFinished.class, Duration.ofMinutes(3));
    }
}
