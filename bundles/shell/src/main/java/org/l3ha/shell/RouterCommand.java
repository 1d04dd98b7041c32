package org.l3ha.shell;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.l3ha.api.RouterStatus;
import org.l3ha.api.Transition;
import org.l3ha.api.TransitionEngine;

@Service
@Command(scope = "l3ha", name = "router", description = "Shows one router's state and its last transitions")
public class RouterCommand implements Action {

    @Reference(optional = true)
    TransitionEngine engine;

    @Argument(index = 0, name = "router", required = true, description = "Router id")
    @Completion(RouterIdCompleter.class)
    String routerId;

    @Option(name = "--count", aliases = "-n", description = "How many transitions to show (default 10)")
    int count = 10;

    @Override
    public Object execute() {
        print(System.out);
        return null;
    }

    void print(PrintStream out) {
        if (engine == null) {
            throw new CommandFailed(CommandFailed.ENGINE_NOT_RUNNING);
        }
        Optional<RouterStatus> status = engine.status(routerId);
        if (status.isEmpty()) {
            throw new CommandFailed("Router " + routerId + " is not known (not in the registry, no state file, no notification).");
        }
        RouterStatus s = status.get();
        out.println("Router:          " + s.routerId());
        out.println("Managed:         " + (s.managed() ? "yes" : "no (not in the router registry: notifications are held)"));
        out.println("State:           " + Format.state(s.applied()));
        out.println("Last transition: " + Format.time(s.lastTransition()));
        out.println("Pending:         " + Format.state(s.pending())
                + s.pendingDue().map(t -> " (applies at " + Format.TIME.format(t) + " if it stays)").orElse(""));
        List<Transition> history = engine.history(s.routerId(), Math.max(1, count));
        ShellTable table = new ShellTable();
        table.column("Applied at");
        table.column("State");
        for (Transition t : history) {
            table.addRow().addContent(Format.TIME.format(t.time()), t.state().word());
        }
        out.println("Last transitions (newest first):");
        table.print(out);
    }
}
