package org.l3ha.process.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pid files and liveness: NEUTRON.md §5.3. */
class ProcFsTest {

    @TempDir
    Path dir;

    OptionalLong pidOf(String content) throws Exception {
        Path f = dir.resolve("x.pid");
        Files.writeString(f, content, StandardCharsets.ISO_8859_1);
        return ProcFs.readPid(f);
    }

    @Test
    void aPidFileHoldsOnePositiveIntegerSurroundedByWhitespaceAtMost() throws Exception {
        assertEquals(OptionalLong.empty(), ProcFs.readPid(dir.resolve("missing.pid")));
        assertEquals(OptionalLong.of(1234), pidOf("1234"));
        assertEquals(OptionalLong.of(1234), pidOf("1234\n"));
        assertEquals(OptionalLong.of(1234), pidOf("  \t1234 \r\n\n"));
        assertEquals(OptionalLong.of(2147483647), pidOf("2147483647"));
        assertEquals(OptionalLong.empty(), pidOf(""));
        assertEquals(OptionalLong.empty(), pidOf("   \n"));
        assertEquals(OptionalLong.empty(), pidOf("junk"));
        assertEquals(OptionalLong.empty(), pidOf("12 34"));
        assertEquals(OptionalLong.empty(), pidOf("1234x"));
        assertEquals(OptionalLong.empty(), pidOf("-5"));
        assertEquals(OptionalLong.empty(), pidOf("+5"));
        assertEquals(OptionalLong.empty(), pidOf("0"));
        assertEquals(OptionalLong.empty(), pidOf("2147483648"));
        assertEquals(OptionalLong.empty(), pidOf("99999999999999999999999"));
        assertEquals(OptionalLong.empty(), pidOf("12" + " ".repeat(100)), "longer than any pid file");
        assertEquals(OptionalLong.empty(), ProcFs.readPid(dir), "a directory is not a pid file");
    }

    @Test
    void theTestJvmIsAliveButNotADaemonWhoseUuidItsCommandLineLacks() throws Exception {
        long self = ProcessHandle.current().pid();
        Path f = dir.resolve("self.pid");
        Files.writeString(f, Long.toString(self));
        String uuid = UUID.randomUUID().toString();

        assertTrue(ProcFs.SYSTEM.alive(self));
        assertTrue(ProcFs.SYSTEM.startTime(self) > 0);
        assertEquals(ProcFs.SYSTEM.startTime(self), ProcFs.SYSTEM.startTime(self));
        assertFalse(ProcFs.SYSTEM.cmdline(self).isEmpty());
        assertFalse(ProcFs.SYSTEM.isDaemon(self, uuid));
        assertEquals(OptionalLong.empty(), ProcFs.SYSTEM.activePid(f, uuid));
    }

    @Test
    void aLiveProcessCarryingTheUuidIsActive() throws Exception {
        String uuid = UUID.randomUUID().toString();
        Process p = new ProcessBuilder("sh", "-c", "read x", "fake-" + uuid).start();
        try {
            Path f = dir.resolve("p.pid");
            Files.writeString(f, p.pid() + "\n");
            assertEquals("sh -c read x fake-" + uuid, ProcFs.SYSTEM.cmdline(p.pid()));
            assertEquals(OptionalLong.of(p.pid()), ProcFs.SYSTEM.activePid(f, uuid));
            assertEquals(OptionalLong.of(p.pid()), ProcFs.SYSTEM.activePid(f, "x fake-"), "arguments joined by spaces");
        } finally {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        assertFalse(ProcFs.SYSTEM.alive(p.pid()));
        assertEquals(OptionalLong.empty(), ProcFs.SYSTEM.activePid(dir.resolve("p.pid"), uuid));
    }

    /** A fake /proc: a zombie still has /proc/<pid> but is dead, and has an empty command line. */
    @Test
    void zombiesAndGarbageAreDead() throws Exception {
        ProcFs proc = new ProcFs(dir);
        write(dir.resolve("100/stat"), "100 (radvd) S 1 100 100 0 -1");
        write(dir.resolve("100/cmdline"), "radvd\0-C\0/var/lib/neutron/ra/R1.radvd.conf\0");
        write(dir.resolve("101/stat"), "101 (radvd) Z 1 101 101 0 -1");
        write(dir.resolve("101/cmdline"), "radvd\0-C\0/var/lib/neutron/ra/R1.radvd.conf\0");
        write(dir.resolve("102/stat"), "102 (my (odd) name) R 1");
        write(dir.resolve("103/stat"), "garbage");
        write(dir.resolve("104/stat"), "104 (x) X 1");

        assertTrue(proc.alive(100));
        assertEquals("radvd -C /var/lib/neutron/ra/R1.radvd.conf", proc.cmdline(100));
        assertTrue(proc.isDaemon(100, "R1"));
        assertFalse(proc.isDaemon(100, "R2"));
        assertFalse(proc.alive(101), "zombie");
        assertFalse(proc.isDaemon(101, "R1"), "a zombie is not active even if its command line matched");
        assertTrue(proc.alive(102), "comm with spaces and parentheses");
        assertFalse(proc.alive(103));
        assertFalse(proc.alive(104));
        assertFalse(proc.alive(105), "no such pid");
        assertEquals("", proc.cmdline(105));
    }

    static void write(Path p, String s) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, s, StandardCharsets.ISO_8859_1);
    }
}
