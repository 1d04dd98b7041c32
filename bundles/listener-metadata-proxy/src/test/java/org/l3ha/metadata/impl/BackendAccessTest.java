package org.l3ha.metadata.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.common.DaemonAccount;

/**
 * Whether haproxy's account can connect to the metadata agent's socket, on a real socket file
 * with real modes (the tests run as root; the files belong to uid 0, gid 0), with passwd and group
 * databases of the test's own.
 */
class BackendAccessTest {
    @TempDir
    Path dir;
    Path sockets;
    Path socket;
    ServerSocketChannel listener;
    DaemonAccount.Databases db;

    @BeforeEach
    void setUp() throws IOException {
        Path passwd = Files.writeString(dir.resolve("passwd"),
                "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\nneutron:x:120:130::/:/bin/false\n");
        Path group = Files.writeString(dir.resolve("group"),
                "root:x:0:\nnogroup:x:65534:\nneutron:x:130:\nwheel:x:0:neutron\n");
        db = new DaemonAccount.Databases(passwd, group, Path.of("/proc/self"));
        sockets = Files.createDirectories(dir.resolve("state"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxr-xr-x"));
        socket = sockets.resolve("metadata_proxy");
        listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
    }

    @AfterEach
    void tearDown() throws IOException {
        listener.close();
    }

    private Optional<String> problem(String user, String group, String socketMode) throws IOException {
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString(socketMode));
        return BackendAccess.problem(socket, new DaemonAccount(user, group), db);
    }

    @Test
    void aRootOwnedSocketWithoutWriteForOthersIsNamedWithItsMode() throws IOException {
        Optional<String> p = problem("nobody", "nogroup", "rwxr-xr-x");
        assertTrue(p.isPresent(), "nobody cannot connect to a 0755 root socket");
        assertTrue(p.get().contains("nobody:nogroup") && p.get().contains(socket.toString())
                && p.get().contains("rwxr-xr-x"), p.get());
    }

    @Test
    void writableForOthersIsFine() throws IOException {
        assertEquals(Optional.empty(), problem("nobody", "nogroup", "rw-rw-rw-"));
    }

    @Test
    void groupWriteCountsForTheGroupAndForSupplementaryMembers() throws IOException {
        assertEquals(Optional.empty(), problem("nobody", "root", "rw-rw----"), "the daemon's group is the socket's");
        assertEquals(Optional.empty(), problem("neutron", "neutron", "rw-rw----"), "neutron is a member of gid 0");
        assertTrue(problem("nobody", "nogroup", "rw-rw----").isPresent());
    }

    @Test
    void aDirectoryThatDoesNotLetTheAccountThroughIsNamed() throws IOException {
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwx------"));
        Optional<String> p = problem("nobody", "nogroup", "rw-rw-rw-");
        assertTrue(p.isPresent() && p.get().contains("directory " + sockets), p.toString());
    }

    @Test
    void rootAMissingSocketAndAnUnknownAccountAreNoProblem() throws IOException {
        assertEquals(Optional.empty(), problem("root", "root", "rwx------"));
        assertEquals(Optional.empty(), problem("ghost", "nogroup", "rwx------"), "unknown ids: cannot tell");
        listener.close();
        Files.delete(socket);
        assertEquals(Optional.empty(), BackendAccess.problem(socket, new DaemonAccount("nobody", "nogroup"), db));
    }
}
