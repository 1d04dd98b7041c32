package org.l3ha.endpoint.impl;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket file at {@code <state_path>/keepalived-state-change}.
 *
 * <p>The server binds inside a fresh private (0700) directory beside the final path; once
 * listening, the socket gets its mode and is renamed into place atomically, so it is never
 * reachable with wider permissions and a stale socket is replaced without a gap. The inode then
 * identifies "our" socket: it is removed, or re-moded, only while it is still the file at the path.
 */
final class SocketFile {
    private static final Logger LOG = LoggerFactory.getLogger(SocketFile.class);
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> PRIVATE_DIR_MODE = PosixFilePermissions.fromString("rwx------");

    private final Path path;
    private final Path tempDir;
    private Object fileKey;

    private SocketFile(Path path, Path tempDir) {
        this.path = path;
        this.tempDir = tempDir;
    }

    /**
     * Creates the parent directory if missing (0755), checks what is at {@code path}, and makes
     * the private directory to bind in.
     *
     * @throws IOException naming the path if another process listens there, or a file that is
     *         not a socket is in the way
     */
    static SocketFile prepare(Path path) throws IOException {
        createDirectories(path.getParent());
        checkReplaceable(path);
        Path dir;
        while (true) {
            // short name: the temporary socket path must stay within the 107-byte limit too
            dir = path.resolveSibling(String.format(".ksc-%08x", ThreadLocalRandom.current().nextInt()));
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR_MODE));
                break;
            } catch (FileAlreadyExistsException e) {
                // taken: draw another name
            }
        }
        return new SocketFile(path, dir);
    }

    /** @return the final socket path */
    Path path() {
        return path;
    }

    /** @return where the server must bind: inside the private directory */
    Path bindPath() {
        return tempDir.resolve("s");
    }

    /** Gives the bound socket its mode and renames it into place, replacing a stale socket. */
    void publish(Set<PosixFilePermission> mode) throws IOException {
        Path bound = bindPath();
        Files.setPosixFilePermissions(bound, mode);
        checkReplaceable(path);
        Files.move(bound, path, StandardCopyOption.ATOMIC_MOVE);
        fileKey = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        deleteTempDir();
    }

    /** Changes the mode of the live socket, if it is still ours. */
    void chmod(Set<PosixFilePermission> mode) throws IOException {
        if (!isOurs()) {
            throw new IOException(path + " is no longer the socket this endpoint created");
        }
        Files.setPosixFilePermissions(path, mode);
    }

    /** @return whether the file at the path is the socket this instance put there */
    boolean isOurs() {
        if (fileKey == null) {
            return false;
        }
        try {
            return Objects.equals(fileKey,
                    Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey());
        } catch (IOException e) {
            return false;
        }
    }

    /** Removes our socket (not a successor's) and the private directory. Never throws. */
    void remove() {
        try {
            if (isOurs()) {
                Files.deleteIfExists(path);
            } else if (fileKey != null) {
                LOG.info("Socket {} was replaced by another process; leaving it in place", path);
            }
        } catch (IOException e) {
            LOG.warn("Cannot remove socket {}: {}", path, e.toString());
        }
        fileKey = null;
        deleteTempDir();
    }

    private void deleteTempDir() {
        try {
            Files.deleteIfExists(bindPath());
            Files.deleteIfExists(tempDir);
        } catch (IOException e) {
            LOG.warn("Cannot remove temporary directory {}: {}", tempDir, e.toString());
        }
    }

    /** Fails unless {@code path} is absent or a socket nobody listens on. */
    private static void checkReplaceable(Path path) throws IOException {
        int type;
        try {
            type = ((Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & S_IFMT;
        } catch (NoSuchFileException e) {
            return;
        }
        if (type != S_IFSOCK) {
            throw new IOException("Cannot create the state-change socket: " + path
                    + " exists and is not a socket; remove it or change state_path");
        }
        if (isListening(path)) {
            throw new IOException("Cannot create the state-change socket: another process is listening on " + path);
        }
        LOG.info("Replacing stale socket {}", path);
    }

    private static boolean isListening(Path path) throws IOException {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            // non-blocking: a listener with a full backlog must not stall activation
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (ConnectException e) {
            return false;
        }
    }

    private static void createDirectories(Path dir) throws IOException {
        if (dir == null || Files.isDirectory(dir)) {
            return;
        }
        createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir);
            Files.setPosixFilePermissions(dir, DIR_MODE);
            LOG.info("Created directory {}", dir);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw new IOException("Cannot create the state-change socket: " + dir + " is not a directory", e);
            }
        }
    }
}
