package org.l3ha.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.common.testing.UdsClient;
import org.l3ha.itests.support.Containers;
import org.l3ha.itests.support.KarafAssembly;
import org.l3ha.itests.support.KarafLog;
import org.l3ha.itests.support.KarafTestSupport;
import org.l3ha.itests.support.Osgi;
import org.l3ha.itests.support.Poll;
import org.l3ha.itests.support.Scrape;
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

/**
 * The metrics bundle in stock Karaf with feature l3ha: off until PID org.l3ha.metrics has a port;
 * then /metrics on loopback in the Prometheus text format shows the endpoint's counters as
 * notifications are sent, unchanged by a swap of the metrics bundle (the components keep them); a
 * bad configuration is refused with an ERROR naming key and value while the running server keeps
 * serving; removing the port stops serving. The tests run in name order, each on what the
 * previous one left.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@ExamFactory(KarafTestContainerFactory.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class MetricsIT extends KarafTestSupport {
    static final List<String> ROUTERS = Containers.routerIds("e7a1", 3);
    static final String PID = "org.l3ha.metrics";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String NOTIFICATIONS = "l3ha_notifications_total";
    static final String[] ACCEPTED = {"result", "accepted"};
    static final String[] REJECTED_STATE = {"reason", "state_invalid", "result", "rejected"};

    /** The port of the first test, kept by the next ones. */
    private static int port;

    @Inject
    BundleContext context;

    private ConfigurationAdmin cm;

    @Configuration
    public Option[] config() {
        return Containers.karaf("metrics", ROUTERS, Map.of());
    }

    @Before
    public void ready() {
        cm = Osgi.service(context, ConfigurationAdmin.class, Duration.ofSeconds(30));
        awaitSocket();
    }

    @Test
    public void a_offUntilAPortIsSetThenServesTheEndpointCounters() throws Exception {
        HealthCheck own = metricsCheck();
        Poll.until("check metrics: not serving", WAIT, () -> own.check().message().equals("not serving: port not set"));
        port = KarafAssembly.freePort();
        configure(Map.of("port", String.valueOf(port)));
        Poll.until("/metrics served on port " + port, WAIT, () -> answers(port));
        assertEquals(HealthResult.ok("serving on http://127.0.0.1:" + port + "/metrics"), own.check());
        assertTrue(KarafLog.tail(), KarafLog.lines().stream().anyMatch(l -> l.contains("| INFO ")
                && l.contains("Metrics served on http://127.0.0.1:" + port + "/metrics")));

        Scrape before = Scrape.get(port, WAIT);
        assertEquals("counter", before.type("l3ha_notifications_total"));
        assertTrue(before.text(), before.value("l3ha_health_status", "check", "endpoint") >= 0);
        assertEquals(0.0, before.value("l3ha_health_status", "check", "metrics"), 0);
        double accepted = before.value(NOTIFICATIONS, ACCEPTED);
        double rejected = before.value(NOTIFICATIONS, REJECTED_STATE);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, notifyAgent(ROUTERS.get(i), "backup").status());
        }
        UdsClient.Reply bad = notifyAgent(ROUTERS.get(0), "bogus");
        assertEquals(bad.body(), 400, bad.status());
        Scrape after = Scrape.get(port, WAIT);
        assertEquals(after.text(), accepted + 3, after.value(NOTIFICATIONS, ACCEPTED), 0);
        assertEquals(after.text(), rejected + 1, after.value(NOTIFICATIONS, REJECTED_STATE), 0);
        assertEquals(after.value("l3ha_notifications_received_total") - 4,
                before.value("l3ha_notifications_received_total"), 0);
        System.out.println("Metrics in stock Karaf:\n" + after.text());
    }

    @Test
    public void b_aSwapOfTheMetricsBundleResetsNoCounter() throws Exception {
        Bundle metrics = java.util.Arrays.stream(context.getBundles())
                .filter(b -> "org.l3ha.metrics".equals(b.getSymbolicName())).findFirst().orElseThrow();
        double accepted = Scrape.get(port, WAIT).value(NOTIFICATIONS, ACCEPTED);
        metrics.update();
        Poll.until("/metrics served again after bundle:update", WAIT, () -> answers(port));
        assertEquals(accepted, Scrape.get(port, WAIT).value(NOTIFICATIONS, ACCEPTED), 0);
        metrics.stop();
        Poll.until("port " + port + " closed while the bundle is stopped", WAIT, () -> refused(port));
        metrics.start();
        Poll.until("/metrics served again after stop and start", WAIT, () -> answers(port));
        assertEquals(accepted, Scrape.get(port, WAIT).value(NOTIFICATIONS, ACCEPTED), 0);
        assertEquals(200, notifyAgent(ROUTERS.get(1), "primary").status());
        assertEquals(accepted + 1, Scrape.get(port, WAIT).value(NOTIFICATIONS, ACCEPTED), 0);
    }

    @Test
    public void c_aBadConfigurationIsRefusedAndTheServerKept() throws Exception {
        int logFrom = KarafLog.lines().size();
        configure(Map.of("port", String.valueOf(port), "bind_address", "10.0.0.1"));
        HealthCheck own = metricsCheck();
        Poll.until("check metrics CRITICAL", WAIT, () -> own.check().status() == HealthResult.Status.CRITICAL);
        String message = own.check().message();
        assertTrue(message, message.contains("bind_address='10.0.0.1' must be a loopback IP address")
                && message.endsWith("; still serving on http://127.0.0.1:" + port + "/metrics"));
        Poll.until("an ERROR naming bind_address and 10.0.0.1", WAIT,
                () -> !errors(logFrom, "bind_address='10.0.0.1'").isEmpty(), KarafLog::tail);
        assertTrue(answers(port));

        configure(Map.of("port", "abc"));
        Poll.until("an ERROR naming port and abc", WAIT, () -> !errors(logFrom, "port='abc' not an integer").isEmpty(),
                KarafLog::tail);
        errors(logFrom, "invalid configuration " + PID).forEach(l -> System.out.println("karaf.log: " + l));
        assertTrue(own.check().message(), own.check().message().contains("port='abc' not an integer"));
        assertTrue(answers(port));

        configure(Map.of("port", String.valueOf(port)));
        Poll.until("check metrics OK again", WAIT, () -> own.check().status() == HealthResult.Status.OK);
        assertTrue(answers(port));
    }

    @Test
    public void d_removingThePortStopsServing() throws Exception {
        configure(Map.of("bind_address", "127.0.0.1"));
        Poll.until("port " + port + " closed", WAIT, () -> refused(port));
        HealthCheck own = metricsCheck();
        Poll.until("check metrics: not serving", WAIT, () -> own.check().message().equals("not serving: port not set"));
        cm.getConfiguration(PID, "?").delete();
    }

    private void configure(Map<String, String> props) throws IOException {
        cm.getConfiguration(PID, "?").update(new Hashtable<>(props));
    }

    private HealthCheck metricsCheck() throws Exception {
        Poll.until("health check metrics registered", WAIT,
                () -> !context.getServiceReferences(HealthCheck.class, "(l3ha.health.name=metrics)").isEmpty());
        ServiceReference<HealthCheck> ref = context.getServiceReferences(HealthCheck.class, "(l3ha.health.name=metrics)")
                .iterator().next();
        return context.getService(ref);
    }

    private static List<String> errors(int from, String fragment) {
        List<String> lines = KarafLog.lines();
        return lines.subList(Math.min(from, lines.size()), lines.size()).stream()
                .filter(l -> l.contains("| ERROR |") && l.contains(fragment)).collect(Collectors.toList());
    }

    private static boolean answers(int port) {
        try {
            Scrape.get(port, WAIT);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean refused(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
