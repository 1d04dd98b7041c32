package org.l3ha.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.l3ha.api.Health;
import org.l3ha.api.HealthReport;
import org.l3ha.api.HealthResult;
import org.l3ha.common.testing.UdsClient;
import org.l3ha.itests.support.Containers;
import org.l3ha.itests.support.Journal;
import org.l3ha.itests.support.KarafTestSupport;
import org.l3ha.itests.support.Osgi;
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
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Stock Karaf plus l3ha's feature repository, feature {@code l3ha} installed as an operator does:
 * every component of every l3ha bundle is active, the socket answers a monitor's POST, the
 * notification reaches the journal and the state file, and the Health service sees the endpoint.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@ExamFactory(KarafTestContainerFactory.class)
public class KarafFeatureIT extends KarafTestSupport {
    static final List<String> ROUTERS = Containers.routerIds("a1f0", 2);
    static final Set<String> BUNDLES = Set.of("org.l3ha.api", "org.l3ha.endpoint", "org.l3ha.engine", "org.l3ha.notifier",
            "org.l3ha.registry.file", "org.l3ha.reporter.journal", "org.l3ha.reporter.oslo", "org.l3ha.process",
            "org.l3ha.ipv6", "org.l3ha.metadata", "org.l3ha.radvd", "org.l3ha.health", "org.l3ha.metrics", "org.l3ha.shell");

    @Inject
    BundleContext context;

    private ServiceTracker<Health, Health> health;

    @Configuration
    public Option[] config() {
        return Containers.karaf("feature", ROUTERS, Map.of());
    }

    @Before
    public void trackHealth() {
        // holding the Health service keeps its (delayed) component active, as a monitoring client does
        health = Osgi.track(context, Health.class);
    }

    @After
    public void release() {
        health.close();
    }

    @Test
    public void featureL3haIsInstalledFromItsRepositoryWithEveryBundle() throws Exception {
        FeaturesService features = Osgi.service(context, FeaturesService.class, Duration.ofSeconds(30));
        assertTrue("repository " + Containers.FEATURES_URL + " added", Arrays.stream(features.listRepositories())
                .anyMatch(r -> r.getURI().toString().equals(Containers.FEATURES_URL)));
        Feature l3ha = features.getFeature("l3ha");
        assertNotNull(l3ha);
        assertTrue("feature l3ha installed", features.isInstalled(l3ha));
        Set<String> installed = Scr.l3haBundles(context).stream().map(Bundle::getSymbolicName).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(BUNDLES), installed);
        // ...each from its Maven URL, which the assembly's system/ repository resolves: the
        // assembly carries every bundle feature l3ha installs (the conditional shell included)
        Path system = Path.of(System.getProperty(Containers.SYSTEM));
        for (Bundle b : Scr.l3haBundles(context)) {
            String prefix = "mvn:org.l3ha/" + b.getSymbolicName() + "/";
            assertTrue(b.getSymbolicName() + " installed from its Maven URL: " + b.getLocation(), b.getLocation().startsWith(prefix));
            String version = b.getLocation().substring(prefix.length());
            Path jar = system.resolve("org/l3ha").resolve(b.getSymbolicName()).resolve(version)
                    .resolve(b.getSymbolicName() + "-" + version + ".jar");
            assertTrue(b.getLocation() + " is in the assembly's system repository (" + jar + ")", Files.isRegularFile(jar));
        }
    }

    @Test
    public void everyComponentOfEveryL3haBundleIsActive() {
        ServiceComponentRuntime scr = Osgi.service(context, ServiceComponentRuntime.class, Duration.ofSeconds(30));
        Osgi.await(health, Duration.ofSeconds(60));
        Poll.until("every l3ha component active", Duration.ofSeconds(60),
                () -> Scr.notActive(scr, Scr.l3haBundles(context)).isEmpty(),
                () -> String.join("; ", Scr.notActive(scr, Scr.l3haBundles(context))));
        // 13 DS components: endpoint, engine, notifier, registry, journal, oslo and its transport_url redaction, process,
        // ipv6, metadata, radvd, health, metrics
        assertEquals(13, Scr.componentCount(scr, Scr.l3haBundles(context)));
    }

    @Test
    public void aMonitorsPostIsAnsweredAndReachesTheJournalAndTheStateFile() throws Exception {
        String router = ROUTERS.get(0);
        UdsClient.Reply reply = notifyAndAwaitReported(router, "backup", "standby", Duration.ofSeconds(30));
        assertEquals("accepted", reply.body().trim());
        Journal journal = journal();
        Journal.Line line = journal.lines().stream().filter(l -> "standby".equals(l.states().get(router))).findFirst().orElseThrow();
        assertEquals("itest", line.host());
        assertEquals("backup", Files.readString(stateFile(router)));
    }

    @Test
    public void healthReportsTheEndpointListening() {
        Health h = Osgi.await(health, Duration.ofSeconds(60));
        Path socket = socket();
        Poll.until("endpoint check OK", Duration.ofSeconds(60), () -> {
            HealthResult r = h.report().checks().get("endpoint");
            return r != null && r.status() == HealthResult.Status.OK;
        }, () -> String.valueOf(h.report()));
        HealthReport report = h.report();
        HealthResult endpoint = report.checks().get("endpoint");
        assertEquals(HealthResult.Status.OK, endpoint.status());
        assertEquals("listening on " + socket, endpoint.message());
        System.out.println("Health in stock Karaf: " + report);
    }
}
