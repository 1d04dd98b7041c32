package org.l3ha.shell;

import java.io.PrintStream;
import java.util.List;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.osgi.framework.BundleContext;

@Service
@Command(scope = "l3ha", name = "health",
        description = "Tells whether l3ha does its job: socket listening, registry loaded, reporters delivering, daemons running."
                + " The first line is the overall verdict (the worst of all checks).")
public class HealthCommand implements Action {

    @Reference
    BundleContext bundleContext;

    @Override
    public Object execute() {
        return print(System.out, Services.all(bundleContext, HealthCheck.class, HealthCheck.NAME)).name();
    }

    /** @return the overall status (the worst); CRITICAL if no check is registered */
    static HealthResult.Status print(PrintStream out, List<Services.Named<HealthCheck>> checks) {
        HealthResult.Status overall = checks.isEmpty() ? HealthResult.Status.CRITICAL : HealthResult.Status.OK;
        ShellTable table = new ShellTable();
        table.column("Check");
        table.column("Status");
        table.column("Message");
        for (Services.Named<HealthCheck> c : checks) {
            HealthResult r;
            try {
                r = c.service().check();
            } catch (RuntimeException e) {
                r = HealthResult.critical("check failed: " + e);
            }
            if (r.status().compareTo(overall) > 0) {
                overall = r.status();
            }
            table.addRow().addContent(c.name(), r.status().name(), r.message());
        }
        out.println("l3ha health: " + overall + (checks.isEmpty() ? " (no l3ha component is running)" : ""));
        table.print(out);
        return overall;
    }
}
