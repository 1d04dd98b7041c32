package org.l3ha.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.l3ha.api.HaState;
import org.l3ha.api.HealthResult;
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
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The {@code l3ha:*} commands in stock Karaf with feature l3ha, run through Karaf's SessionFactory
 * as a console would, one test per command, checked against what l3ha did.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@ExamFactory(KarafTestContainerFactory.class)
public class KarafShellIT extends KarafTestSupport {
    static final List<String> ROUTERS = Containers.routerIds("5e11", 3);
    static final String TIME = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d";

    @Inject
    BundleContext context;

    private SessionFactory shell;
    private TransitionEngine engine;

    @Configuration
    public Option[] config() {
        return Containers.karaf("shell", ROUTERS, Map.of());
    }

    @Before
    public void ready() {
        shell = Osgi.service(context, SessionFactory.class, Duration.ofSeconds(60));
        engine = Osgi.service(context, TransitionEngine.class, Duration.ofSeconds(60));
        awaitSocket();
        Poll.until("l3ha commands registered", Duration.ofSeconds(60),
                () -> shell.getRegistry().getCommand("l3ha", "health") != null);
    }

    /** Notifies and waits until the engine applied it. */
    private void transition(String router, String word) throws Exception {
        assertEquals(200, notifyAgent(router, word).status());
        HaState expected = HaState.parse(word);
        Poll.until(router + " applied " + word, Duration.ofSeconds(30),
                () -> engine.appliedState(router).orElse(null) == expected && engine.status(router).orElseThrow().pending().isEmpty());
    }

    @Test
    public void routersListsEveryRouterWithItsStateAndLastTransition() throws Exception {
        transition(ROUTERS.get(0), "fault");
        String out = Shell.execute(shell, "l3ha:routers");
        System.out.println("l3ha:routers\n" + out);
        assertTrue(out, Pattern.compile("(?m)^" + Pattern.quote(ROUTERS.get(0)) + "\\s+\\|\\s+fault\\s+\\|\\s+" + TIME + ".*\\|\\s+yes\\s*$")
                .matcher(out).find());
        for (String id : ROUTERS) {
            assertTrue(id + " listed:\n" + out, out.contains(id));
        }
        assertTrue(out, out.contains(ROUTERS.size() + " routers"));
    }

    @Test
    public void routersShowsAPendingPrimaryAndWhenItApplies() throws Exception {
        // a primary is debounced for ha_vrrp_advert_int (1 s): until then it is pending
        String router = ROUTERS.get(2);
        transition(router, "backup");
        assertEquals(200, notifyAgent(router, "primary").status());
        String out = Shell.execute(shell, "l3ha:routers -p");
        System.out.println("l3ha:routers -p\n" + out);
        boolean pendingSeen = Pattern.compile("(?m)^" + Pattern.quote(router) + "\\s+\\|\\s+backup\\s+\\|.*\\|\\s+primary\\s+\\|\\s+" + TIME)
                .matcher(out).find();
        // the command may run after the debounce ended (a slow machine): then the primary is applied
        assertTrue(out, pendingSeen || engine.appliedState(router).orElse(null) == HaState.PRIMARY);
        Poll.until("primary applied", Duration.ofSeconds(30), () -> engine.appliedState(router).orElse(null) == HaState.PRIMARY);
        assertTrue(Shell.execute(shell, "l3ha:routers -p").contains("0 routers"));
    }

    @Test
    public void routerShowsTheStateAndTheHistoryOfOneRouter() throws Exception {
        String router = ROUTERS.get(1);
        transition(router, "backup");
        transition(router, "primary");
        String out = Shell.execute(shell, "l3ha:router " + router);
        System.out.println("l3ha:router\n" + out);
        assertTrue(out, out.contains("Router:          " + router));
        assertTrue(out, out.contains("Managed:         yes"));
        assertTrue(out, out.contains("State:           primary"));
        assertTrue(out, out.matches("(?s).*Last transition: " + TIME + ".*"));
        assertTrue(out, out.contains("Pending:         -") || out.contains("Pending:         none") || out.matches("(?s).*Pending:\\s+\\S+.*"));
        // newest first: primary, then backup
        int primary = out.indexOf("| primary");
        int backup = out.indexOf("| backup");
        assertTrue(out, primary > 0 && backup > primary);
        assertTrue(out, Pattern.compile("(?m)^" + TIME + "\\.\\d{3}\\s+\\|\\s+primary\\s*$").matcher(out).find()
                || Pattern.compile("(?m)^" + TIME + "\\S*\\s+\\|\\s+primary\\s*$").matcher(out).find());
        Exception notKnown = assertThrows(Exception.class, () -> Shell.execute(shell, "l3ha:router 00000000-0000-4000-8000-000000000000"));
        assertTrue(String.valueOf(notKnown), String.valueOf(notKnown.getMessage()).contains("is not known"));
    }

    @Test
    public void resyncReportsEveryRouterAgain() throws Exception {
        transition(ROUTERS.get(0), "backup");
        Poll.until("journal written", Duration.ofSeconds(30), () -> journal().size() > 0);
        int before = journal().size();
        String out = Shell.execute(shell, "l3ha:resync");
        assertEquals("Queued the state of " + ROUTERS.size() + " routers for reporting.", out.trim());
        Poll.until("a journal line with every router", Duration.ofSeconds(30), () -> journal().lines().stream().skip(before)
                .anyMatch(l -> l.states().keySet().containsAll(ROUTERS)));
        Journal.Line line = journal().lines().stream().skip(before).filter(l -> l.states().keySet().containsAll(ROUTERS)).findFirst().orElseThrow();
        assertEquals(Journal.serverName(engine.appliedState(ROUTERS.get(0)).orElseThrow().word()), line.states().get(ROUTERS.get(0)));
    }

    @Test
    public void resyncOfOneRouterReportsOnlyIt() throws Exception {
        String router = ROUTERS.get(0);
        transition(router, "fault");
        Poll.until("journal written", Duration.ofSeconds(30), () -> "standby".equals(journal().last(router)));
        int before = journal().size();
        assertEquals("Queued the state of router " + router + " for reporting.", Shell.execute(shell, "l3ha:resync " + router).trim());
        Poll.until("a journal line for the router", Duration.ofSeconds(30), () -> journal().size() > before);
        Journal.Line line = journal().lines().get(before);
        assertEquals(Map.of(router, "standby"), line.states());
        String unknown = "00000000-0000-4000-8000-0000000000ff";
        Exception notManaged = assertThrows(Exception.class, () -> Shell.execute(shell, "l3ha:resync " + unknown));
        assertTrue(String.valueOf(notManaged), String.valueOf(notManaged.getMessage()).contains("is not managed"));
    }

    @Test
    public void statsCountsReceivedAndRejectedNotifications() throws Exception {
        String before = Shell.execute(shell, "l3ha:stats");
        long received = Shell.counter(before, "endpoint", "received");
        long invalid = Shell.counter(before, "endpoint", "rejected.router_id_invalid");
        long notifications = Shell.counter(before, "engine", "notifications");
        assertTrue(before, received >= 0 && invalid >= 0 && notifications >= 0);

        UdsClient.Reply bad = notifyAgent("not-a-router", "primary");
        assertEquals(400, bad.status());
        assertEquals(200, notifyAgent(ROUTERS.get(2), "backup").status());

        String after = Shell.execute(shell, "l3ha:stats");
        System.out.println("l3ha:stats\n" + after);
        assertEquals(after, received + 2, Shell.counter(after, "endpoint", "received"));
        assertEquals(after, invalid + 1, Shell.counter(after, "endpoint", "rejected.router_id_invalid"));
        assertEquals(after, notifications + 1, Shell.counter(after, "engine", "notifications"));
        for (String section : List.of("endpoint:", "engine:", "notifier:", "registry:", "journal:")) {
            assertTrue(section + " in\n" + after, after.contains("\n" + section) || after.startsWith(section));
        }
    }

    @Test
    public void healthGivesTheWorstVerdictFirstThenEveryCheck() throws Exception {
        String out = Shell.execute(shell, "l3ha:health");
        System.out.println("l3ha:health\n" + out);
        assertTrue(out, Pattern.compile("(?m)^endpoint\\s+\\|\\s+OK\\s+\\|\\s+listening on " + Pattern.quote(socket().toString()) + "\\s*$")
                .matcher(out).find());
        for (String check : List.of("engine", "notifier", "registry", "reporter.journal")) {
            assertTrue(check + ":\n" + out, Pattern.compile("(?m)^" + Pattern.quote(check) + "\\s+\\|\\s+OK\\s+\\|").matcher(out).find());
        }
        // the first line is the worst of the rows (the IPv6 listener warns about routers whose
        // qrouter- namespace does not exist on this machine, once one of them was primary)
        Matcher row = Pattern.compile("(?m)^(\\S+)\\s+\\|\\s+(OK|WARN|CRITICAL)\\s+\\|").matcher(out);
        HealthResult.Status worst = HealthResult.Status.OK;
        int rows = 0;
        while (row.find()) {
            rows++;
            HealthResult.Status s = HealthResult.Status.valueOf(row.group(2));
            worst = s.compareTo(worst) > 0 ? s : worst;
        }
        assertTrue(out, rows >= 10);
        assertTrue(out, out.startsWith("l3ha health: " + worst + "\n"));

        // a router going primary without its namespace: the IPv6 check warns, so the verdict is WARN
        transition(ROUTERS.get(1), "backup");
        transition(ROUTERS.get(1), "primary");
        String warn = Shell.execute(shell, "l3ha:health");
        System.out.println("l3ha:health after a primary without namespace\n" + warn);
        if (warn.contains("host IPv6 disabled")) {
            return; // this machine has no IPv6: the listener has nothing to do, nothing fails
        }
        assertTrue(warn, warn.startsWith("l3ha health: WARN\n"));
        assertTrue(warn, Pattern.compile("(?m)^ipv6\\s+\\|\\s+WARN\\s+\\|.*" + Pattern.quote(ROUTERS.get(1))).matcher(warn).find());
    }

    /**
     * The broker password is in no console output: config:list shows transport_url redacted (the
     * reporter's ConfigurationPlugin), scr:info shows no reporter property holding it, and the
     * reporter still gets and uses the real value (it reports that it cannot connect to it).
     */
    @Test
    public void theBrokerPasswordIsInNoConsoleOutput() throws Exception {
        String password = "Br0ker-" + Long.toHexString(System.nanoTime());
        ConfigurationAdmin cm = Osgi.service(context, ConfigurationAdmin.class, Duration.ofSeconds(30));
        org.osgi.service.cm.Configuration reporter = cm.getConfiguration("org.l3ha.reporter.oslo", "?");
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("transport_url", "rabbit://neutron:" + password + "@127.0.0.1:1/");
        props.put("rpc_response_timeout", "2");
        reporter.update(props);
        try {
            Poll.until("reporter configured", Duration.ofSeconds(60),
                    () -> Shell.execute(shell, "l3ha:health").contains("127.0.0.1:1"));
            String list = Shell.execute(shell, "config:list \"(service.pid=org.l3ha.reporter.oslo)\"");
            System.out.println("config:list\n" + list);
            assertTrue(list, list.contains("transport_url = rabbit://neutron:***@127.0.0.1:1/"));
            // what scr:info prints: the component's configuration properties, as SCR holds them
            org.osgi.service.component.runtime.ServiceComponentRuntime scr = Osgi.service(context,
                    org.osgi.service.component.runtime.ServiceComponentRuntime.class, Duration.ofSeconds(30));
            String info = scr.getComponentDescriptionDTOs().stream().filter(d -> d.name.equals("org.l3ha.reporter.oslo"))
                    .flatMap(d -> scr.getComponentConfigurationDTOs(d).stream()).map(c -> String.valueOf(c.properties))
                    .collect(java.util.stream.Collectors.joining("\n"));
            System.out.println("org.l3ha.reporter.oslo's component properties\n" + info);
            assertTrue(info, info.contains("state_path"));
            assertFalse(info, info.contains("transport_url"));
            String health = Shell.execute(shell, "l3ha:health");
            String stats = Shell.execute(shell, "l3ha:stats");
            for (String out : List.of(list, info, health, stats)) {
                assertFalse(out, out.contains(password));
            }
            assertFalse("karaf.log", String.join("\n", KarafLog.lines()).contains(password));
        } finally {
            reporter.delete();
        }
    }

    @Test
    public void routerIdsCompleteWithTab() {
        // ROUTERS share the prefix 5e11000; the completer offers the known ids that match
        List<String> all = Shell.complete(shell, "l3ha", "router", "l3ha:router 5e11");
        assertTrue(all.toString(), all.containsAll(ROUTERS));
        List<String> one = Shell.complete(shell, "l3ha", "resync", "l3ha:resync " + ROUTERS.get(1).substring(0, 8));
        assertEquals(List.of(ROUTERS.get(1)), one);
    }
}
