package org.l3ha.shell;

import java.io.PrintStream;
import java.util.Map;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.l3ha.api.Health;
import org.l3ha.api.HealthReport;
import org.l3ha.api.HealthResult;

@Service
@Command(scope = "l3ha", name = "health",
        description = "Tells whether l3ha does its job: socket listening, registry loaded, reporters delivering, daemons running."
                + " The first line is the overall verdict (the worst of all checks).")
public class HealthCommand implements Action {

    @Reference(optional = true)
    Health health;

    @Override
    public Object execute() {
        if (health == null) {
            System.out.println("l3ha health: CRITICAL (the l3ha health service is not running)");
            return HealthResult.Status.CRITICAL.name();
        }
        return print(System.out, health.report()).name();
    }

    /** @return the overall status */
    static HealthResult.Status print(PrintStream out, HealthReport report) {
        out.println("l3ha health: " + report.status() + (report.checks().isEmpty() ? " (no l3ha component is running)" : ""));
        ShellTable table = new ShellTable();
        table.column("Check");
        table.column("Status");
        table.column("Message");
        for (Map.Entry<String, HealthResult> c : report.checks().entrySet()) {
            table.addRow().addContent(c.getKey(), c.getValue().status().name(), c.getValue().message());
        }
        table.print(out);
        return report.status();
    }
}
