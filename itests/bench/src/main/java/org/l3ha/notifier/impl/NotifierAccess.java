package org.l3ha.notifier.impl;

import java.util.Map;

import org.l3ha.api.StateReporter;

/** What DS does with the notifier, for the in-JVM scale harness (package-private methods). */
public final class NotifierAccess {
    private NotifierAccess() {
    }

    public static void bindReporter(BatchNotifier notifier, StateReporter reporter, Map<String, Object> props) {
        notifier.bindReporter(reporter, props);
    }

    public static void deactivate(BatchNotifier notifier) {
        notifier.deactivate();
    }
}
