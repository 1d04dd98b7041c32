package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an account that can write a directory l3ha uses can plant there, against what
 * {@link SafeFiles} does about it. Needs root (links and files are handed to {@code nobody}).
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
}
