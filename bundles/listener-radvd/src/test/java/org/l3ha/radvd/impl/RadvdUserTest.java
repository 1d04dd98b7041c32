package org.l3ha.radvd.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.common.DaemonAccount;

/** radvd's {@code -u} account from {@code radvd_user}, and how log lines name it. */
class RadvdUserTest {

    @TempDir
    Path dir;

    DaemonAccount.Databases accounts() throws Exception {
        Path passwd = Files.writeString(dir.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n"
                + "nobody:x:65534:65534::/:/usr/sbin/nologin\nneutron:x:998:998::/var/lib/neutron:/usr/sbin/nologin\n");
        Path group = Files.writeString(dir.resolve("group"), "root:x:0:\nnogroup:x:65534:\nneutron:x:998:\n");
        return new DaemonAccount.Databases(passwd, group, Path.of("/proc/self"));
    }

    RadvdUser of(String radvdUser) throws Exception {
        return RadvdUser.of(RadvdDaemonTest.settings("state_path", dir.toString(), "radvd_user", radvdUser), accounts());
    }

    @Test
    void rootKeepsRadvdRootWithoutMinusU() throws Exception {
        RadvdUser u = of("root");
        assertNull(u.name());
        assertNull(u.problem());
        assertEquals("root (no -u)", u.label());
    }

    @Test
    void aNumericIdIsResolvedToItsName() throws Exception {
        RadvdUser u = of("998");
        assertEquals(new RadvdUser("neutron", null), u);
        assertEquals("-u neutron", u.label());
    }

    @Test
    void anUnknownUserIsTheProblemNamed() throws Exception {
        RadvdUser u = of("radvd");
        assertNull(u.name());
        assertEquals("radvd_user 'radvd' cannot be resolved: no user 'radvd' in " + dir.resolve("passwd"), u.problem());
        assertEquals("nobody yet (" + u.problem() + ")", u.label());
    }
}
