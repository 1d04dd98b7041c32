package org.l3ha.registry.neutron.impl;

import org.l3ha.common.testing.ManualScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

import org.l3ha.api.RouterRegistryListener;

/** A registry for host {@value #HOST} on a fake neutron-server and a manual scheduler. */
final class Fixture {
    static final String HOST = "node-a";

    final ManualScheduler scheduler = new ManualScheduler();
    final FakeL3PluginRpc rpc = new FakeL3PluginRpc(HOST, scheduler);
    final List<Set<String>> told = new ArrayList<>();
    final RouterRegistryListener listener = ids -> {
        synchronized (told) {
            told.add(Set.copyOf(ids));
        }
    };
    final NeutronRouters registry;

    Fixture() {
        this(NeutronSettings.DEFAULT);
    }

    Fixture(NeutronSettings settings) {
        registry = new NeutronRouters(HOST, settings, rpc, scheduler, listener);
    }

    /** Starts the registry and runs what is ready (the first full sync). */
    Fixture started() {
        registry.start();
        scheduler.runReady();
        return this;
    }

    /** @return every listener call so far, and forgets them */
    List<Set<String>> told() {
        synchronized (told) {
            List<Set<String>> t = List.copyOf(told);
            told.clear();
            return t;
        }
    }

    /** @return the ids of every listener call so far (forgetting them) */
    Set<String> toldIds() {
        Set<String> all = new TreeSet<>();
        told().forEach(all::addAll);
        return all;
    }

    void notify(String method, String argsJson) {
        JsonNode args;
        try {
            args = Dicts.JSON.readTree(argsJson);
        } catch (Exception e) {
            throw new IllegalArgumentException(argsJson, e);
        }
        registry.events().notification(method, args);
        scheduler.runReady();
    }

    long counter(String name) {
        Long v = registry.counters().get(name);
        if (v == null) {
            throw new IllegalArgumentException("no counter " + name + " in " + registry.counters().keySet());
        }
        return v;
    }

    Set<String> ids() {
        Set<String> ids = new TreeSet<>();
        registry.all().forEach(r -> ids.add(r.id()));
        return ids;
    }

    static Set<String> ids(int from, int to) {
        Set<String> ids = new TreeSet<>();
        for (int i = from; i <= to; i++) {
            ids.add(Dicts.id(i));
        }
        return ids;
    }
}
