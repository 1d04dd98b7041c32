package org.l3ha.engine.impl;

import org.l3ha.common.testing.ManualScheduler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.api.HaState.BACKUP;
import static org.l3ha.api.HaState.FAULT;
import static org.l3ha.api.HaState.PRIMARY;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;
import org.l3ha.common.testing.LogCapture;
import org.l3ha.engine.impl.Fakes.Event;

/**
 * The engine's files in a {@code state_path} that another account (nobody) owns and fills with
 * links, FIFOs and files of its own, as the security review did: root writes through no link and
 * no planted name, reads no link, and nothing is applied from a hand-over file it did not write.
 */
class PlantedFilesTest {
    static final String R1 = "11111111-1111-1111-1111-111111111111";
    static final String R2 = "22222222-2222-2222-2222-222222222222";

    @TempDir
    Path tmp;
    Attacker nobody;
    /** state_path, owned by nobody. */
    Path state;
    /** ha_confs_path inside it, owned by nobody. */
    Path confs;
    /** A root-only file holding a valid state word: it must be neither overwritten nor read. */
    Path secret;
    /** A root directory outside state_path. */
    Path elsewhere;

    final ManualScheduler clock = new ManualScheduler();
    final Fakes.Registry registry = new Fakes.Registry().with(R1, R2);
    final Fakes.Recorder reports = new Fakes.Recorder(clock::seconds, "report");
    final List<Event> applies = Collections.synchronizedList(new ArrayList<>());
    final List<DebouncingTransitionEngine> started = new ArrayList<>();

    @BeforeEach
    void plant() throws IOException {
        nobody = new Attacker(tmp);
        state = nobody.directory(tmp.resolve("state"));
        confs = nobody.directory(state.resolve("ha_confs"));
        secret = Attacker.rootOnly(tmp.resolve("secret"), "primary");
        elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
    }

    @AfterEach
    void stop() {
        started.forEach(DebouncingTransitionEngine::deactivate);
    }

    Transitions engine() {
        Transitions t = new Transitions(clock, new StateFiles(confs), 0);
        t.loadStateFiles(new StateFiles(confs));
        t.setListeners(List.of(new Transitions.Listener(new Fakes.Recorder(clock::seconds, "apply").listener(applies, null),
                "apply", 1)));
        t.setBatcher(reports);
        t.setRegistry(registry);
        clock.runReady();
        reports.events.clear();
        return t;
    }

    List<HaState> applied(String id) {
        synchronized (applies) {
            return applies.stream().filter(e -> e.routerId().equals(id)).map(Event::state).toList();
        }
    }

    static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // ------------------------------------------------------------------ state files

    @Test
    void aRouterDirectoryLinkedElsewhereGetsNothingWrittenAndTheTransitionStillHappens() throws IOException {
        Path link = nobody.link(confs.resolve(R1), elsewhere);
        Transitions t = engine();
        try (LogCapture log = new LogCapture()) {
            assertTrue(t.accept(R1, BACKUP));
            clock.runReady();
            assertEquals(List.of(), list(elsewhere), "nothing was written into the link's target");
            assertTrue(Files.isSymbolicLink(link), "the link is left as it is");
            assertEquals(1, t.counters().get("state_write_failures"), "counted");
            List<String> errors = log.lines("ERROR", R1, "cannot write state file");
            assertEquals(1, errors.size(), log.text());
            assertTrue(errors.get(0).contains("is a symbolic link owned by nobody: not followed"), errors.get(0));
        }
        assertEquals(List.of(BACKUP), applied(R1), "the listeners still run, as for any failed state-file write");
        assertEquals(List.of(BACKUP), reports.of(R1).stream().map(Event::state).toList(), "and the report still goes out");
        assertEquals(Optional.of(BACKUP), t.view().appliedState(R1));
    }

    @Test
    void aStateFileLinkedToARootFileIsNeitherReadAtStartNorWrittenThrough() throws IOException {
        Path dir = nobody.directory(confs.resolve(R1));
        Path link = nobody.link(dir.resolve("state"), secret);
        Transitions t;
        try (LogCapture log = new LogCapture()) {
            t = engine();
            List<String> warnings = log.lines("WARN", link.toString(), "is a symbolic link (owned by nobody)");
            assertEquals(1, warnings.size(), "one WARN naming the link: " + log.text());
        }
        assertEquals(Optional.empty(), t.view().appliedState(R1), "the root file's 'primary' was not read");
        assertEquals(List.of(), applied(R1), "nothing applied from it");

        assertTrue(t.accept(R1, BACKUP));
        clock.runReady();
        assertEquals("primary", Files.readString(secret), "the root file is untouched");
        assertEquals("rw-------", Attacker.mode(secret));
        assertFalse(Files.isSymbolicLink(link), "the link was replaced by l3ha's own file");
        assertEquals("backup", Files.readString(link));
        assertEquals("rw-r--r--", Attacker.mode(link), "Neutron's mode");
        assertEquals(List.of("state"), list(dir), "no temporary file left behind");
        assertEquals(0, t.counters().get("state_write_failures"));
    }

    @Test
    void aRouterDirectoryLinkIsSkippedAtStartWithOneWarning() throws IOException {
        Path real = Files.createDirectory(elsewhere.resolve("router"));
        Files.writeString(real.resolve("state"), "primary");
        Path link = nobody.link(confs.resolve(R1), real);
        Files.createDirectory(confs.resolve(R2));
        Files.writeString(confs.resolve(R2).resolve("state"), "backup");
        Transitions t;
        try (LogCapture log = new LogCapture()) {
            t = engine();
            assertEquals(1, log.lines("WARN", link.toString(), "is a symbolic link (owned by nobody), not a router"
                    + " directory").size(), log.text());
            assertEquals(1, log.lines("WARN").size(), "nothing else warned: " + log.text());
        }
        assertEquals(Optional.empty(), t.view().appliedState(R1), "skipped");
        assertEquals(Optional.of(BACKUP), t.view().appliedState(R2), "real router directories are read as before");
    }

    @Test
    void manyPlantedLinksGiveABoundedNumberOfLines() throws IOException {
        for (int i = 0; i < 200; i++) {
            nobody.link(confs.resolve(String.format("%08d-0000-0000-0000-000000000000", i)), elsewhere);
        }
        try (LogCapture log = new LogCapture()) {
            engine();
            List<String> named = log.lines("WARN", "State file skipped");
            List<String> summary = log.lines("WARN", "State files skipped: 190 more");
            assertEquals(StateFiles.SKIPPED_NAMED, named.size(), log.text());
            assertEquals(1, summary.size(), log.text());
        }
    }

    @Test
    void aFifoAsStateFileIsNotOpenedAndDoesNotBlockTheStart() throws Exception {
        Path dir = nobody.directory(confs.resolve(R1));
        Path fifo = nobody.fifo(dir.resolve("state"));
        try (LogCapture log = new LogCapture()) {
            CompletableFuture<Map<String, HaState>> read = CompletableFuture.supplyAsync(() -> new StateFiles(confs).readAll());
            assertEquals(Map.of(), read.get(60, TimeUnit.SECONDS), "did not block, read nothing");
            assertEquals(1, log.lines("WARN", fifo.toString(), "is not a regular file").size(), log.text());
        }
    }

    // ------------------------------------------------------------------ removing a router's state

    @Test
    void aRemovedRoutersStateFileTemporaryFilesAndEmptyDirectoryAreRemoved() throws IOException {
        Path dir = nobody.directory(confs.resolve(R1));
        Files.writeString(dir.resolve("state"), "primary");
        Files.writeString(dir.resolve(".state.0123456789abcdef.tmp"), "backup");
        assertTrue(new StateFiles(confs).exists(R1));
        assertEquals(StateFiles.Removal.DIRECTORY_REMOVED, new StateFiles(confs).remove(R1));
        assertFalse(Files.exists(dir, LinkOption.NOFOLLOW_LINKS));
        assertFalse(new StateFiles(confs).exists(R1));
        assertEquals(StateFiles.Removal.NOTHING, new StateFiles(confs).remove(R1), "idempotent");
    }

    @Test
    void otherFilesInARemovedRoutersDirectoryKeepItAndAreNotTouched() throws IOException {
        Path dir = nobody.directory(confs.resolve(R1));
        Files.writeString(dir.resolve("state"), "primary");
        Files.writeString(dir.resolve("keepalived.conf"), "vrrp_instance VR_1 {}");
        Files.writeString(dir.resolve(".state.not-ours.tmp"), "x");
        Files.createDirectory(dir.resolve(".state.0123456789abcdef.tmp"));
        assertEquals(StateFiles.Removal.DIRECTORY_KEPT, new StateFiles(confs).remove(R1));
        assertEquals(List.of(".state.0123456789abcdef.tmp", ".state.not-ours.tmp", "keepalived.conf"), list(dir));
    }

    @Test
    void aRemovedRoutersDirectoryThatIsALinkIsLeftAloneAndNotFollowed() throws IOException {
        Path real = Files.createDirectory(elsewhere.resolve("router"));
        Files.writeString(real.resolve("state"), "primary");
        Path link = nobody.link(confs.resolve(R1), real);
        assertFalse(new StateFiles(confs).exists(R1), "a link is no router directory");
        assertEquals(StateFiles.Removal.NOT_A_DIRECTORY, new StateFiles(confs).remove(R1));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(List.of("state"), list(real), "nothing removed through the link");
    }

    @Test
    void aStateFileLinkedToARootFileIsRemovedNotItsTarget() throws IOException {
        Path dir = nobody.directory(confs.resolve(R1));
        nobody.link(dir.resolve("state"), secret);
        assertEquals(StateFiles.Removal.DIRECTORY_REMOVED, new StateFiles(confs).remove(R1));
        assertFalse(Files.exists(dir, LinkOption.NOFOLLOW_LINKS));
        assertEquals("primary", Files.readString(secret), "the link's target is untouched");
    }

    @Test
    void aRemovalUnderAHaConfsPathLinkedByAnotherAccountRemovesNothingThereAndIsCounted() throws IOException {
        Transitions t = engine();
        assertTrue(t.accept(R1, BACKUP));
        clock.runReady();
        // nobody swaps ha_confs for a link to a root directory holding a router directory of its own
        Path rootConfs = Files.createDirectory(elsewhere.resolve("confs"));
        Files.createDirectory(rootConfs.resolve(R1));
        Files.writeString(rootConfs.resolve(R1).resolve("state"), "backup");
        Files.move(confs, tmp.resolve("moved"));
        nobody.link(confs, rootConfs);
        try (LogCapture log = new LogCapture()) {
            registry.routers.remove(R1);
            t.routersChanged(java.util.Set.of(R1));
            clock.runReady();
            assertEquals(1, log.lines("ERROR", R1, "cannot remove its state", "is a symbolic link owned by nobody").size(),
                    log.text());
            assertEquals(1, log.lines("INFO", "Router " + R1 + " removed from this agent").size(), log.text());
        }
        assertEquals(1, t.counters().get("state_remove_failures"));
        assertEquals(1, t.counters().get("routers_removed"), "the rest of the removal happened");
        assertEquals(List.of("state"), list(rootConfs.resolve(R1)), "nothing removed through the link");
    }

    // ------------------------------------------------------------------ the hand-over file

    Map<String, Object> props() {
        Map<String, Object> m = new HashMap<>();
        m.put("state_path", state.toString());
        m.put("ha_vrrp_advert_int", "0");
        return m;
    }

    DebouncingTransitionEngine start() {
        DebouncingTransitionEngine e = EngineActivation.activate(props());
        started.add(e);
        return e;
    }

    String pendingLine(String id, String word) {
        return id + " " + word + " " + System.currentTimeMillis() + "\n";
    }

    /** Starts an engine; asserts that nothing was carried over and the refusal was logged naming the file. */
    void assertRefused(Path pending, String why) {
        try (LogCapture log = new LogCapture()) {
            DebouncingTransitionEngine e = start();
            assertEquals(Optional.empty(), e.status(R1).flatMap(s -> s.pending()), "nothing taken from " + pending);
            assertEquals(Optional.empty(), e.appliedState(R1));
            List<String> errors = log.lines("ERROR", "Pending transitions not taken from " + pending, why);
            assertEquals(1, errors.size(), log.text());
            assertFalse(log.text().contains(R1 + " backup"), "the content is never echoed");
        }
    }

    @Test
    void aPendingFileLinkedToARootFileIsRefusedAndLeftInPlace() throws IOException {
        String content = pendingLine(R1, "backup");
        Path target = Attacker.rootOnly(elsewhere.resolve("pending"), content);
        Path pending = nobody.link(state.resolve(PendingFile.NAME), target);
        assertRefused(pending, "it is a symbolic link (owned by nobody)");
        assertTrue(Files.isSymbolicLink(pending), "left in place");
        assertEquals(content, Files.readString(target), "its target is untouched");
    }

    @Test
    void aPendingFileOfAnotherAccountIsRefused() throws IOException {
        Path pending = state.resolve(PendingFile.NAME);
        Files.writeString(pending, pendingLine(R1, "backup"));
        nobody.owns(pending);
        assertRefused(pending, "it belongs to nobody, not to l3ha");
    }

    @Test
    void aPendingFifoIsRefusedWithoutBlocking() throws Exception {
        Path fifo = nobody.fifo(state.resolve(PendingFile.NAME));
        CompletableFuture<Void> activation = CompletableFuture.runAsync(() -> assertRefused(fifo, "a special file"));
        activation.get(60, TimeUnit.SECONDS);
        assertTrue(Files.exists(fifo, LinkOption.NOFOLLOW_LINKS), "left in place");
    }

    @Test
    void aHardLinkedPendingFileIsRefused() throws IOException {
        Path root = Attacker.rootOnly(elsewhere.resolve("pending"), pendingLine(R1, "backup"));
        Path pending = Files.createLink(state.resolve(PendingFile.NAME), root);
        assertRefused(pending, "it has 2 hard links");
    }

    @Test
    void badLinesAreCountedAndNamedByNumberNeverEchoed() throws IOException {
        Path pending = state.resolve(PendingFile.NAME);
        Files.writeString(pending, "password=hunter2\n" + R1 + " backup 1700000000000\n\u001b[2J" + R2 + " primary 1\n"
                + R2 + " unknown 1\n" + R2 + " primary -5\n" + R2.toUpperCase() + " fault 12\n");
        try (LogCapture log = new LogCapture()) {
            List<Transitions.Pending> p = PendingFile.read(pending);
            assertEquals(List.of(new Transitions.Pending(R1, BACKUP, 1_700_000_000_000L),
                    new Transitions.Pending(R2, HaState.FAULT, 12)), p);
            List<String> warned = log.lines("WARN", pending.toString(), "4 bad line(s) skipped (line 1, 3, 4, 5)");
            assertEquals(1, warned.size(), log.text());
            assertFalse(log.text().contains("hunter2"), log.text());
            assertFalse(log.text().contains("\u001b"), "no control character reaches the log");
        }
        assertFalse(Files.exists(pending), "consumed");
    }

    @Test
    void theHandOverIsWrittenOverAPlantedLinkNotThroughIt() throws IOException {
        Path pending = nobody.link(state.resolve(PendingFile.NAME), secret);
        DebouncingTransitionEngine first = EngineActivation.activate(Map.of("state_path", state.toString(), "ha_vrrp_advert_int", "30"));
        first.bindRegistry(registry);
        first.accept(R1, PRIMARY);
        first.deactivate();
        assertEquals("primary", Files.readString(secret), "the root file is untouched");
        assertFalse(Files.isSymbolicLink(pending));
        assertEquals("rw-------", Attacker.mode(pending));
        assertTrue(Files.readString(pending).startsWith(R1 + " primary "), Files.readString(pending));

        DebouncingTransitionEngine second = start();
        assertEquals(Optional.of(PRIMARY), second.status(R1).flatMap(s -> s.pending()), "carried over");
        assertFalse(Files.exists(pending, LinkOption.NOFOLLOW_LINKS), "consumed");

        // nothing pending: a planted link is removed, never followed
        nobody.link(pending, secret);
        second.bindRegistry(registry);
        second.bindBatcher(new DebouncingTransitionEngineTest.LastReports());
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> second.appliedState(R1).equals(Optional.of(PRIMARY)));
        second.deactivate();
        assertFalse(Files.exists(pending, LinkOption.NOFOLLOW_LINKS), "the link was removed");
        assertEquals("primary", Files.readString(secret));
    }

    // ------------------------------------------------------------------ state files through the held ha_confs_path

    /**
     * {@link StateFiles#write} through the held {@code ha_confs_path}: every write after the first
     * reuses the handle, and what the walk of the whole path refused it still refuses.
     */
    @Nested
    class HeldHaConfsPath {
        StateFiles files;

        @BeforeEach
        void open() {
            files = new StateFiles(confs);
        }

        @AfterEach
        void close() {
            files.close();
        }

        static String router(int i) {
            return String.format(Locale.ROOT, "%08x-1111-1111-1111-111111111111", i);
        }

        @Test
        void writesCreateTheRouterDirectoryWithNeutronsModesAndLeaveNothingElse() throws IOException {
            files.write(R1, PRIMARY);
            files.write(R1, BACKUP);
            files.write(R1.toUpperCase(Locale.ROOT), FAULT);
            Path dir = confs.resolve(R1);
            assertEquals("fault", Files.readString(dir.resolve("state")));
            assertEquals("rw-r--r--", Attacker.mode(dir.resolve("state")));
            assertEquals("rwxr-xr-x", Attacker.mode(dir));
            assertEquals(List.of("state"), list(dir), "no temporary file left behind");
        }

        @Test
        void haConfsPathReplacedByAnotherAccountsLinkIsRefusedLikeTheWalkAndNothingIsWrittenThroughIt() throws IOException {
            files.write(R1, PRIMARY); // the handle is held from here
            Path old = Files.move(confs, state.resolve("ha_confs.old"));
            nobody.link(confs, elsewhere);

            IOException e = assertThrows(IOException.class, () -> files.write(R1, BACKUP));
            assertTrue(e.getMessage().contains("is a symbolic link owned by nobody: not followed"), e.getMessage());
            assertEquals(List.of(), list(elsewhere), "nothing written where the link leads");
            assertEquals("primary", Files.readString(old.resolve(R1).resolve("state")),
                    "nor in the held directory the path no longer leads to");
        }

        @Test
        void haConfsPathReplacedByRootsLinkIsAcceptedAsTheWalkDoesAndWrittenWhereItLeads() throws IOException {
            files.write(R1, PRIMARY);
            Path old = Files.move(confs, state.resolve("ha_confs.old"));
            Path moved = Files.createDirectory(tmp.resolve("moved"));
            Files.createSymbolicLink(confs, moved); // an administrator's link: the walk follows it

            files.write(R1, BACKUP);
            assertEquals("backup", Files.readString(moved.resolve(R1).resolve("state")));
            assertEquals("primary", Files.readString(old.resolve(R1).resolve("state")));
        }

        @Test
        void haConfsPathRemovedAndMadeAgainGetsTheNextWrite() throws IOException {
            files.write(R1, PRIMARY);
            Files.delete(confs.resolve(R1).resolve("state"));
            Files.delete(confs.resolve(R1));
            Files.delete(confs);
            nobody.directory(confs); // made again by the neutron account

            files.write(R1, BACKUP);
            assertEquals("backup", Files.readString(confs.resolve(R1).resolve("state")));
            assertEquals(List.of(R1), list(confs));
        }

        @Test
        void aRouterDirectoryLinkOfAnotherAccountIsRefusedNotFollowedEvenWithTheHandleHeld() throws IOException {
            files.write(router(2), PRIMARY);
            Path link = nobody.link(confs.resolve(R1), elsewhere);

            IOException e = assertThrows(IOException.class, () -> files.write(R1, BACKUP));
            assertTrue(e.getMessage().contains("is a symbolic link owned by nobody: not followed"), e.getMessage());
            assertEquals(List.of(), list(elsewhere));
            assertTrue(Files.isSymbolicLink(link), "left as it is");
        }

        @Test
        void aRouterDirectoryThatIsAFifoIsRefusedWithoutBlocking() throws Exception {
            files.write(router(2), PRIMARY);
            nobody.fifo(confs.resolve(R1));
            CompletableFuture<Throwable> write = CompletableFuture.supplyAsync(() -> {
                try {
                    files.write(R1, BACKUP);
                    return null;
                } catch (IOException ex) {
                    return ex;
                }
            });
            assertTrue(write.get(60, TimeUnit.SECONDS) instanceof IOException, "refused, not opened");
        }

        @Test
        void aStateFileLinkIsReplacedNeverWrittenThrough() throws IOException {
            files.write(router(2), PRIMARY);
            Path dir = nobody.directory(confs.resolve(R1));
            Path link = nobody.link(dir.resolve("state"), secret);

            files.write(R1, BACKUP);
            assertEquals("primary", Files.readString(secret), "the link's target is untouched");
            assertEquals("rw-------", Attacker.mode(secret));
            assertFalse(Files.isSymbolicLink(link));
            assertEquals("backup", Files.readString(link));
            assertEquals("rw-r--r--", Attacker.mode(link));
            assertEquals(List.of("state"), list(dir));
        }

        @Test
        void aRouterDirectoryOfAnotherAccountThatExistsIsWrittenIn() throws IOException {
            Path dir = nobody.directory(confs.resolve(R1));
            files.write(R1, PRIMARY);
            assertEquals("primary", Files.readString(dir.resolve("state")));
            assertEquals("rw-r--r--", Attacker.mode(dir.resolve("state")));
            assertEquals("nobody", Files.getOwner(dir).getName(), "an existing directory is written in, not taken over");
        }

        @Test
        void concurrentWritesToManyRoutersEachEndWithTheirLastWord() throws Exception {
            int threads = 8;
            int routersPerThread = 40;
            HaState[] words = {PRIMARY, BACKUP, FAULT, PRIMARY, BACKUP};
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int first = t * routersPerThread;
                    done.add(pool.submit(() -> {
                        start.await();
                        // each router by one thread (the engine serialises a router's work); all threads on one handle
                        for (HaState w : words) {
                            for (int r = first; r < first + routersPerThread; r++) {
                                files.write(router(r), w);
                            }
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get(5, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(threads * routersPerThread, list(confs).size());
            for (int r = 0; r < threads * routersPerThread; r++) {
                Path dir = confs.resolve(router(r));
                assertEquals("backup", Files.readString(dir.resolve("state")), router(r));
                assertEquals(List.of("state"), list(dir), router(r));
            }
        }

        @Test
        void closingWhileWritesRunLosesNoneOfThem() throws Exception {
            int threads = 4;
            int perThread = 30;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                // half the threads pause halfway, the other half keep writing through the close
                CountDownLatch halfway = new CountDownLatch(threads / 2);
                CountDownLatch closed = new CountDownLatch(1);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int first = t * perThread;
                    boolean pauses = t % 2 == 0;
                    done.add(pool.submit(() -> {
                        for (int r = first; r < first + perThread; r++) {
                            files.write(router(r), PRIMARY);
                            if (pauses && r == first + perThread / 2) {
                                halfway.countDown();
                                // the rest after the close, on a path walked each time
                                assertTrue(closed.await(60, TimeUnit.SECONDS));
                            }
                        }
                        for (int r = first; r < first + perThread; r++) {
                            files.write(router(r), BACKUP);
                        }
                        return null;
                    }));
                }
                // writes are running, or about to, on the held handle when it is closed
                assertTrue(halfway.await(60, TimeUnit.SECONDS));
                files.close();
                closed.countDown();
                for (Future<?> f : done) {
                    f.get(5, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            for (int r = 0; r < threads * perThread; r++) {
                assertEquals("backup", Files.readString(confs.resolve(router(r)).resolve("state")), router(r));
            }
        }
    }
}
