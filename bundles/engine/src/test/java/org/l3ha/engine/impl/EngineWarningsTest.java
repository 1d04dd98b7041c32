package org.l3ha.engine.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;
import org.l3ha.api.HealthResult;
import org.l3ha.common.testing.LogCapture;

/** What the engine tells the operator about its configuration: directories others can change, unknown keys. */
class EngineWarningsTest {
    static final String R1 = "11111111-1111-1111-1111-111111111111";

    @TempDir
    Path tmp;

    final List<DebouncingTransitionEngine> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(DebouncingTransitionEngine::deactivate);
    }

    static Map<String, Object> props(Path statePath, Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("state_path", statePath.toString());
        m.put("ha_vrrp_advert_int", "0");
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    DebouncingTransitionEngine start(Map<String, Object> props) {
        DebouncingTransitionEngine e = EngineActivation.activate(props);
        started.add(e);
        return e;
    }

    @Test
    void aStatePathAnotherAccountOwnsIsAHealthWarningAndOneLogLineAndTheEngineStillWorks() throws Exception {
        Attacker nobody = new Attacker(tmp);
        Path state = nobody.directory(tmp.resolve("state"));
        Path mine = Files.createDirectory(tmp.resolve("mine"));
        try (LogCapture log = new LogCapture()) {
            DebouncingTransitionEngine e = start(props(state));
            e.bindRegistry(new Fakes.Registry().with(R1));
            DebouncingTransitionEngineTest.LastReports reports = new DebouncingTransitionEngineTest.LastReports();
            e.bindBatcher(reports);

            HealthResult h = e.check();
            assertEquals(HealthResult.Status.WARN, h.status(), h.message());
            assertEquals("another account can change state_path and ha_confs_path: " + state + " belongs to nobody",
                    h.message());
            assertEquals(1, log.lines("WARN", "another account can change", state.toString()).size(), log.text());

            EngineActivation.modify(e, props(state));
            assertEquals(1, log.lines("WARN", "another account can change").size(), "not repeated for the same finding");

            assertTrue(e.accept(R1, HaState.BACKUP));
            await().atMost(Duration.ofSeconds(30)).until(() -> reports.last.get(R1) == HaState.BACKUP);
            assertEquals("backup", Files.readString(state.resolve("ha_confs").resolve(R1).resolve("state")), "it still works");

            EngineActivation.modify(e, props(mine));
            assertEquals(HealthResult.Status.OK, e.check().status(), e.check().message());
            assertEquals(1, log.lines("INFO", "only root can change state_path and ha_confs_path now").size(), log.text());
        }
    }

    @Test
    void aHaConfsPathWritableByEveryAccountIsNamedOnItsOwn() throws Exception {
        Path confs = Files.createDirectory(tmp.resolve("confs"));
        Files.setPosixFilePermissions(confs, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        DebouncingTransitionEngine e = start(props(tmp, "ha_confs_path", confs.toString()));
        e.bindRegistry(new Fakes.Registry());
        e.bindBatcher(new DebouncingTransitionEngineTest.LastReports());
        assertEquals("another account can change ha_confs_path: " + confs + " is writable by every account",
                e.check().message());
    }

    @Test
    void anUnknownKeyOfTheAgentPidIsAWarningNamingIt() {
        try (LogCapture log = new LogCapture()) {
            DebouncingTransitionEngine e = start(props(tmp, "ha_vrrp_advert_intt", "3", "service.pid", "org.l3ha.agent"));
            List<String> lines = log.lines("WARN", "org.l3ha.engine: unknown configuration key 'ha_vrrp_advert_intt' in PID"
                    + " org.l3ha.agent");
            assertEquals(1, lines.size(), log.text());
            EngineActivation.modify(e, props(tmp, "ha_vrrp_advert_intt", "3"));
            assertEquals(1, log.lines("WARN", "unknown configuration key").size(), "the same keys are named once");
            EngineActivation.modify(e, props(tmp, "hots", "x\u001b[2J"));
            assertEquals(1, log.lines("WARN", "unknown configuration key 'hots'").size(), log.text());
            EngineActivation.modify(e, props(tmp));
            EngineActivation.modify(e, props(tmp, "\u001b[2Jkey", "1"));
            assertEquals(1, log.lines("WARN", "unknown configuration key '\\x1b[2Jkey'").size(), "escaped: " + log.text());
            assertTrue(log.lines("\u001b").isEmpty(), "no control character reaches the log");
        }
    }
}
