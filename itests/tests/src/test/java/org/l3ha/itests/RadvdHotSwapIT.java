package org.l3ha.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.l3ha.api.Health;
import org.l3ha.api.HealthResult;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.testing.Exec;
import org.l3ha.common.testing.Netns;
import org.l3ha.itests.support.Containers;
import org.l3ha.itests.support.KarafLog;
import org.l3ha.itests.support.KarafTestSupport;
import org.l3ha.itests.support.Osgi;
import org.l3ha.itests.support.Pids;
import org.l3ha.itests.support.Poll;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.ExamFactory;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.karaf.container.internal.KarafTestContainerFactory;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * The data plane survives hot swaps of its bundles, in stock Karaf with feature l3ha, in a real
 * router namespace: while a router is primary, radvd runs in {@code qrouter-<id>} and a client in
 * another namespace receives its advertisements with {@code rdisc6}; updating the radvd bundle and
 * then the process-manager bundle leaves the same radvd process advertising, and the new process
 * manager adopted it (it respawns it after a kill). A router whose namespace is missing gets a clear
 * error from its listeners, and its state is reported all the same.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@ExamFactory(KarafTestContainerFactory.class)
public class RadvdHotSwapIT extends KarafTestSupport {
    /*
     * Fixed ids: the configuration runs in the test JVM and the tests in the container's, so a random
     * value would differ between the two.
     */
    /** A router with a qrouter- namespace the test creates. */
    static final String ROUTER = "c0a70001-5b6c-4d7e-8f90-0a0b0c0d0e01";
    /** A router whose namespace does not exist. */
    static final String NO_NAMESPACE = "c0a70002-5b6c-4d7e-8f90-0a0b0c0d0e02";
    static final String PORT = "d1e2f3a4-5b6c-4d7e-8f90-0a0b0c0d0e03";
    static final String PREFIX = "2001:db8:1::/64";
    static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    BundleContext context;

    @Configuration
    public Option[] config() {
        Path state = Containers.newStateDir("radvd");
        Path routers = state.resolve("routers");
        try {
            Files.createDirectories(routers);
            for (String id : List.of(ROUTER, NO_NAMESPACE)) {
                Files.writeString(routers.resolve(id + ".json"), routerDocument(id), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return options(Containers.karaf(state, routers, Map.of("check_child_processes_interval", "2")));
    }

    /** An HA router with one internal port carrying an IPv6 slaac subnet, as neutron-server sends it. */
    static String routerDocument(String id) {
        return "{\"id\": \"" + id + "\", \"ha\": true, \"distributed\": false, \"_interfaces\": [{\"id\": \"" + PORT
                + "\", \"mac_address\": \"fa:16:3e:00:00:01\", \"mtu\": 1450, \"fixed_ips\": [{\"subnet_id\": \""
                + "5a5a5a5a-0000-4000-8000-000000000001\", \"ip_address\": \"2001:db8:1::1\", \"prefixlen\": 64}],"
                + " \"subnets\": [{\"id\": \"5a5a5a5a-0000-4000-8000-000000000001\", \"cidr\": \"" + PREFIX
                + "\", \"gateway_ip\": \"2001:db8:1::1\", \"ip_version\": 6, \"ipv6_ra_mode\": \"slaac\","
                + " \"ipv6_address_mode\": \"slaac\", \"dns_nameservers\": [\"2001:db8::53\"]}]}]}\n";
    }

    @Test
    public void radvdKeepsItsPidAndKeepsAdvertisingWhileItsBundlesAreUpdated() throws Exception {
        String namespace = "qrouter-" + ROUTER;
        String client = "l3ha-test-" + UUID.randomUUID().toString().substring(0, 8);
        String qr = "qr-" + PORT.substring(0, 11);
        Path pidFile = state().resolve("external/pids").resolve(ROUTER + ".pid.radvd");
        try (Netns netns = new Netns()) {
            netns.add(List.of(namespace, client));
            netns.veths(List.of(new Netns.Veth(namespace, qr, client, "cl0")));
            netns.batch(namespace, List.of("addr add 2001:db8:1::1/64 dev " + qr + " nodad", "link set " + qr + " up"));
            netns.batch(client, List.of("link set cl0 up"));

            awaitSocket();
            assertEquals(200, notifyAgent(ROUTER, "primary").status());
            Poll.until("radvd running in " + namespace, WAIT, () -> radvdPid(pidFile).isPresent());
            long pid = radvdPid(pidFile).getAsLong();
            assertEquals(namespace, Exec.ok("ip", "netns", "identify", String.valueOf(pid)).trim());
            assertAdvertised(client);
            awaitReported(ROUTER, "active", WAIT);

            ServiceComponentRuntime scr = Osgi.service(context, ServiceComponentRuntime.class, WAIT);
            for (String name : List.of("org.l3ha.radvd", "org.l3ha.process")) {
                Bundle bundle = Scr.bundle(context, name);
                long lastModified = bundle.getLastModified();
                bundle.update();
                Poll.until(name + " updated and active", WAIT, () -> bundle.getLastModified() != lastModified
                        && bundle.getState() == Bundle.ACTIVE && Scr.notActive(scr, List.of(bundle)).isEmpty(),
                        () -> String.join("; ", Scr.notActive(scr, List.of(bundle))));
                assertEquals("radvd keeps running across an update of " + name, OptionalLong.of(pid), radvdPid(pidFile));
                assertAdvertised(client);
            }

            // the new process manager adopted radvd: it respawns it when it dies
            Pids.signal("KILL", List.of(pid));
            Poll.until("radvd respawned by the new process manager", WAIT,
                    () -> radvdPid(pidFile).isPresent() && radvdPid(pidFile).getAsLong() != pid);
            assertAdvertised(client);
            long respawned = radvdPid(pidFile).getAsLong();

            assertEquals(200, notifyAgent(ROUTER, "backup").status());
            Poll.until("radvd stopped on backup", WAIT, () -> !Pids.alive(respawned));
            assertFalse("radvd config removed", Files.exists(state().resolve("ra").resolve(ROUTER + ".radvd.conf")));
            awaitReported(ROUTER, "standby", WAIT);
        } finally {
            killRadvd(pidFile); // if it is still there (Netns closed its namespaces, killing what ran inside)
        }
    }

    @Test
    public void aMissingNamespaceIsAClearErrorAndTheStateIsReportedAllTheSame() throws Exception {
        notifyAndAwaitReported(NO_NAMESPACE, "primary", "active", WAIT);
        assertEquals("primary", Files.readString(stateFile(NO_NAMESPACE)));

        Health health = Osgi.service(context, Health.class, WAIT);
        Poll.until("radvd and ipv6 checks name the router", WAIT, () -> {
            Map<String, HealthResult> checks = health.report().checks();
            return checks.get("radvd").status() == HealthResult.Status.WARN && checks.get("radvd").message().contains(NO_NAMESPACE)
                    && checks.get("ipv6").status() == HealthResult.Status.WARN && checks.get("ipv6").message().contains("qrouter-" + NO_NAMESPACE);
        }, () -> String.valueOf(health.report()));
        Map<String, Long> engine = stats("engine");
        assertTrue("radvd failure counted: " + engine, engine.getOrDefault("listener_failures.org.l3ha.radvd", 0L) >= 1);
        assertTrue("ipv6 failure counted: " + engine, engine.getOrDefault("listener_failures.org.l3ha.ipv6", 0L) >= 1);
        assertTrue("the ERROR names the router and the listener",
                KarafLog.lines().stream().anyMatch(l -> l.contains("ERROR") && l.contains(NO_NAMESPACE) && l.contains("listener org.l3ha.radvd failed")));
    }

    private Map<String, Long> stats(String name) throws Exception {
        for (ServiceReference<StatsProvider> ref : context.getServiceReferences(StatsProvider.class, "(l3ha.stats.name=" + name + ")")) {
            StatsProvider p = context.getService(ref);
            try {
                return p.counters();
            } finally {
                context.ungetService(ref);
            }
        }
        throw new AssertionError("no StatsProvider " + name);
    }

    /** rdisc6 in the client namespace solicits and receives the router's advertisement with the prefix. */
    private static void assertAdvertised(String client) {
        List<String> seen = new ArrayList<>();
        Poll.until("rdisc6 in " + client + " receives " + PREFIX, WAIT, () -> {
            String out = Exec.run(Exec.inNamespace(client, "rdisc6", "-1", "-w", "2000", "cl0")).out();
            seen.add(out);
            return out.contains(PREFIX);
        }, () -> seen.isEmpty() ? "" : seen.get(seen.size() - 1));
    }

    /** @return the pid in radvd's pid file if that process is alive and is radvd for {@link #ROUTER} */
    private static OptionalLong radvdPid(Path pidFile) {
        OptionalLong pid = Pids.read(pidFile);
        if (pid.isEmpty() || !Pids.alive(pid.getAsLong())) {
            return OptionalLong.empty();
        }
        String cmdline = Pids.commandLine(pid.getAsLong());
        return cmdline.contains("radvd") && cmdline.contains(ROUTER) ? pid : OptionalLong.empty();
    }

    private static void killRadvd(Path pidFile) throws IOException {
        OptionalLong pid = radvdPid(pidFile);
        if (pid.isPresent()) {
            Pids.signal("KILL", List.of(pid.getAsLong()));
        }
    }
}
