package org.l3ha.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.l3ha.itests.support.ContainerTestSupport;
import org.l3ha.itests.support.Containers;
import org.l3ha.itests.support.Journal;
import org.l3ha.itests.support.Osgi;
import org.l3ha.itests.support.Poll;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.ExamFactory;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.nat.internal.NativeTestContainerFactory;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.cm.Configuration.ConfigurationAttribute;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * Plain Apache Felix with Felix SCR and ConfigAdmin, and l3ha's bundles (all but the Karaf shell
 * commands) with the libraries its features name: l3ha needs nothing of Karaf. The agent is
 * configured through ConfigurationAdmin before l3ha's bundles start.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@ExamFactory(NativeTestContainerFactory.class)
public class FelixNativeIT extends ContainerTestSupport {
    static final List<String> ROUTERS = Containers.routerIds("fe11", 2);

    @Inject
    BundleContext context;

    @Configuration
    public Option[] config() {
        return Containers.felix("felix", ROUTERS);
    }

    /** Configures PIDs org.l3ha.agent and org.l3ha.registry.file, then starts l3ha's bundles (once). */
    @Before
    public void configureAndStart() throws Exception {
        ConfigurationAdmin cm = Osgi.service(context, ConfigurationAdmin.class, Duration.ofSeconds(30));
        org.osgi.service.cm.Configuration agent = cm.getConfiguration(Containers.AGENT_PID, "?");
        if (agent.getProperties() == null) {
            Hashtable<String, Object> p = new Hashtable<>();
            p.put("state_path", state().toString());
            p.put("host", "felix");
            p.put("ha_vrrp_advert_int", "1");
            p.put("enable_metadata_proxy", "false");
            agent.update(p);
            Hashtable<String, Object> r = new Hashtable<>();
            r.put("routers_dir", System.getProperty(Containers.ROUTERS));
            cm.getConfiguration(Containers.REGISTRY_PID, "?").update(r);
        }
        for (Bundle b : Scr.l3haBundles(context)) {
            if (b.getState() != Bundle.ACTIVE && b.getHeaders().get("Fragment-Host") == null) {
                try {
                    b.start();
                } catch (BundleException e) {
                    throw new AssertionError("bundle " + b.getSymbolicName() + " does not start in plain Felix", e);
                }
            }
        }
        assertTrue("configuration read-only flags untouched", !agent.getAttributes().contains(ConfigurationAttribute.READ_ONLY));
    }

    @Test
    public void runsInPlainFelixWithoutKaraf() {
        assertEquals("org.apache.felix.framework", context.getBundle(0).getSymbolicName());
        Set<String> all = java.util.Arrays.stream(context.getBundles()).map(Bundle::getSymbolicName).collect(Collectors.toSet());
        assertTrue("no Karaf bundle: " + all, all.stream().noneMatch(n -> n.startsWith("org.apache.karaf")));
        Set<String> l3ha = Scr.l3haBundles(context).stream().map(Bundle::getSymbolicName).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Set.of("org.l3ha.api", "org.l3ha.endpoint", "org.l3ha.engine", "org.l3ha.notifier",
                "org.l3ha.registry.file", "org.l3ha.reporter.journal", "org.l3ha.reporter.oslo", "org.l3ha.process",
                "org.l3ha.ipv6", "org.l3ha.metadata", "org.l3ha.radvd", "org.l3ha.health", "org.l3ha.metrics")), l3ha);
    }

    @Test
    public void everyComponentOfEveryL3haBundleIsActive() {
        ServiceComponentRuntime scr = Osgi.service(context, ServiceComponentRuntime.class, Duration.ofSeconds(30));
        // the Health service is a delayed component: a client using it makes it active
        var health = Osgi.track(context, org.l3ha.api.Health.class);
        try {
            Osgi.await(health, Duration.ofSeconds(30));
            Poll.until("every l3ha component active", Duration.ofSeconds(60),
                    () -> Scr.notActive(scr, Scr.l3haBundles(context)).isEmpty(),
                    () -> String.join("; ", Scr.notActive(scr, Scr.l3haBundles(context))));
            assertEquals(13, Scr.componentCount(scr, Scr.l3haBundles(context)));
        } finally {
            health.close();
        }
    }

    @Test
    public void theAgentsMetatypeIsReadByFelixMetatype() {
        org.osgi.service.metatype.MetaTypeService metatype = Osgi.service(context, org.osgi.service.metatype.MetaTypeService.class,
                Duration.ofSeconds(30));
        org.osgi.service.metatype.ObjectClassDefinition ocd = metatype.getMetaTypeInformation(Scr.bundle(context, "org.l3ha.engine"))
                .getObjectClassDefinition(Containers.AGENT_PID, null);
        Set<String> keys = java.util.Arrays.stream(ocd.getAttributeDefinitions(org.osgi.service.metatype.ObjectClassDefinition.ALL))
                .map(org.osgi.service.metatype.AttributeDefinition::getID).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(KarafConfigIT.NEUTRON_DEFAULTS.keySet(), keys);
    }

    @Test
    public void aMonitorsPostIsAnsweredAndReachesTheJournal() throws Exception {
        String router = ROUTERS.get(1);
        notifyAndAwaitReported(router, "fault", "standby", Duration.ofSeconds(30));
        List<Journal.Line> lines = journal().lines();
        assertEquals("felix", lines.get(lines.size() - 1).host());
        assertEquals("fault", Files.readString(stateFile(router)));
    }
}
