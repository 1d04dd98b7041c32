package org.l3ha.shell;

import java.util.List;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.l3ha.api.RouterStatus;
import org.l3ha.api.TransitionEngine;

/** Completes router ids from what the engine and the registry know. */
@Service
public class RouterIdCompleter implements Completer {

    @Reference(optional = true)
    TransitionEngine engine;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter ids = new StringsCompleter();
        if (engine != null) {
            for (RouterStatus s : engine.statuses()) {
                ids.getStrings().add(s.routerId());
            }
        }
        return ids.complete(session, commandLine, candidates);
    }
}
