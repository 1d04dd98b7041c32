package org.l3ha.shell;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/** Looks up whiteboard services with the name property they are shown under. */
final class Services {
    private Services() {
    }

    record Named<T>(String name, T service) {
    }

    /**
     * @return every registered {@code type} service, named by {@code nameProperty} (else its
     *         component name), sorted by name; services that go away meanwhile are skipped
     */
    static <T> List<Named<T>> all(BundleContext context, Class<T> type, String nameProperty) {
        List<Named<T>> out = new ArrayList<>();
        if (context == null) {
            return out;
        }
        try {
            for (ServiceReference<T> ref : context.getServiceReferences(type, null)) {
                T service = context.getService(ref);
                if (service == null) {
                    continue;
                }
                Object name = ref.getProperty(nameProperty);
                if (name == null) {
                    name = ref.getProperty("component.name");
                }
                out.add(new Named<>(String.valueOf(name), service));
                // the command is short-lived; the service object stays valid for it
                context.ungetService(ref);
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        out.sort(Comparator.comparing(Named::name));
        return out;
    }

    static String counters(Map<String, Long> counters) {
        StringBuilder sb = new StringBuilder();
        new java.util.TreeMap<>(counters).forEach((k, v) -> sb.append("  ").append(k).append(" = ").append(v).append('\n'));
        return sb.toString();
    }
}
