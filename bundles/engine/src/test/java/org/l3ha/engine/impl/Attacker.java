package org.l3ha.engine.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.concurrent.TimeUnit;

import org.l3ha.common.SafeFiles;

/**
 * What an account with write access to {@code state_path} (Debian's {@code neutron}; here
 * {@code nobody}) can plant there. The tests run as root and hand what they create to nobody.
 */
final class Attacker {
    final UserPrincipal nobody;

    Attacker(Path anyPath) throws IOException {
        assertEquals("root", SafeFiles.self(), "these tests hand files to another account: run them as root");
        nobody = anyPath.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    }

    /** @return {@code p}, now owned by nobody (a link itself, not what it points to) */
    Path owns(Path p) throws IOException {
        Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody);
        return p;
    }

    /** @return a directory created and owned by nobody */
    Path directory(Path dir) throws IOException {
        return owns(Files.createDirectory(dir));
    }

    /** @return a symbolic link owned by nobody */
    Path link(Path link, Path target) throws IOException {
        return owns(Files.createSymbolicLink(link, target));
    }

    /** @return a FIFO owned by nobody */
    Path fifo(Path fifo) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "mkfifo did not end");
        assertEquals(0, p.exitValue(), "mkfifo " + fifo);
        return owns(fifo);
    }

    /** @return a root-only (0600) file holding {@code content}: what root must neither overwrite nor read for nobody */
    static Path rootOnly(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }
}
