package org.l3ha.registry.file.impl;

import org.l3ha.common.testing.LogCapture;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.Router;
import org.l3ha.api.RouterRegistryListener;
import org.l3ha.common.ConfigException;

class FileRouterRegistryTest {
    private static final Logger LOG = LoggerFactory.getLogger(FileRouterRegistryTest.class);

    /** Short poll and settle times; the safety-net rescan is left at 60 s unless a test shortens it. */
    static final Timing FAST = new Timing(Duration.ofMillis(100), Duration.ofSeconds(60), Duration.ofMillis(50),
            Duration.ofSeconds(5));
    static final Duration DEADLINE = Duration.ofSeconds(15);

    static final String A = id(0xa);
    static final String B = id(0xb);
    static final String C = id(0xc);
    static final String D = id(0xd);
    static final String E = id(0xe);

    @TempDir
    Path tmp;
    Path dir;
    LogCapture log;
    final Recorder listener = new Recorder();
    final List<FileRouterRegistry> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createDirectory(tmp.resolve("routers"));
        log = new LogCapture();
    }

    @AfterEach
    void tearDown() {
        try {
            started.forEach(FileRouterRegistry::deactivate);
        } finally {
            log.close();
        }
        assertEquals(0, watcherThreads(), "no " + DirectoryWatcher.THREAD_NAME + " thread left");
    }

    /* ---------------------------------------------------------------- loading */

    @Test
    void loadsTheSampleDocumentAndIgnoresOtherNames() throws Exception {
        Files.write(dir.resolve("sample-router.json"), sample());
        Files.writeString(dir.resolve("notes.txt"), doc(A, true));
        Files.writeString(dir.resolve(".hidden.json"), doc(A, true));
        Files.writeString(dir.resolve("r.json.tmp"), doc(A, true));
        Files.writeString(dir.resolve("r.json~"), doc(A, true));
        Files.writeString(dir.resolve("r.JSON"), doc(A, true));
        Path sub = Files.createDirectory(dir.resolve("subdir.json"));
        Files.writeString(sub.resolve("inner.json"), doc(B, true));

        FileRouterRegistry r = start(dir);

        assertEquals(1, r.all().size());
        Router router = r.find("7F3C1E2A-5B4D-4C6E-8F90-1A2B3C4D5E6F").orElseThrow();
        assertEquals("7f3c1e2a-5b4d-4c6e-8f90-1a2b3c4d5e6f", router.id());
        assertTrue(router.ha());
        assertEquals(2, router.interfaces().size());
        assertTrue(r.find(A).isEmpty());
        assertTrue(r.find(B).isEmpty());
        assertTrue(r.find("not-a-uuid").isEmpty());
        assertTrue(r.find(null).isEmpty());
        assertEquals(Map.of(), r.badFiles());
        assertEquals(1L, r.counters().get("routers"));
        assertEquals(0L, r.counters().get("bad_files"));
        assertTrue(log.has("INFO", "File router registry active", dir.toString(), "1 routers loaded", "0 bad files"));
    }

    @Test
    void badFilesAreSkippedWithTheirNameAndReasonLogged() throws Exception {
        Files.writeString(dir.resolve("good.json"), doc(A, true));
        Files.writeString(dir.resolve("garbage.json"), "{\"id\": \"" + B + "\", ");
        Files.writeString(dir.resolve("no-id.json"), "{\"name\": \"router1\", \"ha\": true}");
        Files.writeString(dir.resolve("bad-id.json"), "{\"id\": \"router-1\"}");
        Files.writeString(dir.resolve("ha-yes.json"), "{\"id\": \"" + C + "\", \"ha\": \"yes\"}");
        Files.writeString(dir.resolve("interfaces-object.json"), "{\"id\": \"" + D + "\", \"_interfaces\": {}}");

        FileRouterRegistry r = start(dir);

        assertEquals(Set.of(A), ids(r));
        assertEquals(Set.of("garbage.json", "no-id.json", "bad-id.json", "ha-yes.json", "interfaces-object.json"),
                r.badFiles().keySet());
        assertEquals(5L, r.counters().get("bad_files"));
        assertTrue(log.has("WARN", "garbage.json", "not JSON", "skipped"), "garbage.json logged");
        assertTrue(log.has("WARN", "no-id.json", "id: missing"), "no-id.json logged");
        assertTrue(log.has("WARN", "bad-id.json", "id: not a UUID"), "bad-id.json logged");
        assertTrue(log.has("WARN", "ha-yes.json", "ha: expected true or false, got a string"));
        // the field is named, its value is not echoed (a document's content never reaches the log)
        assertFalse(log.text().contains("router-1"), () -> "value of bad-id.json's id echoed:\n" + log.text());
        assertFalse(log.text().contains("\"yes\""), () -> "value of ha-yes.json's ha echoed:\n" + log.text());
        assertTrue(log.has("WARN", "interfaces-object.json", "_interfaces: expected an array, got an object"));
        assertTrue(log.has("INFO", "1 routers loaded", "5 bad files"));
    }

    @Test
    void lastGoodVersionStaysWhileTheFileIsBadAndIsReplacedWhenFixed() throws Exception {
        writeAtomically(dir.resolve("r.json"), doc(A, true));
        FileRouterRegistry r = start(dir);
        assertTrue(r.find(A).orElseThrow().ha());

        writeAtomically(dir.resolve("r.json"), "{\"id\": \"" + A + "\", \"ha\": \"yes\"}");
        await().atMost(DEADLINE).until(() -> r.badFiles().containsKey("r.json"));
        assertTrue(r.find(A).orElseThrow().ha(), "last good version still in effect");
        assertTrue(log.has("WARN", "r.json", "ha: expected true or false", "keeping its last good version", A));
        // a later change is reported alone: the bad version told nobody about A
        writeAtomically(dir.resolve("other.json"), doc(B, true));
        awaitTold(Set.of(B));

        writeAtomically(dir.resolve("r.json"), doc(A, false));
        await().atMost(DEADLINE).until(() -> listener.union().equals(Set.of(A)));
        assertFalse(r.find(A).orElseThrow().ha(), "fixed version replaces the last good one");
        assertEquals(Map.of(), r.badFiles());
        assertTrue(log.has("INFO", "r.json", "good again"));
    }

    @Test
    void createModifyRenameAndDeleteAreFollowed() throws Exception {
        FileRouterRegistry r = start(dir);
        Collection<Router> before = r.all();
        assertEquals(0, before.size());

        // create (atomically, as an operator's tooling would)
        writeAtomically(dir.resolve("a.json"), doc(A, true));
        awaitTold(Set.of(A));
        assertTrue(r.find(A).orElseThrow().ha());
        assertEquals(0, before.size(), "an earlier snapshot does not change");

        // modify in place
        Files.writeString(dir.resolve("a.json"), doc(A, false));
        awaitTold(Set.of(A));
        assertFalse(r.find(A).orElseThrow().ha());

        // rename into place from a temp name in the same directory
        Path temp = dir.resolve("b.json.partial");
        Files.writeString(temp, doc(B, true));
        Files.move(temp, dir.resolve("b.json"), ATOMIC_MOVE);
        awaitTold(Set.of(B));
        assertTrue(r.find(B).isPresent());

        // a file now holding another router: the old one goes, the new one comes
        writeAtomically(dir.resolve("a.json"), doc(C, true));
        awaitTold(Set.of(A, C));
        assertTrue(r.find(A).isEmpty());
        assertTrue(r.find(C).isPresent());

        // delete
        Files.delete(dir.resolve("b.json"));
        awaitTold(Set.of(B));
        assertTrue(r.find(B).isEmpty());
        assertEquals(Set.of(C), ids(r));

        // rewritten with the same content: parsed again, nobody told about C
        long parsed = r.counters().get("files_parsed");
        writeAtomically(dir.resolve("a.json"), doc(C, true));
        await().atMost(DEADLINE).until(() -> r.counters().get("files_parsed") > parsed);
        writeAtomically(dir.resolve("d.json"), doc(D, true));
        awaitTold(Set.of(D));
    }

    @Test
    void duplicateIdsFirstFileNameWins() throws Exception {
        Files.writeString(dir.resolve("b.json"), doc(A, false));
        Files.writeString(dir.resolve("a.json"), doc(A, true));
        FileRouterRegistry r = start(dir);

        assertEquals(1, r.all().size());
        assertTrue(r.find(A).orElseThrow().ha(), "a.json wins");
        assertEquals(1L, r.counters().get("duplicate_ids"));
        assertTrue(log.has("WARN", A, "a.json, b.json", "using a.json"));

        Files.delete(dir.resolve("a.json"));
        awaitTold(Set.of(A));
        assertFalse(r.find(A).orElseThrow().ha(), "b.json now");
        assertEquals(0L, r.counters().get("duplicate_ids"));
        assertTrue(log.has("INFO", A, "no longer defined by more than one file"));

        writeAtomically(dir.resolve("0.json"), doc(A, true));
        awaitTold(Set.of(A));
        assertTrue(r.find(A).orElseThrow().ha(), "0.json sorts first");
        assertTrue(log.has("WARN", A, "0.json, b.json", "using 0.json"));
    }

    @Test
    void listenerFailureIsLoggedAndOthersAreStillTold() throws Exception {
        FileRouterRegistry r = new FileRouterRegistry(props(dir), FAST);
        started.add(r);
        r.addListener(ids -> {
            throw new IllegalStateException("boom");
        });
        r.addListener(listener);

        writeAtomically(dir.resolve("a.json"), doc(A, true));
        awaitTold(Set.of(A));
        assertTrue(log.has("WARN", "listener", "failed"));
        assertTrue(log.has("IllegalStateException: boom"));

        r.removeListener(listener);
        writeAtomically(dir.resolve("b.json"), doc(B, true));
        await().atMost(DEADLINE).until(() -> r.find(B).isPresent());
        assertEquals(List.of(), listener.calls(), "an unbound listener is not told");
    }

    /* ---------------------------------------------------------------- the directory */

    @Test
    void missingDirectoryIsWaitedForThenLoadedAndWatched() throws Exception {
        Path later = tmp.resolve("later");
        FileRouterRegistry r = start(later);
        assertEquals(0, r.all().size());
        assertTrue(log.has("WARN", later.toString(), "does not exist"));

        // prepared elsewhere and renamed into place, with one file, then one more file
        Path staging = Files.createDirectory(tmp.resolve("staging"));
        Files.writeString(staging.resolve("a.json"), doc(A, true));
        Files.move(staging, later, ATOMIC_MOVE);
        awaitTold(Set.of(A));
        assertTrue(log.has("INFO", later.toString(), "appeared"));
        writeAtomically(later.resolve("b.json"), doc(B, true));
        awaitTold(Set.of(B));
        assertEquals(Set.of(A, B), ids(r));
        assertEquals(1, log.lines("WARN", later.toString(), "does not exist").size(), "warned once");
    }

    @Test
    void deletedAndRecreatedDirectoryIsFollowed() throws Exception {
        writeAtomically(dir.resolve("a.json"), doc(A, true));
        FileRouterRegistry r = start(dir);
        assertEquals(Set.of(A), ids(r));

        deleteTree(dir);
        awaitTold(Set.of(A));
        assertEquals(0, r.all().size());
        await().atMost(DEADLINE).until(() -> log.has("WARN", dir.toString(), "does not exist"));

        Files.createDirectory(dir);
        writeAtomically(dir.resolve("b.json"), doc(B, true));
        awaitTold(Set.of(B));
        assertEquals(Set.of(B), ids(r));
        assertTrue(log.has("INFO", dir.toString(), "appeared"));

        writeAtomically(dir.resolve("c.json"), doc(C, true));
        awaitTold(Set.of(C));
        assertEquals(Set.of(B, C), ids(r));
    }

    @Test
    void directoryReplacedByRenameIsFollowed() throws Exception {
        writeAtomically(dir.resolve("a.json"), doc(A, true));
        FileRouterRegistry r = start(dir);

        Path next = Files.createDirectory(tmp.resolve("routers.next"));
        Files.writeString(next.resolve("c.json"), doc(C, true));
        Path old = tmp.resolve("routers.old");
        Files.move(dir, old, ATOMIC_MOVE);
        Files.move(next, dir, ATOMIC_MOVE);
        awaitTold(Set.of(A, C));
        assertEquals(Set.of(C), ids(r));

        // the old directory is no longer followed; the new one is
        writeAtomically(old.resolve("d.json"), doc(D, true));
        writeAtomically(dir.resolve("e.json"), doc(E, true));
        awaitTold(Set.of(E));
        assertEquals(Set.of(C, E), ids(r));
    }

    @Test
    void eventOverflowTriggersAFullRescan() throws Exception {
        FileRouterRegistry r = start(dir);
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        r.addListener(ids -> {
            // holds the watcher thread (test only: real listeners must not block)
            if (inListener.getCount() > 0) {
                inListener.countDown();
                try {
                    release.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        writeAtomically(dir.resolve("first.json"), doc(A, true));
        assertTrue(inListener.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
        long rescans = r.counters().get("rescans");

        // far more events than a watch key holds (the JDK keeps 512, then signals OVERFLOW)
        Set<String> expected = new HashSet<>(Set.of(A));
        for (int i = 0; i < 1000; i++) {
            String id = id(0x20000 + i);
            expected.add(id);
            Files.writeString(dir.resolve(id + ".json"), doc(id, false));
        }
        release.countDown();

        await().atMost(DEADLINE).until(() -> r.all().size() == 1001);
        assertEquals(expected, ids(r));
        assertTrue(r.counters().get("rescans") > rescans, "a full rescan ran");
        assertTrue(log.has("INFO", "event overflow", "rescanning"));
        await().atMost(DEADLINE).until(() -> listener.union().containsAll(expected));
    }

    @Test
    void periodicRescanParsesOnlyChangedFiles() throws Exception {
        for (String id : List.of(A, B, C)) {
            Files.writeString(dir.resolve(id + ".json"), doc(id, true));
        }
        Timing rescanOften = new Timing(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(50),
                Duration.ofSeconds(5));
        FileRouterRegistry r = new FileRouterRegistry(props(dir), rescanOften);
        started.add(r);
        long rescans = r.counters().get("rescans");
        assertEquals(3L, r.counters().get("files_parsed"));

        await().atMost(DEADLINE).until(() -> r.counters().get("rescans") >= rescans + 3);
        assertEquals(3L, r.counters().get("files_parsed"), "unchanged files are not parsed again");
        assertEquals(3, r.all().size());
    }

    /* ---------------------------------------------------------------- configuration */

    @Test
    void defaultRoutersDirIsUnderStatePath() throws Exception {
        Files.writeString(dir.resolve("a.json"), doc(A, true));
        FileRouterRegistry r = new FileRouterRegistry(Map.of("state_path", tmp.toString()), FAST);
        started.add(r);
        assertEquals(dir, r.routersDirectory());
        assertEquals(Set.of(A), ids(r));

        FileRouterRegistry s = new FileRouterRegistry(
                Map.of("state_path", tmp.toString(), "routers_dir", "$state_path/elsewhere"), FAST);
        started.add(s);
        assertEquals(tmp.resolve("elsewhere"), s.routersDirectory());
    }

    @Test
    void modifiedRoutersDirSwitchesDirectory() throws Exception {
        Path other = Files.createDirectory(tmp.resolve("other"));
        Files.writeString(dir.resolve("a.json"), doc(A, true));
        Files.writeString(dir.resolve("b.json"), doc(B, true));
        Files.writeString(other.resolve("b.json"), doc(B, true));   // same router, same content
        Files.writeString(other.resolve("c.json"), doc(C, true));
        FileRouterRegistry r = start(dir);
        assertEquals(Set.of(A, B), ids(r));

        r.modified(props(other));
        assertEquals(Set.of(A, C), listener.union(), "told about every id that appeared or disappeared, at once");
        assertEquals(Set.of(B, C), ids(r));
        assertEquals(other, r.routersDirectory());
        assertEquals(1, watcherThreads(), "the old watcher is gone");
        assertTrue(log.has("INFO", "routers_dir changed from " + dir + " to " + other));

        listener.clear();
        writeAtomically(dir.resolve("d.json"), doc(D, true));
        writeAtomically(other.resolve("e.json"), doc(E, true));
        awaitTold(Set.of(E));
        assertEquals(Set.of(B, C, E), ids(r), "the old directory is not followed");

        // same directory again: nothing happens
        listener.clear();
        r.modified(props(other));
        assertEquals(List.of(), listener.calls());
        assertEquals(1, watcherThreads());
    }

    @Test
    void invalidModifiedConfigurationIsRejectedAndTheLastGoodKept() throws Exception {
        Files.writeString(dir.resolve("a.json"), doc(A, true));
        FileRouterRegistry r = start(dir);

        r.modified(Map.of("state_path", tmp.toString(), "routers_dir", "relative/routers"));
        assertTrue(log.has("ERROR", "routers_dir='relative/routers' must be an absolute path",
                "keeping routers_dir " + dir));
        r.modified(Map.of("state_path", tmp.toString(), "routers_dir", dir.toString(), "ha_vrrp_advert_int", "often"));
        assertTrue(log.has("ERROR", "ha_vrrp_advert_int='often' not an integer"));

        assertEquals(dir, r.routersDirectory());
        assertEquals(Set.of(A), ids(r));
        writeAtomically(dir.resolve("b.json"), doc(B, true));
        awaitTold(Set.of(B));
    }

    @Test
    void invalidConfigurationAtActivationFailsWithKeyAndValue() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new FileRouterRegistry(Map.of("state_path", "var/lib/neutron"), FAST));
        assertTrue(e.getMessage().contains("state_path='var/lib/neutron' must be an absolute path"), e.getMessage());
        assertTrue(log.has("ERROR", "state_path='var/lib/neutron'"));
    }

    /* ---------------------------------------------------------------- scale and lifecycle */

    @Test
    void loadsTwoThousandDocuments() throws Exception {
        String sample = new String(sample(), StandardCharsets.UTF_8);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            String id = id(0x10000 + i);
            ids.add(id);
            Files.writeString(dir.resolve(id + ".json"), sample.replace("7f3c1e2a-5b4d-4c6e-8f90-1a2b3c4d5e6f", id));
        }
        long t0 = System.nanoTime();
        FileRouterRegistry r = start(dir);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("Activation loaded {} router documents in {} ms", r.all().size(), ms);

        assertEquals(2000, r.all().size());
        assertEquals(2000L, r.counters().get("routers"));
        assertEquals(2000L, r.counters().get("files_parsed"));
        assertEquals(new HashSet<>(ids), ids(r));
        assertEquals(2, r.find(ids.get(1234)).orElseThrow().interfaces().size());
    }

    @Test
    void deactivateStopsTheWatcherAndIsIdempotent() throws Exception {
        FileRouterRegistry watching = new FileRouterRegistry(props(dir), FAST);
        FileRouterRegistry waiting = new FileRouterRegistry(props(tmp.resolve("missing")), FAST);
        assertEquals(2, watcherThreads());

        watching.deactivate();
        waiting.deactivate();
        assertEquals(0, watcherThreads());
        watching.deactivate();
        waiting.deactivate();
        assertEquals(0, watcherThreads());
        assertEquals(2, log.lines("INFO", "File router registry stopped").size());
    }

    /* ---------------------------------------------------------------- helpers */

    private FileRouterRegistry start(Path routersDir) {
        FileRouterRegistry r = new FileRouterRegistry(props(routersDir), FAST);
        started.add(r);
        r.addListener(listener);
        return r;
    }

    private Map<String, Object> props(Path routersDir) {
        Map<String, Object> p = new HashMap<>();
        p.put("state_path", tmp.toString());
        p.put("routers_dir", routersDir.toString());
        p.put("component.name", FileRouterRegistry.PID);   // DS adds properties of its own: ignored
        return p;
    }

    private void awaitTold(Set<String> expected) {
        await().atMost(DEADLINE).until(() -> listener.union().containsAll(expected));
        assertEquals(expected, listener.union(), "listener told exactly these ids");
        listener.clear();
    }

    static String id(int n) {
        return String.format("%08x-0000-4000-8000-%012x", n, n);
    }

    static String doc(String id, boolean ha) {
        return "{\"id\": \"" + id + "\", \"ha\": " + ha + ", \"distributed\": false}";
    }

    static byte[] sample() throws IOException {
        try (InputStream in = FileRouterRegistryTest.class.getResourceAsStream("/sample-router.json")) {
            return in.readAllBytes();
        }
    }

    static Set<String> ids(FileRouterRegistry r) {
        Set<String> ids = new HashSet<>();
        r.all().forEach(router -> ids.add(router.id()));
        return ids;
    }

    /** Writes a hidden temp file and renames it over the target. */
    static void writeAtomically(Path file, String content) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(temp, content);
        Files.move(temp, file, ATOMIC_MOVE, REPLACE_EXISTING);
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static long watcherThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals(DirectoryWatcher.THREAD_NAME))
                .count();
    }

    /** Records what the registry tells its listeners. */
    static final class Recorder implements RouterRegistryListener {
        private final Queue<Set<String>> calls = new ConcurrentLinkedQueue<>();

        @Override
        public void routersChanged(Set<String> routerIds) {
            calls.add(Set.copyOf(routerIds));
        }

        List<Set<String>> calls() {
            return List.copyOf(calls);
        }

        Set<String> union() {
            Set<String> all = new HashSet<>();
            calls.forEach(all::addAll);
            return all;
        }

        void clear() {
            calls.clear();
        }
    }
}
