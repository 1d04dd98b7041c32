package org.l3ha.process.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon journal: format, robustness, compaction; and DaemonRecord's validation. */
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

    @Test
    void aRecordSurvivesEncodingEvenWithTabsNewlinesBackslashesAndEquals() {
        DaemonRecord odd = new DaemonRecord("haproxy", R1, "", Path.of("/tmp/a b/\\x=y.pid"),
                List.of("sh", "-c", "printf 'a\tb\\n' \\\n; x=1\r", "ünï", ""),
                Map.of("A", "=x=\ty", "B_2", ""), 9, Duration.ofMillis(1500), Duration.ofMillis(250));
        String line = DaemonJournal.encode(odd);
        assertTrue(line.endsWith("\n"));
        assertEquals(1, line.split("\n", -1).length - 1, "exactly one line");

        DaemonJournal.Entry e = DaemonJournal.decode(line.substring(0, line.length() - 1));

        assertEquals(new DaemonJournal.Add(odd), e);
    }

    @Test
    void theFormatIsReadable() {
        assertEquals("+\tservice=radvd\tuuid=" + R1 + "\tnamespace=qrouter-" + R1 + "\tpid_file=/var/lib/neutron/external/pids/"
                + R1 + ".pid.radvd\tstop_signal=15\tstop_timeout_ms=5000\tstart_timeout_ms=60000\targ=radvd\targ=-C\targ="
                + "/var/lib/neutron/ra/" + R1 + ".radvd.conf\targ=-m\targ=syslog\tenv=PROCESS_TAG=radvd-" + R1 + "\n",
                DaemonJournal.encode(radvd(R1)));
        assertEquals("-\tservice=radvd\tuuid=" + R1 + "\n", DaemonJournal.encodeRemove(radvd(R1).key()));
    }

    @Test
    void loadReplaysAddsAndRemovesAndSkipsWhatItCannotRead() throws Exception {
        Path f = dir.resolve(DaemonJournal.FILE_NAME);
        String text = "# comment\n"
                + DaemonJournal.encode(radvd(R1))
                + "\n"
                + "garbage line\n"
                + "+\tservice=radvd\n"
                + "+\tservice=radvd\tuuid=x\tpid_file=relative.pid\targ=radvd\n"
                + "+\tservice=radvd\tuuid=x\tpid_file=/x.pid\targ=a\\qb\n"
                + "+\tservice=radvd\tuuid=x\tpid_file=/x.pid\targ=a\tstop_signal=many\n"
                + DaemonJournal.encode(radvd(R2)).replace("\tenv=", "\tfuture_key=whatever\tenv=")
                + DaemonJournal.encodeRemove(radvd(R1).key())
                + DaemonJournal.encode(radvd(R1))
                + "-\tservice=haproxy\tuuid=" + R2 + "\n"
                + DaemonJournal.encode(radvd("cut-short")).replace("\n", "");
        Files.writeString(f, text, StandardCharsets.UTF_8);

        DaemonJournal.Loaded l = new DaemonJournal(f).load();

        assertEquals(List.of(radvd(R2), radvd(R1)), new ArrayList<>(l.daemons().values()), "in registration order");
        assertEquals(6, l.badLines());
        assertEquals("line 4: starts with 'garbage line', not + or -", l.firstProblem());
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
        j.appendAdd(radvd(R1));
        for (int i = 0; i < 40; i++) {
            j.appendAdd(radvd(R2));
            j.appendRemove(radvd(R2).key());
        }
        assertTrue(Files.readString(f).startsWith("# "), "a new file starts with its header");
        assertTrue(j.wantsCompaction(1), "81 lines for 1 daemon");
        assertFalse(j.wantsCompaction(40));

        DaemonJournal reread = new DaemonJournal(f);
        assertEquals(List.of(radvd(R1)), new ArrayList<>(reread.load().daemons().values()));

        reread.rewrite(List.of(radvd(R1)));
        assertFalse(reread.wantsCompaction(1));
        assertEquals(3, Files.readAllLines(f).size(), "header (2 lines) and one daemon");
        assertFalse(Files.exists(f.resolveSibling(DaemonJournal.FILE_NAME + ".tmp")));
        assertEquals(List.of(radvd(R1)), new ArrayList<>(new DaemonJournal(f).load().daemons().values()));
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
        assertThrows(IllegalArgumentException.class, () -> new DaemonRecord("radvd", R1, "qrouter x", ok.pidFile(),
                ok.command(), Map.of(), 15, ok.stopTimeout(), ok.startTimeout()), "namespace with a space");
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
    }
}
