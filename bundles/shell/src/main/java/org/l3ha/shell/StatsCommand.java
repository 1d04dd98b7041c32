package org.l3ha.shell;

import java.io.PrintStream;
import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.l3ha.api.StatsProvider;
import org.osgi.framework.BundleContext;

@Service
@Command(scope = "l3ha", name = "stats",
        description = "Shows the counters of every l3ha component: notifications received and rejected by reason,"
                + " transitions applied and debounced, states reported, listener and report failures")
public class StatsCommand implements Action {

    @Reference
    BundleContext bundleContext;

    @Override
    public Object execute() {
        print(System.out, Services.all(bundleContext, StatsProvider.class, StatsProvider.NAME));
        return null;
    }

    static void print(PrintStream out, List<Services.Named<StatsProvider>> providers) {
        if (providers.isEmpty()) {
            out.println("No l3ha component is running.");
            return;
        }
        for (Services.Named<StatsProvider> p : providers) {
            out.println(p.name() + ":");
            try {
                out.print(Services.counters(p.service().counters()));
            } catch (RuntimeException e) {
                out.println("  (unavailable: " + e + ")");
            }
        }
    }
}
