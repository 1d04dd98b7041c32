package org.l3ha.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.api.HaState.BACKUP;
import static org.l3ha.api.HaState.FAULT;
import static org.l3ha.api.HaState.PRIMARY;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HaState;

/**
 * {@link StateFiles#write} through the held {@code ha_confs_path} on real files, in a
 * {@code state_path} nobody owns: every write after the first reuses the handle, and what the
 * walk of the whole path refused it still refuses.
 */
class StateFilesTest {
    static final String R1 = "11111111-1111-1111-1111-111111111111";

    @TempDir
    Path tmp;
    Attacker nobody;
    Path state;
    Path confs;
    Path secret;
    Path elsewhere;
    StateFiles files;

    @BeforeEach
    void plant() throws IOException {
        nobody = new Attacker(tmp);
        state = nobody.directory(tmp.resolve("state"));
        confs = state.resolve("ha_confs");
        secret = Attacker.rootOnly(tmp.resolve("secret"), "primary");
        elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        files = new StateFiles(confs);
    }

    @AfterEach
    void close() {
        files.close();
    }

    static String router(int i) {
        return String.format(Locale.ROOT, "%08x-1111-1111-1111-111111111111", i);
    }

    static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesCreateTheDirectoriesWithNeutronsModesAndLeaveNothingElse() throws IOException {
        files.write(R1, PRIMARY);
        files.write(R1, BACKUP);
        files.write(R1.toUpperCase(Locale.ROOT), FAULT);
        Path dir = confs.resolve(R1);
        assertEquals("fault", Files.readString(dir.resolve("state")));
        assertEquals("rw-r--r--", Attacker.mode(dir.resolve("state")));
        assertEquals("rwxr-xr-x", Attacker.mode(dir));
        assertEquals("rwxr-xr-x", Attacker.mode(confs));
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
        nobody.directory(confs); // made again, by the neutron account this time

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
        Path dir = nobody.directory(Files.createDirectory(confs).resolve(R1));
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
