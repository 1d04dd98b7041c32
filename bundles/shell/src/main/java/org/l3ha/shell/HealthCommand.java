package org.l3ha.shell;

import java.io.PrintStream;
import java.util.Map;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.l3ha.api.Health;
import org.l3ha.api.HealthReport;
import org.l3ha.api.HealthResult;

@Service
@Command(scope = "l3ha", name = "health",
        description = "Tells whether l3ha does its job: socket listening, registry loaded, reporters delivering, daemons running."
                + " The first line is the overall verdict (the worst of all checks); with --fail-on the command fails"
                + " (bin/l3ha exits non-zero) when the verdict is that bad or worse.")
public class HealthCommand implements Action {

    @Reference(optional = true)
    Health health;

    @Option(name = "--fail-on", aliases = "-f", description = "WARN or CRITICAL: fail when the verdict is this bad or worse"
            + " (after printing it), so that a script's bin/l3ha exits non-zero")
    String failOn;

    @Override
    public Object execute() {
        HealthResult.Status threshold = threshold(failOn);
        HealthResult.Status verdict;
        if (health == null) {
            System.out.println("l3ha health: CRITICAL (the l3ha health service is not running)");
            verdict = HealthResult.Status.CRITICAL;
        } else {
            verdict = print(System.out, health.report());
        }
        failIf(verdict, threshold);
        return verdict.name();
    }

    /** @return the status {@code --fail-on} names, or null without it */
    static HealthResult.Status threshold(String failOn) {
        if (failOn == null) {
            return null;
        }
        String s = failOn.trim().toUpperCase(java.util.Locale.ROOT);
        if (!s.equals(HealthResult.Status.WARN.name()) && !s.equals(HealthResult.Status.CRITICAL.name())) {
            throw new CommandFailed("--fail-on takes WARN or CRITICAL, not '" + failOn + "'");
        }
        return HealthResult.Status.valueOf(s);
    }

    /** @throws CommandFailed if {@code threshold} is set and {@code verdict} is at least as bad */
    static void failIf(HealthResult.Status verdict, HealthResult.Status threshold) {
        if (threshold != null && verdict.compareTo(threshold) >= 0) {
            throw new CommandFailed("l3ha health is " + verdict + " (--fail-on " + threshold + ")");
        }
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
