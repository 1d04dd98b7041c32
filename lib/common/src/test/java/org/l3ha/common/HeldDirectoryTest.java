package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedDirectoryStreamException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HeldDirectory} on real directories: one walk for many uses, a new walk (with the walk's
 * refusals) when the path leads elsewhere, and handles closed only once their last use ends.
 * Needs root (a link is handed to {@code nobody}).
 */
class HeldDirectoryTest {
    private static final byte[] WORD = "primary".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;
    /** What nobody (the neutron account) owns and writes: state_path. */
    Path shared;
    /** The held directory inside it: ha_confs_path. */
    Path held;
    UserPrincipal nobody;

    @BeforeEach
    void setUp() throws IOException {
        assertEquals("root", SafeFiles.self(), "these tests hand files to another account: run them as root");
        nobody = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        shared = Files.createDirectory(tmp.resolve("state"));
        Files.setOwner(shared, nobody);
        held = shared.resolve("ha_confs");
    }

    private static Void write(SecureDirectoryStream<Path> dir, String name) throws IOException {
        SafeFiles.write(dir, Path.of(name), WORD, SafeFiles.FILE_0644, false);
        return null;
    }

    @Test
    void manyUsesWalkOnceAndAMissingDirectoryIsCreatedWithTheModeExactly() throws IOException {
        try (HeldDirectory d = new HeldDirectory(held, SafeFiles.DIR_0755)) {
            for (int i = 0; i < 50; i++) {
                String name = "f" + i;
                d.use(dir -> write(dir, name));
            }
            assertEquals(1, d.walks(), "one walk, then one stat per use");
        }
        assertEquals(50, SafeFiles.list(held).size());
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(held)));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(held.resolve("f7"))));
    }

    @Test
    void aDirectoryReplacedByAnotherAccountsLinkIsRefusedAsTheWalkDoesAndNothingIsWrittenThrough() throws IOException {
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        try (HeldDirectory d = new HeldDirectory(held, SafeFiles.DIR_0755)) {
            d.use(dir -> write(dir, "before"));
            Files.move(held, shared.resolve("ha_confs.old"));
            Files.createSymbolicLink(held, elsewhere);
            Files.getFileAttributeView(held, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody);

            IOException e = assertThrows(IOException.class, () -> d.use(dir -> write(dir, "after")));
            assertTrue(e.getMessage().contains("is a symbolic link owned by nobody: not followed"), e.getMessage());
            // refused every time, not only once
            assertThrows(IOException.class, () -> d.use(dir -> write(dir, "after")));
        }
        assertEquals(List.of(), SafeFiles.list(elsewhere), "nothing written into the link's target");
        assertEquals(List.of("before"), SafeFiles.list(shared.resolve("ha_confs.old")),
                "nor into the held directory, which the path no longer leads to");
    }

    @Test
    void aDirectoryReplacedByRootsLinkIsWalkedAgainAndTheWritesGoWhereItLeads() throws IOException {
        Path other = Files.createDirectory(tmp.resolve("other"));
        try (HeldDirectory d = new HeldDirectory(held, SafeFiles.DIR_0755)) {
            d.use(dir -> write(dir, "before"));
            Files.move(held, shared.resolve("ha_confs.old"));
            Files.createSymbolicLink(held, other); // root's: the walk follows it, like an administrator's link
            d.use(dir -> write(dir, "after"));
            assertEquals(2, d.walks());
        }
        assertEquals(List.of("after"), SafeFiles.list(other));
        assertEquals(List.of("before"), SafeFiles.list(shared.resolve("ha_confs.old")));
    }

    @Test
    void aDirectoryRemovedAndMadeAgainGetsTheNextWrite() throws IOException {
        try (HeldDirectory d = new HeldDirectory(held, SafeFiles.DIR_0755)) {
            d.use(dir -> write(dir, "one"));
            Files.delete(held.resolve("one"));
            Files.delete(held);
            Files.createDirectory(held);
            d.use(dir -> write(dir, "two"));
            assertEquals(List.of("two"), SafeFiles.list(held));
            // and removed for good: the walk makes it again
            Files.delete(held.resolve("two"));
            Files.delete(held);
            d.use(dir -> write(dir, "three"));
            assertEquals(List.of("three"), SafeFiles.list(held));
        }
    }

    @Test
    void aUseThatFindsNothingIsTriedOnceMoreOnAFreshWalk() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        List<SecureDirectoryStream<Path>> seen = new java.util.ArrayList<>();
        try (HeldDirectory d = new HeldDirectory(held, SafeFiles.DIR_0755)) {
            String r = d.use(dir -> {
                seen.add(dir);
                if (calls.incrementAndGet() == 1) {
                    throw new NoSuchFileException("gone");
                }
                return "done";
            });
            assertEquals("done", r);
            assertEquals(2, d.walks());
            assertNotSame(seen.get(0), seen.get(1));
            assertThrows(ClosedDirectoryStreamException.class, () -> SafeFiles.attributes(seen.get(0), Path.of("any")),
                    "the handle the use failed on was closed");
            // a second failure is the caller's
            assertThrows(NoSuchFileException.class, () -> d.use(dir -> {
                throw new NoSuchFileException("still gone");
            }));
        }
    }

    @Test
    void closingWhileAUseRunsLetsItFinishThenClosesTheHandle() throws Exception {
        HeldDirectory d = new HeldDirectory(held, SafeFiles.DIR_0755);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        AtomicReference<SecureDirectoryStream<Path>> handle = new AtomicReference<>();
        CompletableFuture<Void> use = CompletableFuture.runAsync(() -> {
            try {
                d.use(dir -> {
                    handle.set(dir);
                    inside.countDown();
                    await(closed);
                    return write(dir, "written-after-close");
                });
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(inside.await(60, TimeUnit.SECONDS));
        d.close();
        closed.countDown();
        use.get(60, TimeUnit.SECONDS);
        assertEquals(List.of("written-after-close"), SafeFiles.list(held), "the running use finished on its handle");
        assertThrows(ClosedDirectoryStreamException.class, () -> SafeFiles.attributes(handle.get(), Path.of("any")), "then the handle was closed");
        assertThrows(ClosedDirectoryStreamException.class, () -> d.use(dir -> write(dir, "later")));
        d.close(); // idempotent
    }

    @Test
    void aHandleReplacedWhileAUseRunsOnItStaysOpenForThatUse() throws Exception {
        try (HeldDirectory d = new HeldDirectory(held, SafeFiles.DIR_0755)) {
            d.use(dir -> write(dir, "first"));
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch replaced = new CountDownLatch(1);
            AtomicReference<SecureDirectoryStream<Path>> old = new AtomicReference<>();
            CompletableFuture<Void> use = CompletableFuture.runAsync(() -> {
                try {
                    d.use(dir -> {
                        old.set(dir);
                        inside.countDown();
                        await(replaced);
                        return write(dir, "late");
                    });
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertTrue(inside.await(60, TimeUnit.SECONDS));
            Path moved = Files.move(held, shared.resolve("ha_confs.old"));
            Files.createDirectory(held);
            d.use(dir -> write(dir, "new"));
            assertEquals(2, d.walks());
            replaced.countDown();
            use.get(60, TimeUnit.SECONDS);
            assertEquals(List.of("new"), SafeFiles.list(held));
            assertEquals(List.of("first", "late"), SafeFiles.list(moved).stream().sorted().toList(),
                    "the use that held the old handle finished there");
            assertThrows(ClosedDirectoryStreamException.class, () -> SafeFiles.attributes(old.get(), Path.of("any")), "and then it was closed");
            assertFalse(SafeFiles.list(held).contains("late"));
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test's other thread did not get there");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
