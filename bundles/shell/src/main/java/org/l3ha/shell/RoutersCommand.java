package org.l3ha.shell;

import java.io.PrintStream;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.l3ha.api.RouterStatus;
import org.l3ha.api.TransitionEngine;

@Service
@Command(scope = "l3ha", name = "routers",
        description = "Lists routers with their HA state, last transition and pending (debounced) state")
public class RoutersCommand implements Action {

    @Reference(optional = true)
    TransitionEngine engine;

    @Option(name = "--pending", aliases = "-p", description = "Only routers with a state not yet applied")
    boolean pendingOnly;

    @Override
    public Object execute() {
        print(System.out);
        return null;
    }

    void print(PrintStream out) {
        if (engine == null) {
            throw new CommandFailed(CommandFailed.ENGINE_NOT_RUNNING);
        }
        ShellTable table = new ShellTable();
        table.column("Router");
        table.column("State");
        table.column("Last transition");
        table.column("Pending");
        table.column("Applies at");
        table.column("Managed");
        int n = 0;
        for (RouterStatus s : engine.statuses()) {
            if (pendingOnly && s.pending().isEmpty()) {
                continue;
            }
            table.addRow().addContent(s.routerId(), Format.state(s.applied()), Format.time(s.lastTransition()),
                    Format.state(s.pending()), Format.time(s.pendingDue()), s.managed() ? "yes" : "no");
            n++;
        }
        table.print(out);
        out.println(n + " routers");
    }
}
