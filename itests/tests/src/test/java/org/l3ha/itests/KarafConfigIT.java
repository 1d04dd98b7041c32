package org.l3ha.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.l3ha.api.HaState;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.TransitionEngine;
import org.l3ha.common.testing.UdsClient;
import org.l3ha.itests.support.Containers;
import org.l3ha.itests.support.Journal;
import org.l3ha.itests.support.KarafLog;
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
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * The agent's configuration through Config Admin in stock Karaf: a bad value is rejected with an
 * ERROR naming key and value while every component keeps serving with its last good one; a new
 * state_path moves the socket live; a new batch_interval applies to the next batch; every key has
 * a metatype description with Neutron's default.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@ExamFactory(KarafTestContainerFactory.class)
public class KarafConfigIT extends KarafTestSupport {
    static final List<String> ROUTERS = Containers.routerIds("c0f1", 3);

    /** PID org.l3ha.agent: every key, with Neutron's l3_agent.ini default ("" where Neutron computes one). */
    static final Map<String, String> NEUTRON_DEFAULTS = new TreeMap<>(Map.ofEntries(
            Map.entry("state_path", "/var/lib/neutron"),
            Map.entry("ha_confs_path", "$state_path/ha_confs"),
            Map.entry("ha_vrrp_advert_int", "2"),
            Map.entry("batch_interval", ""),
            Map.entry("host", ""),
            Map.entry("socket_mode", "0600"),
            Map.entry("enable_metadata_proxy", "true"),
            Map.entry("metadata_port", "9697"),
            Map.entry("metadata_proxy_socket", "$state_path/metadata_proxy"),
            Map.entry("ra_confs", "$state_path/ra"),
            Map.entry("external_pids", "$state_path/external/pids"),
            Map.entry("radvd_user", ""),
            Map.entry("metadata_proxy_user", ""),
            Map.entry("metadata_proxy_group", ""),
            Map.entry("min_rtr_adv_interval", "30"),
            Map.entry("max_rtr_adv_interval", "100"),
            Map.entry("ipv6_gateway", ""),
            Map.entry("check_child_processes_interval", "60"),
            Map.entry("check_child_processes_action", "respawn"),
            Map.entry("root_helper", "")));

    @Inject
    BundleContext context;

    private ConfigurationAdmin cm;
    private ServiceComponentRuntime scr;
    private TransitionEngine engine;

    @Configuration
    public Option[] config() {
        return Containers.karaf("config", ROUTERS, Map.of());
    }

    @Before
    public void ready() {
        cm = Osgi.service(context, ConfigurationAdmin.class, Duration.ofSeconds(30));
        scr = Osgi.service(context, ServiceComponentRuntime.class, Duration.ofSeconds(30));
        engine = Osgi.service(context, TransitionEngine.class, Duration.ofSeconds(60));
        awaitSocket();
    }

    /** Every test leaves the agent configured as the container started. */
    @After
    public void restore() throws Exception {
        Map<String, Object> p = agent();
        p.put("state_path", state().toString());
        p.put("ha_vrrp_advert_int", "1");
        p.remove("batch_interval");
        update(p);
        Poll.until("socket back at " + socket(state()), Duration.ofSeconds(30), () -> answers(socket(state())));
    }

    private Map<String, Object> agent() throws IOException {
        Dictionary<String, Object> d = cm.getConfiguration(Containers.AGENT_PID, "?").getProperties();
        Map<String, Object> m = new LinkedHashMap<>();
        for (Enumeration<String> k = d.keys(); k.hasMoreElements();) {
            String key = k.nextElement();
            m.put(key, d.get(key));
        }
        return m;
    }

    private void update(Map<String, Object> props) throws IOException {
        cm.getConfiguration(Containers.AGENT_PID, "?").update(new Hashtable<>(props));
    }

    private static boolean answers(Path socket) {
        try {
            return UdsClient.notify(socket, ROUTERS.get(2), "backup").status() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** component name to the id of its configuration (a reactivated component gets a new id) */
    private Map<String, Long> componentIds() {
        Map<String, Long> ids = new TreeMap<>();
        for (Bundle b : Scr.l3haBundles(context)) {
            scr.getComponentDescriptionDTOs(b).forEach(d -> scr.getComponentConfigurationDTOs(d)
                    .forEach(c -> ids.put(d.name, c.state == ComponentConfigurationDTO.ACTIVE ? c.id : -c.id)));
        }
        return ids;
    }

    @Test
    public void aBadValueIsRejectedNamingKeyAndValueAndEveryComponentKeepsItsLastGoodConfiguration() throws Exception {
        Map<String, Long> before = componentIds();
        int logFrom = KarafLog.lines().size();
        Map<String, Object> p = agent();
        p.put("ha_vrrp_advert_int", "often");
        update(p);

        // one ERROR per component reading the PID, each naming key and value
        List<String> bundles = List.of("org.l3ha.endpoint", "org.l3ha.engine", "org.l3ha.notifier", "org.l3ha.registry.file",
                "org.l3ha.reporter.journal", "org.l3ha.reporter.oslo", "org.l3ha.process", "org.l3ha.ipv6", "org.l3ha.metadata",
                "org.l3ha.radvd");
        Poll.until("ERROR lines naming ha_vrrp_advert_int and 'often'", Duration.ofSeconds(30), () -> {
            List<String> errors = errorsNaming(logFrom, "ha_vrrp_advert_int", "often");
            return bundles.stream().allMatch(b -> errors.stream().anyMatch(l -> l.contains(" - " + b + " - ")));
        }, () -> String.join("\n", errorsNaming(logFrom, "ha_vrrp_advert_int", "")));
        errorsNaming(logFrom, "ha_vrrp_advert_int", "often").forEach(l -> System.out.println("karaf.log: " + l));

        // nothing was restarted or dropped: same component instances, all active, same socket
        assertEquals("no component reactivated or failed", before, componentIds());
        assertTrue(answers(socket(state())));
        HealthCheck engineCheck = context.getService(context.getServiceReferences(HealthCheck.class, "(l3ha.health.name=engine)")
                .iterator().next());
        assertTrue(engineCheck.check().message(), engineCheck.check().message().endsWith("debounce 1 s"));
        // and it still works with the last good configuration: a primary is debounced 1 s, not 2 and not 0
        String router = ROUTERS.get(0);
        assertEquals(200, notifyAgent(router, "backup").status());
        Poll.until("backup applied", Duration.ofSeconds(10), () -> engine.appliedState(router).orElse(null) == HaState.BACKUP);
        Instant sent = Instant.now();
        assertEquals(200, notifyAgent(router, "primary").status());
        Poll.until("primary applied", Duration.ofSeconds(10), () -> engine.appliedState(router).orElse(null) == HaState.PRIMARY);
        Instant applied = engine.status(router).orElseThrow().lastTransition().orElseThrow();
        long ms = Duration.between(sent, applied).toMillis();
        assertTrue("primary applied " + ms + " ms after it was sent (debounce 1 s, not 2)", ms >= 900 && ms < 2000);
    }

    private List<String> errorsNaming(int from, String key, String value) {
        try {
            List<String> lines = KarafLog.lines();
            return lines.subList(Math.min(from, lines.size()), lines.size()).stream()
                    .filter(l -> l.contains("| ERROR |") && l.contains(key) && l.contains(value))
                    .collect(Collectors.toList());
        } catch (UncheckedIOException e) {
            return List.of(e.toString());
        }
    }

    @Test
    public void changingStatePathMovesTheSocketLive() throws Exception {
        Path old = socket(state());
        Path moved = Path.of(state() + "-moved");
        Map<String, Object> p = agent();
        p.put("state_path", moved.toString());
        update(p);
        Poll.until("socket moved to " + socket(moved), Duration.ofSeconds(30), () -> answers(socket(moved)));
        Poll.until("old socket removed", Duration.ofSeconds(30), () -> !Files.exists(old));
        assertFalse(answers(old));
        // the whole agent follows: the notification went to the journal under the new state_path
        Journal journal = journal(moved);
        Poll.until("journal under the new state_path", Duration.ofSeconds(30), () -> journal.last(ROUTERS.get(2)) != null);
        assertEquals(List.of(), Arrays.stream(moved.toFile().list()).filter(n -> n.startsWith(".ksc-")).collect(Collectors.toList()));
    }

    @Test
    public void changingBatchIntervalAppliesToTheNextBatch() throws Exception {
        Journal journal = journal();
        String router = ROUTERS.get(1);
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> errors = new ArrayList<>();
        // a router flapping between backup and fault every 100 ms: a report is always pending
        Thread flapper = new Thread(() -> {
            try (UdsClient.Sender c = new UdsClient.Sender()) {
                boolean fault = false;
                long next = System.nanoTime();
                while (!stop.get()) {
                    int status = c.send(socket(state()), UdsClient.curlRequest(router, fault ? "fault" : "backup"), Duration.ofSeconds(10)).status();
                    if (status != 200) {
                        throw new AssertionError("status " + status);
                    }
                    fault = !fault;
                    next += 100_000_000L;
                    java.util.concurrent.locks.LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
                }
            } catch (Throwable t) {
                synchronized (errors) {
                    errors.add(t);
                }
            }
        }, "itest-flapper");
        flapper.start();
        try {
            Map<String, Object> p = agent();
            p.put("batch_interval", "3");
            Instant slow = Instant.now();
            update(p);
            Poll.until("9 s of batches at 3 s", Duration.ofSeconds(30), () -> linesAfter(journal, slow).size() >= 5);
            List<Instant> slowLines = linesAfter(journal, slow);

            p.put("batch_interval", "0.2");
            Instant fast = Instant.now();
            update(p);
            Poll.until("batches at 0.2 s", Duration.ofSeconds(30), () -> linesAfter(journal, fast).size() >= 12);
            List<Instant> fastLines = linesAfter(journal, fast);

            // after the change the next batch waits the new interval after the previous one:
            // every gap but the first (the batch due under the old interval) is at least 3 s
            List<Long> slowGaps = gaps(slowLines);
            System.out.println("batch_interval 3 s: gaps between journal lines (ms) " + slowGaps);
            assertTrue(slowGaps.toString(), slowGaps.subList(1, slowGaps.size()).stream().allMatch(g -> g >= 2_900));
            List<Long> fastGaps = gaps(fastLines);
            System.out.println("batch_interval 0.2 s: gaps between journal lines (ms) " + fastGaps);
            // from the second batch on, far more often than every 3 s (0.2 s plus a write and an fsync)
            List<Long> tail = fastGaps.subList(2, fastGaps.size());
            assertTrue(fastGaps.toString(), tail.stream().sorted().collect(Collectors.toList()).get(tail.size() / 2) < 1_000);
            assertTrue(fastGaps.toString(), tail.stream().allMatch(g -> g >= 150));
        } finally {
            stop.set(true);
            flapper.join(30_000);
        }
        assertEquals(List.of(), errors);
    }

    private static List<Instant> linesAfter(Journal journal, Instant t) throws IOException {
        return journal.lines().stream().map(Journal.Line::time).filter(x -> x.isAfter(t)).collect(Collectors.toList());
    }

    private static List<Long> gaps(List<Instant> times) {
        List<Long> g = new ArrayList<>();
        for (int i = 1; i < times.size(); i++) {
            g.add(Duration.between(times.get(i - 1), times.get(i)).toMillis());
        }
        return g;
    }

    @Test
    public void everyAgentKeyHasAMetatypeDescriptionWithNeutronsDefault() {
        MetaTypeService metatype = Osgi.service(context, MetaTypeService.class, Duration.ofSeconds(30));
        Bundle engineBundle = Scr.bundle(context, "org.l3ha.engine");
        MetaTypeInformation info = metatype.getMetaTypeInformation(engineBundle);
        assertNotNull(info);
        assertTrue(Arrays.toString(info.getPids()), Arrays.asList(info.getPids()).contains(Containers.AGENT_PID));
        ObjectClassDefinition ocd = info.getObjectClassDefinition(Containers.AGENT_PID, null);
        Map<String, String> defaults = new TreeMap<>();
        for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            String[] d = ad.getDefaultValue();
            defaults.put(ad.getID(), d == null || d.length == 0 ? "" : d[0]);
            assertTrue(ad.getID() + " has a description", ad.getDescription() != null && !ad.getDescription().isBlank());
        }
        assertEquals(NEUTRON_DEFAULTS, defaults);
        assertEquals(20, defaults.size());
        Map<String, Integer> types = Arrays.stream(ocd.getAttributeDefinitions(ObjectClassDefinition.ALL))
                .collect(Collectors.toMap(AttributeDefinition::getID, AttributeDefinition::getType));
        assertEquals(AttributeDefinition.INTEGER, (int) types.get("ha_vrrp_advert_int"));
        assertEquals(AttributeDefinition.BOOLEAN, (int) types.get("enable_metadata_proxy"));
        assertEquals(AttributeDefinition.INTEGER, (int) types.get("metadata_port"));
        ServiceReference<?> ref = context.getServiceReference(MetaTypeService.class);
        System.out.println("MetaTypeService from " + ref.getBundle().getSymbolicName() + "; OCD '" + ocd.getName() + "': " + defaults);
    }
}
