package org.l3ha.process.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon journal: it names daemons (service and router id) and nothing else, whoever wrote
 * it; robustness; compaction; links refused; and DaemonRecord's validation.
 */
class DaemonJournalTest {

    static final String R1 = "11111111-1111-4111-8111-111111111111";
    static final String R2 = "22222222-2222-4222-8222-222222222222";

    @TempDir
    Path dir;

    static DaemonRecord radvd(String router) {
        return new DaemonRecord("radvd", router, "qrouter-" + router,
                Path.of("/var/lib/neutron/external/pids/" + router + ".pid.radvd"),
                List.of("radvd", "-C", "/var/lib/neutron/ra/" + router + ".radvd.conf", "-m", "syslog"),
                Map.of("PROCESS_TAG", "radvd-" + router), 15, Duration.ofSeconds(5), Duration.ofSeconds(60));
    }

    static DaemonRecord.Key key(String service, String router) {
        return new DaemonRecord.Key(service, router);
    }

    @Test
    void theFormatNamesServiceAndRouterOnly() {
        assertEquals("+\tservice=radvd\tuuid=" + R1 + "\n", DaemonJournal.encode('+', radvd(R1).key()));
        assertEquals("-\tservice=haproxy\tuuid=" + R2 + "\n", DaemonJournal.encode('-', key("haproxy", R2)));
        assertEquals(new DaemonJournal.Change(true, key("radvd", R1)),
                DaemonJournal.decode("+\tservice=radvd\tuuid=" + R1.toUpperCase()), "router ids are lower-cased");
    }

    /** What an account that can write state_path would put there to have root run its command. */
    @Test
    void aLineThatSaysHowToRunSomethingIsRefusedWithoutQuotingIt() {
        String attack = "+\tservice=radvd\tuuid=" + R1 + "\tnamespace=\tpid_file=/tmp/x.pid\targ=sh\targ=-c\t"
                + "arg=cp /bin/bash /tmp/rootshell; chmod 4755 /tmp/rootshell";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DaemonJournal.decode(attack));
        assertEquals("field 3 (namespace) is not allowed: the journal names daemons by service and router id, never"
                + " how to run them", e.getMessage());
        assertFalse(e.getMessage().contains("rootshell"));
        assertThrows(IllegalArgumentException.class,
                () -> DaemonJournal.decode("+\tservice=radvd\tuuid=" + R1 + "\targ=/bin/sh"));
        assertThrows(IllegalArgumentException.class,
                () -> DaemonJournal.decode("+\tservice=radvd\tuuid=" + R1 + "\tenv=LD_PRELOAD=/tmp/x.so"));
        assertThrows(IllegalArgumentException.class, () -> DaemonJournal.decode("+\tservice=../../bin/sh\tuuid=" + R1));
        assertThrows(IllegalArgumentException.class, () -> DaemonJournal.decode("+\tservice=radvd\tuuid=x;reboot"));
        assertThrows(IllegalArgumentException.class, () -> DaemonJournal.decode("+\tservice=radvd\tuuid=" + R1
                + "\tuuid=" + R2), "given twice");
        assertThrows(IllegalArgumentException.class, () -> DaemonJournal.decode("+\tservice=radvd"));
        assertThrows(IllegalArgumentException.class, () -> DaemonJournal.decode("*\tservice=radvd\tuuid=" + R1));
    }

    @Test
    void loadReplaysAddsAndRemovesAndRefusesTheRest() throws Exception {
        Path f = dir.resolve(DaemonJournal.FILE_NAME);
        String text = "# comment\n"
                + DaemonJournal.encode('+', key("radvd", R1))
                + "\n"
                + "garbage line with a secret\n"
                + "+\tservice=radvd\n"
                + "+\tservice=radvd\tuuid=" + R2 + "\tpid_file=/x.pid\targ=/bin/true\n"
                + DaemonJournal.encode('+', key("haproxy", R2))
                + DaemonJournal.encode('-', key("radvd", R1))
                + DaemonJournal.encode('+', key("radvd", R1))
                + "-\tservice=radvd\tuuid=" + R2 + "\n"
                + DaemonJournal.encode('+', key("radvd", R2)).replace("\n", "");
        Files.writeString(f, text, StandardCharsets.UTF_8);

        DaemonJournal.Loaded l = new DaemonJournal(f).load();

        assertEquals(List.of(key("haproxy", R2), key("radvd", R1)), new ArrayList<>(l.daemons()), "in registration order");
        assertEquals(4, l.badLines());
        assertEquals("line 4: does not start with + or -", l.firstProblem());
    }

    @Test
    void aMissingFileIsEmpty() throws Exception {
        DaemonJournal.Loaded l = new DaemonJournal(dir.resolve("none")).load();
        assertTrue(l.daemons().isEmpty());
        assertEquals(0, l.badLines());
        assertNull(l.firstProblem());
    }

    @Test
    void appendsThenCompactionKeepTheSameDaemons() throws Exception {
        Path f = dir.resolve("sub/dir").resolve(DaemonJournal.FILE_NAME);
        DaemonJournal j = new DaemonJournal(f);
        j.appendAdd(key("radvd", R1));
        for (int i = 0; i < 40; i++) {
            j.appendAdd(key("radvd", R2));
            j.appendRemove(key("radvd", R2));
        }
        assertTrue(Files.readString(f).startsWith("# "), "a new file starts with its header");
        assertTrue(j.wantsCompaction(1), "81 lines for 1 daemon");
        assertFalse(j.wantsCompaction(40));

        DaemonJournal reread = new DaemonJournal(f);
        assertEquals(List.of(key("radvd", R1)), new ArrayList<>(reread.load().daemons()));

        reread.rewrite(List.of(key("radvd", R1)));
        assertFalse(reread.wantsCompaction(1));
        assertEquals(3, Files.readAllLines(f).size(), "header (2 lines) and one daemon");
        try (var files = Files.list(f.getParent())) {
            assertEquals(List.of(f), files.toList(), "no temporary file left");
        }
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(List.of(key("radvd", R1)), new ArrayList<>(new DaemonJournal(f).load().daemons()));
    }

    /** Links planted by another account: neither read, appended to, nor written through. */
    @Test
    void aLinkedJournalIsNeitherReadNorWrittenThrough() throws Exception {
        UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Path target = Files.writeString(dir.resolve("root-only"), "+\tservice=radvd\tuuid=" + R1 + "\n");
        Path f = dir.resolve(DaemonJournal.FILE_NAME);
        Files.createSymbolicLink(f, target);
        Files.getFileAttributeView(f, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody);
        DaemonJournal j = new DaemonJournal(f);

        IOException e = assertThrows(IOException.class, j::load);
        assertTrue(e.getMessage().contains("not a regular file (a symbolic link)"), e.getMessage());
        assertThrows(IOException.class, () -> j.appendAdd(key("radvd", R2)));
        assertEquals("+\tservice=radvd\tuuid=" + R1 + "\n", Files.readString(target), "not appended to");

        j.rewrite(List.of(key("radvd", R2)));
        assertEquals("+\tservice=radvd\tuuid=" + R1 + "\n", Files.readString(target), "not written through");
        assertFalse(Files.isSymbolicLink(f), "the link was replaced by a file of l3ha's");
        assertEquals(List.of(key("radvd", R2)), new ArrayList<>(new DaemonJournal(f).load().daemons()));
    }

    @Test
    void aRecordValidatesWhatItIsGiven() {
        DaemonRecord ok = radvd(R1);
        assertThrows(IllegalArgumentException.class, () -> new DaemonRecord("", R1, "", ok.pidFile(), ok.command(),
                Map.of(), 15, ok.stopTimeout(), ok.startTimeout()), "blank service");
        assertThrows(IllegalArgumentException.class, () -> new DaemonRecord("rad vd", R1, "", ok.pidFile(),
                ok.command(), Map.of(), 15, ok.stopTimeout(), ok.startTimeout()), "service with a space");
        assertThrows(IllegalArgumentException.class, () -> new DaemonRecord("radvd", "", "", ok.pidFile(),
                ok.command(), Map.of(), 15, ok.stopTimeout(), ok.startTimeout()), "blank uuid");
        assertThrows(IllegalArgumentException.class, () -> new DaemonRecord("radvd", "not-a-router", "", ok.pidFile(),
                ok.command(), Map.of(), 15, ok.stopTimeout(), ok.startTimeout()), "uuid that is not a router id");
        assertThrows(IllegalArgumentException.class, () -> new DaemonRecord("radvd", R1, "qrouter x", ok.pidFile(),
                ok.command(), Map.of(), 15, ok.stopTimeout(), ok.startTimeout()), "namespace with a space");
        assertThrows(IllegalArgumentException.class, () -> new DaemonRecord("radvd", R1, "../x", ok.pidFile(),
                ok.command(), Map.of(), 15, ok.stopTimeout(), ok.startTimeout()), "namespace with a slash");
        assertThrows(IllegalArgumentException.class, () -> new DaemonRecord("radvd", R1, "", Path.of("rel.pid"),
                ok.command(), Map.of(), 15, ok.stopTimeout(), ok.startTimeout()), "relative pid file");
        assertThrows(IllegalArgumentException.class, () -> new DaemonRecord("radvd", R1, "", ok.pidFile(),
                List.of(), Map.of(), 15, ok.stopTimeout(), ok.startTimeout()), "no command");
        assertThrows(IllegalArgumentException.class, () -> new DaemonRecord("radvd", R1, "", ok.pidFile(),
                ok.command(), Map.of("A=B", "x"), 15, ok.stopTimeout(), ok.startTimeout()), "bad env name");
        assertThrows(IllegalArgumentException.class, () -> new DaemonRecord("radvd", R1, "", ok.pidFile(),
                ok.command(), Map.of(), 0, ok.stopTimeout(), ok.startTimeout()), "signal 0");
        assertThrows(IllegalArgumentException.class, () -> new DaemonRecord("radvd", R1, "", ok.pidFile(),
                ok.command(), Map.of(), 15, Duration.ZERO, ok.startTimeout()), "zero stop timeout");
        DaemonRecord hostNs = new DaemonRecord("radvd", R1, null, ok.pidFile(), ok.command(), null, 15,
                ok.stopTimeout(), ok.startTimeout());
        assertEquals("", hostNs.namespace());
        assertEquals(Map.of(), hostNs.environment());
        assertTrue(DaemonJournal.recordable(hostNs.key()));
    }
}
