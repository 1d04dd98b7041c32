package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an account that can write a directory l3ha uses can plant there, against what
 * {@link SafeFiles} (and {@link HeldDirectory}) does about it. Needs root (links and files are handed to {@code nobody}).
 */
class SafeFilesTest {

    @TempDir
    Path tmp;
    /** A directory "the neutron account" (here nobody) owns and writes. */
    Path shared;
    /** A root-only file an attacker would like root to overwrite or read. */
    Path secret;
    UserPrincipal nobody;

    @BeforeEach
    void setUp() throws IOException {
        assertEquals("root", SafeFiles.self(), "these tests hand files to another account: run them as root");
        UserPrincipalLookupService users = tmp.getFileSystem().getUserPrincipalLookupService();
        nobody = users.lookupPrincipalByName("nobody");
        shared = Files.createDirectory(tmp.resolve("state"));
        Files.setOwner(shared, nobody);
        secret = tmp.resolve("secret");
        Files.writeString(secret, "root-only password");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    }

    /** Plants a symbolic link owned by nobody, as nobody would. */
    private Path plantLink(Path link, Path target) throws IOException {
        Files.createSymbolicLink(link, target);
        Files.getFileAttributeView(link, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody);
        return link;
    }

    @Test
    void readsAndWritesPlainFiles() throws IOException {
        Path f = shared.resolve("state-file");
        SafeFiles.write(f, "primary".getBytes(StandardCharsets.US_ASCII), SafeFiles.FILE_0644, false);
        assertEquals("primary", Files.readString(f));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertArrayEquals("primary".getBytes(StandardCharsets.US_ASCII), SafeFiles.read(f, 100));
        SafeFiles.write(f, "backup".getBytes(StandardCharsets.US_ASCII), SafeFiles.FILE_0444, true);
        assertEquals("backup", Files.readString(f));
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(List.of("state-file"), SafeFiles.list(shared), "no temporary file is left behind");
        assertTrue(SafeFiles.readIfExists(shared.resolve("none"), 10).isEmpty());
        assertThrows(NoSuchFileException.class, () -> SafeFiles.read(shared.resolve("none"), 10));
    }

    @Test
    void aLinkPlantedWhereAFileIsWrittenIsReplacedNotWrittenThrough() throws IOException {
        Path f = plantLink(shared.resolve("state"), secret);
        SafeFiles.write(f, "primary".getBytes(StandardCharsets.US_ASCII), SafeFiles.FILE_0644, false);
        assertEquals("root-only password", Files.readString(secret), "the link's target is untouched");
        assertFalse(Files.isSymbolicLink(f));
        assertEquals("primary", Files.readString(f));
    }

    @Test
    void aLinkIsNeitherReadNorAppendedTo() throws IOException {
        Path f = plantLink(shared.resolve("ha-states.jsonl"), secret);
        IOException read = assertThrows(IOException.class, () -> SafeFiles.read(f, 1000));
        assertTrue(read.getMessage().contains("not a regular file (a symbolic link)"), read.getMessage());
        assertFalse(read.getMessage().contains("password"), "the message never shows the content");
        IOException append = assertThrows(IOException.class,
                () -> SafeFiles.append(f, "x\n".getBytes(StandardCharsets.US_ASCII), SafeFiles.FILE_0644, true));
        assertTrue(append.getMessage().contains("not appended to"), append.getMessage());
        assertEquals("root-only password", Files.readString(secret));
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Path fifo = shared.resolve("pending");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo");
        CompletableFuture<String> outcome = CompletableFuture.supplyAsync(() -> {
            try {
                SafeFiles.read(fifo, 100);
                return "read";
            } catch (IOException e) {
                try {
                    SafeFiles.append(fifo, new byte[] {'x'}, SafeFiles.FILE_0644, false);
                    return "appended";
                } catch (IOException e2) {
                    return e.getMessage() + " / " + e2.getMessage();
                }
            }
        });
        String message = outcome.get(60, TimeUnit.SECONDS);
        assertTrue(message.contains("a special file"), message);
    }

    @Test
    void aHardLinkIsNeitherReadNorAppendedTo() throws IOException {
        Path f = shared.resolve("journal");
        Files.createLink(f, secret);
        IOException e = assertThrows(IOException.class,
                () -> SafeFiles.append(f, "x\n".getBytes(StandardCharsets.US_ASCII), SafeFiles.FILE_0644, false));
        assertTrue(e.getMessage().contains("hard links: not appended to"), e.getMessage());
        IOException r = assertThrows(IOException.class, () -> SafeFiles.read(f, 100));
        assertTrue(r.getMessage().contains("hard links: not read"), r.getMessage());
        assertEquals("root-only password", Files.readString(secret));
    }

    @Test
    void appendCreatesWithTheModeAndAppends() throws IOException {
        Path f = shared.resolve("journal");
        assertTrue(SafeFiles.append(f, "a\n".getBytes(StandardCharsets.US_ASCII), SafeFiles.FILE_0600, true));
        assertFalse(SafeFiles.append(f, "b\n".getBytes(StandardCharsets.US_ASCII), SafeFiles.FILE_0644, true));
        assertEquals("a\nb\n", Files.readString(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test
    void aDirectoryLinkOfAnotherAccountIsNotFollowed() throws IOException {
        Path elsewhere = Files.createDirectory(tmp.resolve("etc"));
        Path link = plantLink(shared.resolve("0b2c6e3a-1111-2222-3333-444455556666"), elsewhere);
        Path state = link.resolve("state");
        IOException e = assertThrows(IOException.class,
                () -> SafeFiles.write(state, "primary".getBytes(StandardCharsets.US_ASCII), SafeFiles.FILE_0644, false));
        assertTrue(e.getMessage().contains("is a symbolic link owned by nobody: not followed"), e.getMessage());
        assertEquals(List.of(), SafeFiles.list(elsewhere), "nothing was written into the link's target");
        assertThrows(IOException.class, () -> SafeFiles.createDirectories(link.resolve("x"), SafeFiles.DIR_0755));
        assertThrows(IOException.class, () -> SafeFiles.list(link));
        assertFalse(Files.exists(elsewhere.resolve("x")));
    }

    @Test
    void aDirectoryLinkOfRootIsFollowed() throws IOException {
        Path real = Files.createDirectory(tmp.resolve("srv"));
        Path link = Files.createSymbolicLink(tmp.resolve("neutron"), Path.of("srv"));
        SafeFiles.write(link.resolve("state"), "backup".getBytes(StandardCharsets.US_ASCII), SafeFiles.FILE_0644, false);
        assertEquals("backup", Files.readString(real.resolve("state")));
        assertEquals("backup", new String(SafeFiles.read(link.resolve("state"), 10), StandardCharsets.US_ASCII));
    }

    @Test
    void createDirectoriesSetsTheModeExactly() throws IOException {
        Path d = shared.resolve("ha_confs/0b2c6e3a-1111-2222-3333-444455556666");
        SafeFiles.createDirectories(d, SafeFiles.DIR_0755);
        assertTrue(Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.getParent())));
        SafeFiles.write(d.resolve("f"), new byte[] {1}, SafeFiles.FILE_0644, false, SafeFiles.DIR_0755);
        assertTrue(Files.exists(d.resolve("f")));
    }

    @Test
    void createDirectoryOpensWhatItMadeWithTheModeAndRefusesWhatAnotherAccountPutThere() throws IOException {
        Path name = Path.of("0b2c6e3a-1111-2222-3333-444455556666");
        try (SecureDirectoryStream<Path> parent = SafeFiles.openDirectory(shared)) {
            Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
            try (SecureDirectoryStream<Path> made = SafeFiles.createDirectory(parent, shared, name, SafeFiles.DIR_0755)) {
                SafeFiles.write(made, Path.of("state"), new byte[] {'x'}, SafeFiles.FILE_0644, false);
            }
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared.resolve(name))));
            assertEquals("x", Files.readString(shared.resolve(name).resolve("state")));
            // made meanwhile by this account: taken, and given the mode
            Files.setPosixFilePermissions(shared.resolve(name), PosixFilePermissions.fromString("rwx------"));
            SafeFiles.createDirectory(parent, shared, name, SafeFiles.DIR_0755).close();
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared.resolve(name))));

            Path theirs = Files.createDirectory(shared.resolve("theirs"));
            Files.setOwner(theirs, nobody);
            IOException e = assertThrows(IOException.class,
                    () -> SafeFiles.createDirectory(parent, shared, Path.of("theirs"), SafeFiles.DIR_0755));
            assertEquals(theirs + " was replaced while it was created (a directory of nobody): not used", e.getMessage());
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(theirs)),
                    "another account's directory keeps its mode");

            Path link = plantLink(shared.resolve("link"), tmp);
            e = assertThrows(IOException.class, () -> SafeFiles.createDirectory(parent, shared, Path.of("link"), SafeFiles.DIR_0755));
            assertEquals(link + " was replaced while it was created (a symbolic link of nobody): not used", e.getMessage());
        }
    }

    @Test
    void createDirectoryInAParentThatWasMovedAwaySaysNoSuchFile() throws IOException {
        Path held = Files.createDirectory(tmp.resolve("held"));
        try (SecureDirectoryStream<Path> parent = SafeFiles.openDirectory(held)) {
            Files.move(held, tmp.resolve("moved"));
            Files.createDirectory(held); // the path leads to another directory now
            assertThrows(NoSuchFileException.class, () -> SafeFiles.createDirectory(parent, held, Path.of("r"), SafeFiles.DIR_0755));
            assertTrue(Files.isDirectory(held.resolve("r")), "mkdir made it where the path leads");
            assertFalse(Files.exists(tmp.resolve("moved/r")));
        }
    }

    @Test
    void deleteRemovesTheLinkNotItsTarget() throws IOException {
        Path link = plantLink(shared.resolve("pidfile"), secret);
        assertTrue(SafeFiles.delete(link));
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(secret));
        assertFalse(SafeFiles.delete(link));
        assertFalse(SafeFiles.delete(shared.resolve("no-dir/x")));
    }

    @Test
    void readRefusesWhatIsTooLarge() throws IOException {
        Path f = shared.resolve("big");
        Files.write(f, new byte[5000]);
        IOException e = assertThrows(IOException.class, () -> SafeFiles.read(f, 4096));
        assertTrue(e.getMessage().contains("larger than 4096 bytes"), e.getMessage());
        Path exact = shared.resolve("exact");
        Files.write(exact, new byte[4096]);
        assertEquals(4096, SafeFiles.read(exact, 4096).length);
    }

    @Test
    void writableByOthersNamesTheAccount() throws IOException {
        assertTrue(SafeFiles.writableByOthers(tmp).isEmpty(), "a root directory 0700 under /tmp (sticky) is fine");
        assertEquals("" + shared + " belongs to nobody", SafeFiles.writableByOthers(shared).orElseThrow());
        assertEquals("" + shared + " belongs to nobody", SafeFiles.writableByOthers(shared.resolve("missing/below"))
                .orElseThrow(), "a missing directory is checked as far as it exists");
        Path below = Files.createDirectory(shared.resolve("ha_confs"));
        assertEquals("" + shared + " belongs to nobody", SafeFiles.writableByOthers(below).orElseThrow(),
                "a root directory inside one that another account can rename");

        Path group = Files.createDirectory(tmp.resolve("group"));
        GroupPrincipal nogroup = tmp.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByGroupName(Files.readAllLines(Path.of("/etc/group")).stream()
                        .anyMatch(l -> l.startsWith("nogroup:")) ? "nogroup" : "nobody");
        Files.getFileAttributeView(group, PosixFileAttributeView.class).setGroup(nogroup);
        Files.setPosixFilePermissions(group, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertEquals("" + group + " is writable by group " + nogroup.getName(),
                SafeFiles.writableByOthers(group).orElseThrow());

        Path world = Files.createDirectory(tmp.resolve("world"));
        Files.setPosixFilePermissions(world, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals("" + world + " is writable by every account", SafeFiles.writableByOthers(world).orElseThrow());
    }

    /**
     * {@link HeldDirectory} on real directories: one walk for many uses, a new walk (with the
     * walk's refusals) when the path leads elsewhere, and handles closed only once their last use
     * ends. The held directory is ha_confs_path in {@link #shared}.
     */
    @Nested
    class Held {
        private static final byte[] WORD = "primary".getBytes(StandardCharsets.US_ASCII);

        Path held;

        @BeforeEach
        void inShared() {
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
        void aDirectoryReplacedByALinkIsWalkedAgainAndFollowedOrRefusedAsTheWalkDecides() throws IOException {
            Path old = shared.resolve("ha_confs.old");
            Path other = Files.createDirectory(tmp.resolve("other"));
            Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
            try (HeldDirectory d = new HeldDirectory(held, SafeFiles.DIR_0755)) {
                d.use(dir -> write(dir, "before"));
                Files.move(held, old);
                Files.createSymbolicLink(held, other); // root's: the walk follows it, like an administrator's link
                d.use(dir -> write(dir, "root-link"));
                assertEquals(2, d.walks());

                Files.delete(held);
                plantLink(held, elsewhere);
                IOException e = assertThrows(IOException.class, () -> d.use(dir -> write(dir, "planted-link")));
                assertTrue(e.getMessage().contains("is a symbolic link owned by nobody: not followed"), e.getMessage());
                // refused every time, not only once
                assertThrows(IOException.class, () -> d.use(dir -> write(dir, "planted-link")));
            }
            assertEquals(List.of(), SafeFiles.list(elsewhere), "nothing written where another account's link leads");
            assertEquals(List.of("root-link"), SafeFiles.list(other), "nor through the handle held before it");
            assertEquals(List.of("before"), SafeFiles.list(old), "nor in the first directory, which the path left");
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
            List<SecureDirectoryStream<Path>> seen = new ArrayList<>();
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
            Paused use = new Paused(d, "written-after-close");
            d.close();
            use.finish();
            assertEquals(List.of("written-after-close"), SafeFiles.list(held), "the running use finished on its handle");
            assertThrows(ClosedDirectoryStreamException.class, () -> SafeFiles.attributes(use.handle, Path.of("any")),
                    "then the handle was closed");
            assertThrows(ClosedDirectoryStreamException.class, () -> d.use(dir -> write(dir, "later")));
            d.close(); // idempotent
        }

        @Test
        void aHandleReplacedWhileAUseRunsOnItStaysOpenForThatUse() throws Exception {
            try (HeldDirectory d = new HeldDirectory(held, SafeFiles.DIR_0755)) {
                d.use(dir -> write(dir, "first"));
                Paused use = new Paused(d, "late");
                Path moved = Files.move(held, shared.resolve("ha_confs.old"));
                Files.createDirectory(held);
                d.use(dir -> write(dir, "new"));
                assertEquals(2, d.walks());
                use.finish();
                assertEquals(List.of("new"), SafeFiles.list(held));
                assertEquals(List.of("first", "late"), SafeFiles.list(moved).stream().sorted().toList(),
                        "the use that held the old handle finished there");
                assertThrows(ClosedDirectoryStreamException.class, () -> SafeFiles.attributes(use.handle, Path.of("any")),
                        "and then it was closed");
                assertFalse(SafeFiles.list(held).contains("late"));
            }
        }

        /** A use of {@code d} on another thread, holding its handle until {@link #finish}, then writing {@code name}. */
        private static final class Paused {
            final CountDownLatch inside = new CountDownLatch(1);
            final CountDownLatch proceed = new CountDownLatch(1);
            final CompletableFuture<Void> done;
            volatile SecureDirectoryStream<Path> handle;

            Paused(HeldDirectory d, String name) throws InterruptedException {
                done = CompletableFuture.runAsync(() -> {
                    try {
                        d.use(dir -> {
                            handle = dir;
                            inside.countDown();
                            awaitProceed();
                            return write(dir, name);
                        });
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertTrue(inside.await(60, TimeUnit.SECONDS), "the use got its handle");
            }

            private void awaitProceed() {
                try {
                    if (!proceed.await(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test did not let the use go on");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }

            void finish() throws Exception {
                proceed.countDown();
                done.get(60, TimeUnit.SECONDS);
            }
        }
    }
}
