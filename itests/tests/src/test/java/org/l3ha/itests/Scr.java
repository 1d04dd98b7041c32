package org.l3ha.itests;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/** What Declarative Services says about l3ha's components. */
final class Scr {
    private Scr() {
    }

    /** @return the installed bundles whose symbolic name starts with {@code org.l3ha.} */
    static List<Bundle> l3haBundles(BundleContext context) {
        return Arrays.stream(context.getBundles())
                .filter(b -> b.getSymbolicName() != null && b.getSymbolicName().startsWith("org.l3ha."))
                .collect(Collectors.toList());
    }

    static Bundle bundle(BundleContext context, String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName()))
                .findFirst().orElseThrow(() -> new AssertionError("no bundle " + symbolicName));
    }

    /**
     * @return one line per component of {@code bundles} that is not ACTIVE (name, state, failure),
     *         or per bundle that is not ACTIVE; empty when everything is active
     */
    static List<String> notActive(ServiceComponentRuntime scr, List<Bundle> bundles) {
        List<String> problems = new ArrayList<>();
        for (Bundle b : bundles) {
            if (b.getState() != Bundle.ACTIVE) {
                problems.add(b.getSymbolicName() + ": bundle " + bundleState(b.getState()));
                continue;
            }
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(b)) {
                if (!scr.isComponentEnabled(d)) {
                    problems.add(d.name + ": disabled");
                    continue;
                }
                var configs = scr.getComponentConfigurationDTOs(d);
                if (configs.isEmpty()) {
                    problems.add(d.name + ": no configuration (unsatisfied configuration)");
                }
                for (ComponentConfigurationDTO c : configs) {
                    if (c.state != ComponentConfigurationDTO.ACTIVE) {
                        problems.add(d.name + ": " + state(c.state) + (c.failure == null ? "" : " (" + c.failure.lines().findFirst().orElse("") + ")")
                                + unsatisfied(c));
                    }
                }
            }
        }
        return problems;
    }

    /** @return how many components the bundles declare */
    static int componentCount(ServiceComponentRuntime scr, List<Bundle> bundles) {
        return bundles.stream().mapToInt(b -> scr.getComponentDescriptionDTOs(b).size()).sum();
    }

    /** @return the id of the one configuration of component {@code name} of {@code bundle}, -1 if none */
    static long componentId(ServiceComponentRuntime scr, Bundle bundle, String name) {
        ComponentDescriptionDTO d = scr.getComponentDescriptionDTO(bundle, name);
        if (d == null) {
            return -1;
        }
        return scr.getComponentConfigurationDTOs(d).stream().mapToLong(c -> c.id).findFirst().orElse(-1);
    }

    private static String unsatisfied(ComponentConfigurationDTO c) {
        if (c.unsatisfiedReferences == null || c.unsatisfiedReferences.length == 0) {
            return "";
        }
        return " unsatisfied references: " + Arrays.stream(c.unsatisfiedReferences).map(r -> r.name).collect(Collectors.joining(", "));
    }

    static String state(int state) {
        return switch (state) {
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> "UNSATISFIED_CONFIGURATION";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> "UNSATISFIED_REFERENCE";
            case ComponentConfigurationDTO.SATISFIED -> "SATISFIED";
            case ComponentConfigurationDTO.ACTIVE -> "ACTIVE";
            case ComponentConfigurationDTO.FAILED_ACTIVATION -> "FAILED_ACTIVATION";
            default -> "state " + state;
        };
    }

    static String bundleState(int state) {
        return switch (state) {
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "state " + state;
        };
    }
}
