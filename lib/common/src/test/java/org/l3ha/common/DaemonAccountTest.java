package org.l3ha.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which account radvd and haproxy drop to (runs as root, as l3ha does). */
class DaemonAccountTest {

    @TempDir
    Path tmp;
    DaemonAccount.Databases db;

    @BeforeEach
    void setUp() throws IOException {
        assertEquals("root", SafeFiles.self(), "run as root");
        Path passwd = Files.writeString(tmp.resolve("passwd"),
                "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/:/usr/sbin/nologin\n"
                        + "neutron:x:998:998::/var/lib/neutron:/usr/sbin/nologin\n");
        Path group = Files.writeString(tmp.resolve("group"), "root:x:0:\nnogroup:x:65534:\nneutron:x:998:\n");
        db = new DaemonAccount.Databases(passwd, group, Path.of("/proc/self"));
    }

    @Test
    void asRootWithARootStatePathTheDaemonsRunAsNobody() throws IOException {
        Path state = Files.createDirectory(tmp.resolve("state"));
        DaemonAccount a = DaemonAccount.resolve("", "", state, db);
        assertEquals(new DaemonAccount("nobody", "nogroup"), a);
        assertEquals("nobody", DaemonAccount.resolve("", null, state, db).user());
    }

    @Test
    void asRootTheDaemonsRunAsTheOwnerOfStatePath() throws IOException {
        Path state = Files.createDirectory(tmp.resolve("state"));
        UserPrincipalLookupService users = tmp.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(state, users.lookupPrincipalByName("nobody"));
        Files.getFileAttributeView(state, PosixFileAttributeView.class).setGroup(
                users.lookupPrincipalByGroupName(Files.readAllLines(Path.of("/etc/group")).stream()
                        .anyMatch(l -> l.startsWith("nogroup:")) ? "nogroup" : "nobody"));
        DaemonAccount a = DaemonAccount.resolve("", "", state, db);
        assertEquals("nobody", a.user());
        assertTrue(a.group().equals("nogroup") || a.group().equals("nobody"), a.group());
    }

    @Test
    void configuredNamesAndIdsAreResolved() throws IOException {
        assertEquals(new DaemonAccount("neutron", "neutron"), DaemonAccount.resolve("998", "neutron", tmp, db));
        assertEquals(new DaemonAccount("root", "root"), DaemonAccount.resolve("root", "0", tmp, db));
        assertTrue(DaemonAccount.resolve("root", "0", tmp, db).isRoot());
        IOException e = assertThrows(IOException.class, () -> DaemonAccount.resolve("radvd", "", tmp, db));
        assertTrue(e.getMessage().startsWith("no user 'radvd' in "), e.getMessage());
    }
}
