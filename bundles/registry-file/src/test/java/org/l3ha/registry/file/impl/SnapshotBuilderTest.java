package org.l3ha.registry.file.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.l3ha.common.routers.RouterParser;
import org.l3ha.common.testing.LogCapture;

/** The snapshot built from the per-file state, and the ids that differ from the previous one. */
class SnapshotBuilderTest {
    static final String A = FileRouterRegistryTest.A;
    static final String B = FileRouterRegistryTest.B;
    static final String C = FileRouterRegistryTest.C;

    final Path dir = Path.of("/nowhere/routers");
    final FileStates files = new FileStates(dir);
    final SnapshotBuilder builder = new SnapshotBuilder(files);
    LogCapture log;

    @BeforeEach
    void setUp() {
        log = new LogCapture();
    }

    @AfterEach
    void tearDown() {
        log.close();
    }

    static RouterParser.Parsed doc(String id, boolean ha) throws Exception {
        return RouterParser.read(FileRouterRegistryTest.doc(id, ha).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void countsAddedChangedAndRemovedIdsAgainstThePreviousSnapshot() throws Exception {
        files.loaded("a.json", doc(A, true));
        files.loaded("b.json", doc(B, true));
        Reload first = builder.publish(Snapshot.empty(dir), false);
        assertEquals(Set.of(A, B), first.changedIds());
        assertEquals(2, first.added());
        assertEquals(Set.of(A, B), first.snapshot().routers().keySet());
        assertEquals(dir, first.snapshot().dir());

        files.loaded("a.json", doc(A, false));
        files.drop("b.json");
        files.loaded("c.json", doc(C, true));
        Reload second = builder.publish(first.snapshot(), false);
        assertEquals(Set.of(A, B, C), second.changedIds());
        assertEquals(1, second.added());
        assertEquals(1, second.changed());
        assertEquals(1, second.removed());
        assertFalse(second.snapshot().routers().get(A).ha());
        assertEquals(Set.of(A, C), second.snapshot().routers().keySet());
    }

    @Test
    void nothingChangedPublishesThePreviousSnapshotUnlessAFullComparisonIsAskedFor() throws Exception {
        files.loaded("a.json", doc(A, true));
        Snapshot published = builder.publish(Snapshot.empty(dir), false).snapshot();

        Reload none = builder.publish(published, false);
        assertSame(published, none.snapshot());
        assertFalse(none.anything());

        files.loaded("a.json", doc(A, true));   // rewritten, same router
        assertFalse(builder.publish(published, false).anything());

        // another directory's snapshot: every id is compared, not only the touched ones
        Snapshot other = new Snapshot(Path.of("/elsewhere"), Map.of(B, doc(B, true).router()), Map.of(), Map.of(), 0);
        Reload full = builder.publish(other, true);
        assertEquals(Set.of(A, B), full.changedIds());
        assertEquals(1, full.added());
        assertEquals(1, full.removed());
    }

    @Test
    void theFirstFileNameWinsADuplicateIdLoggedOnceAndItsResolutionOnce() throws Exception {
        files.loaded("b.json", doc(A, false));
        files.loaded("a.json", doc(A, true));
        Snapshot s = builder.publish(Snapshot.empty(dir), false).snapshot();
        assertTrue(s.routers().get(A).ha(), "a.json wins");
        assertEquals(1, s.duplicates());
        assertEquals(1, log.lines("WARN", "Router " + A + " is defined by 2 files in", "a.json, b.json; using a.json")
                .size(), log.text());

        files.loaded("c.json", doc(C, true));   // routers change, the duplicate does not: not logged again
        s = builder.publish(s, false).snapshot();
        assertEquals(1, log.lines("WARN", "is defined by").size(), log.text());

        files.drop("a.json");
        s = builder.publish(s, false).snapshot();
        assertEquals(0, s.duplicates());
        assertFalse(s.routers().get(A).ha(), "b.json now defines it");
        assertEquals(1, log.lines("INFO", "Router " + A + " is no longer defined by more than one file").size(),
                log.text());
    }

    @Test
    void badAndIncompleteFilesArePublishedSortedAndTheirChangeIsReported() throws Exception {
        files.bad("z.json", null, "z reason");
        files.bad("y.json", null, "y reason");
        Reload r = builder.publish(Snapshot.empty(dir), false);
        assertTrue(r.problemsChanged());
        assertTrue(r.anything());
        assertEquals(Set.of(), r.changedIds());
        assertEquals("[y.json, z.json]", r.snapshot().badFiles().keySet().toString());

        files.bad("y.json", null, "y reason");   // still bad for the same reason
        assertFalse(builder.publish(r.snapshot(), false).problemsChanged());
    }
}
