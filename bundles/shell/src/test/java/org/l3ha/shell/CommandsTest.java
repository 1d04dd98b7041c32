package org.l3ha.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.apache.karaf.shell.api.console.CommandLine;
import org.junit.jupiter.api.Test;
import org.l3ha.api.HaState;
import org.l3ha.api.HealthResult;
import org.l3ha.api.RouterStatus;
import org.l3ha.api.StatsProvider;
import org.l3ha.api.Transition;
import org.l3ha.api.TransitionEngine;

class CommandsTest {
    static final String R1 = "0b2c6e3a-1111-2222-3333-444455556666";
    static final String R2 = "7d1f0000-aaaa-bbbb-cccc-000000000001";
    static final Instant T = Instant.parse("2026-11-25T10:00:00Z");

    record Status(String routerId, Optional<HaState> applied, Optional<Instant> lastTransition,
            Optional<HaState> pending, Optional<Instant> pendingDue, boolean managed) implements RouterStatus {
    }

    /** An engine with R1 primary and R2 backup with a primary pending. */
    static final class FakeEngine implements TransitionEngine {
        final List<String> resynced = new ArrayList<>();

        @Override
        public Optional<HaState> appliedState(String id) {
            return status(id).flatMap(RouterStatus::applied);
        }

        @Override
        public Optional<RouterStatus> status(String id) {
            return statuses().stream().filter(s -> s.routerId().equals(id)).findFirst();
        }

        @Override
        public List<RouterStatus> statuses() {
            return List.of(
                    new Status(R1, Optional.of(HaState.PRIMARY), Optional.of(T), Optional.empty(), Optional.empty(), true),
                    new Status(R2, Optional.of(HaState.BACKUP), Optional.of(T), Optional.of(HaState.PRIMARY),
                            Optional.of(T.plusSeconds(2)), true));
        }

        @Override
        public List<Transition> history(String id, int max) {
            List<Transition> h = List.of(new Transition(id, T, HaState.PRIMARY), new Transition(id, T.minusSeconds(60), HaState.BACKUP));
            return h.subList(0, Math.min(max, h.size()));
        }

        @Override
        public boolean resync(String id) {
            resynced.add(id);
            return id.equals(R1);
        }

        @Override
        public int resyncAll() {
            resynced.add("*");
            return 2;
        }
    }

    static String run(Consumer<PrintStream> command) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            command.accept(out);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** @return the message the command failed with; it printed nothing */
    static String fails(Consumer<PrintStream> command) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            CommandFailed e = assertThrows(CommandFailed.class, () -> command.accept(out));
            assertEquals("", buf.toString(StandardCharsets.UTF_8), "printed besides the failure");
            return e.getMessage();
        }
    }

    @Test
    void routersListsStateLastTransitionAndPending() {
        RoutersCommand c = new RoutersCommand();
        c.engine = new FakeEngine();
        String out = run(c::print);
        String r2 = out.lines().filter(l -> l.contains(R2)).findFirst().orElseThrow();
        assertTrue(r2.contains("backup") && r2.contains("primary") && r2.contains(Format.TIME.format(T.plusSeconds(2))), r2);
        assertTrue(out.contains(R1), out);
        assertTrue(out.endsWith("2 routers\n"), out);
        c.pendingOnly = true;
        out = run(c::print);
        assertFalse(out.contains(R1), out);
        assertTrue(out.endsWith("1 routers\n"), out);
    }

    @Test
    void routerShowsOneRouterAndItsHistoryNewestFirst() {
        RouterCommand c = new RouterCommand();
        c.engine = new FakeEngine();
        c.routerId = R1;
        c.count = 5;
        String out = run(c::print);
        assertTrue(out.contains("State:           primary"), out);
        int newest = out.indexOf(Format.TIME.format(T) + " ");
        int older = out.lastIndexOf(Format.TIME.format(T.minusSeconds(60)));
        assertTrue(newest > 0 && older > newest, out);
        c.count = 1;
        assertFalse(run(c::print).contains(Format.TIME.format(T.minusSeconds(60))));
        c.routerId = "99999999-9999-9999-9999-999999999999";
        assertEquals("Router 99999999-9999-9999-9999-999999999999 is not known (not in the registry, no state file, no notification).",
                fails(c::print));
    }

    @Test
    void resyncOneOrAll() {
        ResyncCommand c = new ResyncCommand();
        FakeEngine engine = new FakeEngine();
        c.engine = engine;
        assertEquals("Queued the state of 2 routers for reporting.\n", run(c::print));
        c.routerId = R1;
        assertTrue(run(c::print).contains("Queued the state of router " + R1));
        c.routerId = R2;
        assertTrue(fails(c::print).contains("is not managed"));
        assertEquals(List.of("*", R1, R2), engine.resynced);
    }

    @Test
    void commandsFailWhenTheEngineIsNotRunning() {
        assertEquals("The l3ha engine is not running.", fails(new RoutersCommand()::print));
        assertEquals("The l3ha engine is not running.", fails(new ResyncCommand()::print));
        RouterCommand router = new RouterCommand();
        router.routerId = R1;
        assertEquals("The l3ha engine is not running.", fails(router::print));
    }

    @Test
    void statsShowsEverySectionAndSurvivesABrokenProvider() {
        StatsProvider endpoint = () -> Map.of("received", 10L, "rejected.bad_router_id", 2L);
        StatsProvider broken = () -> {
            throw new IllegalStateException("gone");
        };
        String out = run(o -> StatsCommand.print(o, List.of(new Services.Named<>("broken", broken), new Services.Named<>("endpoint", endpoint))));
        assertTrue(out.contains("endpoint:\n"), out);
        assertTrue(out.contains("  received = 10\n"), out);
        assertTrue(out.contains("  rejected.bad_router_id = 2\n"), out);
        assertTrue(out.contains("(unavailable: java.lang.IllegalStateException: gone)"), out);
        assertEquals("No l3ha component is running.\n", run(o -> StatsCommand.print(o, List.of())));
    }

    @Test
    void healthPrintsTheOverallVerdictThenEveryCheck() {
        java.util.Map<String, HealthResult> checks = new java.util.TreeMap<>();
        checks.put("endpoint", HealthResult.ok("listening on /var/lib/neutron/keepalived-state-change"));
        checks.put("reporter.oslo", HealthResult.warn("retrying: connection refused"));
        List<HealthResult.Status> seen = new ArrayList<>();
        String out = run(o -> seen.add(HealthCommand.print(o, new org.l3ha.api.HealthReport(HealthResult.Status.WARN, checks))));
        assertEquals(List.of(HealthResult.Status.WARN), seen);
        assertTrue(out.startsWith("l3ha health: WARN\n"), out);
        String oslo = out.lines().filter(l -> l.contains("reporter.oslo")).findFirst().orElseThrow();
        assertTrue(oslo.contains("WARN") && oslo.contains("retrying: connection refused"), oslo);
        out = run(o -> HealthCommand.print(o, new org.l3ha.api.HealthReport(HealthResult.Status.CRITICAL, java.util.Map.of())));
        assertTrue(out.startsWith("l3ha health: CRITICAL (no l3ha component is running)"), out);
    }

    @Test
    void healthFailsOnlyWhenAskedAndTheVerdictIsThatBadOrWorse() {
        HealthResult.Status ok = HealthResult.Status.OK;
        HealthResult.Status warn = HealthResult.Status.WARN;
        HealthResult.Status critical = HealthResult.Status.CRITICAL;
        for (HealthResult.Status verdict : HealthResult.Status.values()) {
            HealthCommand.failIf(verdict, null); // without --fail-on: never
        }
        HealthCommand.failIf(ok, HealthCommand.threshold("warn"));
        HealthCommand.failIf(warn, HealthCommand.threshold("CRITICAL"));
        CommandFailed e = assertThrows(CommandFailed.class, () -> HealthCommand.failIf(warn, HealthCommand.threshold("WARN")));
        assertEquals("l3ha health is WARN (--fail-on WARN)", e.getMessage());
        assertThrows(CommandFailed.class, () -> HealthCommand.failIf(critical, HealthCommand.threshold("warn")));
        assertThrows(CommandFailed.class, () -> HealthCommand.failIf(critical, HealthCommand.threshold("critical")));
        e = assertThrows(CommandFailed.class, () -> HealthCommand.threshold("OK"));
        assertEquals("--fail-on takes WARN or CRITICAL, not 'OK'", e.getMessage());
        assertEquals(null, HealthCommand.threshold(null));
    }

    @Test
    void routerIdsAreCompletedFromTheEngine() {
        RouterIdCompleter c = new RouterIdCompleter();
        c.engine = new FakeEngine();
        List<String> candidates = new ArrayList<>();
        c.complete(null, line("7d1f"), candidates);
        assertEquals(1, candidates.size(), candidates.toString());
        assertTrue(candidates.get(0).startsWith(R2), candidates.toString());
        candidates.clear();
        c.complete(null, line(""), candidates);
        assertEquals(2, candidates.size(), candidates.toString());
    }

    private static CommandLine line(String arg) {
        return new CommandLine() {
            @Override
            public int getCursorArgumentIndex() {
                return 1;
            }

            @Override
            public String getCursorArgument() {
                return arg;
            }

            @Override
            public int getArgumentPosition() {
                return arg.length();
            }

            @Override
            public String[] getArguments() {
                return new String[] {"l3ha:router", arg};
            }

            @Override
            public int getBufferPosition() {
                return 12 + arg.length();
            }

            @Override
            public String getBuffer() {
                return "l3ha:router " + arg;
            }
        };
    }
}
