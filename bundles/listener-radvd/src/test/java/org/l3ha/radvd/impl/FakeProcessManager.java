package org.l3ha.radvd.impl;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.l3ha.api.DaemonSpec;
import org.l3ha.api.ProcessManager;

/** Records what the listener asks; daemons are "active" between enable and disable, or when marked so. */
final class FakeProcessManager implements ProcessManager {

    record Call(String op, DaemonSpec spec, boolean reload) {
    }

    final List<Call> calls = new ArrayList<>();
    final Set<String> active = ConcurrentHashMap.newKeySet();
    IOException failEnable;

    static String key(DaemonSpec d) {
        return d.service() + "/" + d.uuid();
    }

    @Override
    public synchronized void enable(DaemonSpec daemon, boolean reload) throws IOException {
        calls.add(new Call("enable", daemon, reload));
        if (failEnable != null) {
            throw failEnable;
        }
        active.add(key(daemon));
    }

    @Override
    public synchronized void disable(DaemonSpec daemon) {
        calls.add(new Call("disable", daemon, false));
        active.remove(key(daemon));
    }

    @Override
    public boolean isActive(DaemonSpec daemon) {
        return active.contains(key(daemon));
    }

    @Override
    public OptionalLong pid(DaemonSpec daemon) {
        return isActive(daemon) ? OptionalLong.of(4242) : OptionalLong.empty();
    }

    synchronized List<Call> calls(String op) {
        return calls.stream().filter(c -> c.op().equals(op)).toList();
    }

    synchronized void clear() {
        calls.clear();
    }
}
