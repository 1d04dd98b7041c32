package org.l3ha.shell;

import java.io.PrintStream;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.l3ha.api.TransitionEngine;

@Service
@Command(scope = "l3ha", name = "resync",
        description = "Reports the current state of one router, or of every router, again (no data-plane step)")
public class ResyncCommand implements Action {

    @Reference(optional = true)
    TransitionEngine engine;

    @Argument(index = 0, name = "router", required = false, description = "Router id; all routers if omitted")
    @Completion(RouterIdCompleter.class)
    String routerId;

    @Override
    public Object execute() {
        print(System.out);
        return null;
    }

    void print(PrintStream out) {
        if (engine == null) {
            throw new CommandFailed(CommandFailed.ENGINE_NOT_RUNNING);
        }
        if (routerId == null) {
            out.println("Queued the state of " + engine.resyncAll() + " routers for reporting.");
        } else if (engine.resync(routerId)) {
            out.println("Queued the state of router " + routerId + " for reporting.");
        } else {
            throw new CommandFailed("Router " + routerId + " is not managed (not in the registry) or nothing can report it now.");
        }
    }
}
