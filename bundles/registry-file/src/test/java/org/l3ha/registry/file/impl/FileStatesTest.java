package org.l3ha.registry.file.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.l3ha.common.testing.LogCapture;

/** The per-file state: what changed since the last publish, and each change logged once. */
class FileStatesTest {
    static final String A = FileRouterRegistryTest.A;

    final FileStates files = new FileStates(Path.of("/nowhere/routers"));

    @Test
    void aBadFileIsLoggedOncePerReasonAndWhenItIsGoodAgain() throws Exception {
        try (LogCapture log = new LogCapture()) {
            logsEachChangeOnce(log);
        }
    }

    private void logsEachChangeOnce(LogCapture log) throws Exception {
        files.bad("a.json", null, "first reason");
        files.bad("a.json", null, "first reason");
        files.bad("a.json", null, "second reason");
        assertEquals(1, log.lines("WARN", "Bad router file a.json in /nowhere/routers: first reason; skipped").size(),
                log.text());
        assertEquals(1, log.lines("WARN", "second reason; skipped").size(), log.text());
        assertEquals(Map.of("a.json", "second reason"), files.problems());
        assertTrue(files.problemsDirty());
        assertFalse(files.routersDirty());

        files.published();
        files.loaded("a.json", SnapshotBuilderTest.doc(A, true));
        assertTrue(log.has("INFO", "Router file a.json in /nowhere/routers is good again: router " + A), log.text());
        assertEquals(Map.of(), files.problems());
        assertTrue(files.routersDirty());
        assertEquals(Set.of(A), files.touchedIds());

        files.bad("a.json", null, "third reason");
        assertTrue(log.has("WARN", "third reason; keeping its last good version (router " + A + ")"), log.text());
    }

    @Test
    void aFileIsCurrentWhileItsVersionIsTheOneLastReadOrFoundBad() {
        FileStates.Stat v1 = new FileStates.Stat(10, 1, "inode");
        FileStates.Stat v2 = new FileStates.Stat(10, 2, "inode");
        assertFalse(files.isCurrent("a.json", v1), "unknown");
        files.reading("a.json", v1);
        assertTrue(files.isCurrent("a.json", v1));
        assertFalse(files.isCurrent("a.json", v2));
        files.bad("a.json", null, "read it again");
        assertFalse(files.isCurrent("a.json", v1), "a bad file without a version is read again");
        files.bad("a.json", v2, "not read again");
        assertTrue(files.isCurrent("a.json", v2));
    }

    @Test
    void droppingAFileDropsItsRouterAndItsProblems() throws Exception {
        files.loaded("a.json", SnapshotBuilderTest.doc(A, true));
        files.bad("b.json", null, "bad");
        files.bad("c.json", null, "bad");
        files.published();

        files.retainOnly(Set.of("c.json"));
        assertTrue(files.routersDirty());
        assertTrue(files.problemsDirty());
        assertEquals(Set.of(A), files.touchedIds());
        assertEquals(Set.of("c.json"), files.problems().keySet());
        assertEquals(1, files.size());

        files.clear();
        assertEquals(0, files.size());
        assertEquals(Map.of(), files.problems());
    }
}
