package org.l3ha.process.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pid files, liveness and identity: docs/behaviour.md §5.3, and what l3ha checks beyond Neutron. */
class ProcFsTest {

    @TempDir
    Path dir;

    OptionalLong pidOf(String content) throws Exception {
        Path f = dir.resolve("x.pid");
        Files.writeString(f, content, StandardCharsets.ISO_8859_1);
        return ProcFs.readPid(f);
    }

    static DaemonRecord daemon(String uuid, String namespace, String... command) {
        return new DaemonRecord("radvd", uuid, namespace, Path.of("/run/x.pid"), List.of(command), Map.of(), 15,
                Duration.ofSeconds(5), Duration.ofSeconds(5));
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
        Path link = Files.createSymbolicLink(dir.resolve("link.pid"), dir.resolve("x.pid"));
        pidOf("1234");
        assertEquals(OptionalLong.empty(), ProcFs.readPid(link), "a link is not followed");
    }

    @Test
    void theTestJvmIsAliveButNotADaemon() throws Exception {
        long self = ProcessHandle.current().pid();
        Path f = dir.resolve("self.pid");
        Files.writeString(f, Long.toString(self));
        String uuid = UUID.randomUUID().toString();

        assertTrue(ProcFs.SYSTEM.alive(self));
        assertTrue(ProcFs.SYSTEM.startTime(self) > 0);
        assertEquals(ProcFs.SYSTEM.startTime(self), ProcFs.SYSTEM.startTime(self));
        assertFalse(ProcFs.SYSTEM.cmdline(self).isEmpty());
        assertFalse(ProcFs.SYSTEM.isDaemon(self, daemon(uuid, "", "java")));
        assertEquals(OptionalLong.empty(), ProcFs.SYSTEM.activePid(f, daemon(uuid, "", "java")));
    }

    /** Executable, namespace and command line must all be the daemon's. */
    @Test
    void aLiveProcessIsTheDaemonOnlyWithItsExecutableNamespaceAndUuid() throws Exception {
        String uuid = UUID.randomUUID().toString();
        Process p = new ProcessBuilder("sh", "-c", "read x", "fake-" + uuid).start();
        try {
            Path f = dir.resolve("p.pid");
            Files.writeString(f, p.pid() + "\n");
            assertEquals("sh -c read x fake-" + uuid, ProcFs.SYSTEM.cmdline(p.pid()));
            assertEquals(OptionalLong.of(p.pid()), ProcFs.SYSTEM.activePid(f, daemon(uuid, "", "sh", "-c")));
            assertEquals(OptionalLong.of(p.pid()), ProcFs.SYSTEM.activePid(f, daemon(uuid, "", "/bin/sh")),
                    "the same program by another path (a link to dash)");
            assertEquals(OptionalLong.empty(), ProcFs.SYSTEM.activePid(f, daemon(UUID.randomUUID().toString(), "", "sh")),
                    "another router's");
            assertEquals(OptionalLong.empty(), ProcFs.SYSTEM.activePid(f, daemon(uuid, "", "radvd")), "another program");
            assertEquals(OptionalLong.empty(), ProcFs.SYSTEM.activePid(f, daemon(uuid, "", "no-such-program-l3ha")));
            assertEquals(OptionalLong.empty(), ProcFs.SYSTEM.activePid(f, daemon(uuid, "qrouter-" + uuid, "sh")),
                    "another namespace (one that does not even exist)");
            assertEquals("pid " + p.pid() + " runs '" + ProcFs.SYSTEM.exe(p.pid()) + "', not 'radvd'",
                    ProcFs.SYSTEM.mismatch(p.pid(), daemon(uuid, "", "radvd")).orElseThrow());
        } finally {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        assertFalse(ProcFs.SYSTEM.alive(p.pid()));
        assertEquals(OptionalLong.empty(), ProcFs.SYSTEM.activePid(dir.resolve("p.pid"), daemon(uuid, "", "sh")));
    }

    /**
     * The attack: a process another account runs, renamed to look like keepalived and carrying the
     * router id, named in a pid file. Its executable is not keepalived's.
     */
    @Test
    void aRenamedProcessPosingAsTheDaemonIsNotIt() throws Exception {
        String uuid = UUID.randomUUID().toString();
        Process p = new ProcessBuilder("bash", "-c", "exec -a keepalived-" + uuid + " sleep 600").start();
        try {
            Path f = dir.resolve("keepalived.pid");
            Files.writeString(f, p.pid() + "\n");
            await().atMost(Duration.ofSeconds(30)).until(() -> ProcFs.SYSTEM.cmdline(p.pid()).startsWith("keepalived"));
            assertEquals("keepalived-" + uuid + " 600", ProcFs.SYSTEM.cmdline(p.pid()));
            assertEquals(OptionalLong.empty(), ProcFs.SYSTEM.activePid(f, daemon(uuid, "", "keepalived")));
            String why = ProcFs.SYSTEM.mismatch(p.pid(), daemon(uuid, "", "keepalived")).orElseThrow();
            assertTrue(why.contains("sleep"), why);
        } finally {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** A fake /proc: zombies, odd names, a binary replaced while it ran, namespaces by identity. */
    @Test
    void zombiesAndGarbageAreDeadAndIdentityIsByFile() throws Exception {
        Path root = Files.createDirectory(dir.resolve("proc"));
        Path netns = Files.createDirectory(dir.resolve("netns"));
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path radvd = Files.writeString(bin.resolve("radvd"), "#!/bin/sh\n");
        radvd.toFile().setExecutable(true);
        Path ns1 = Files.createFile(netns.resolve("qrouter-R1"));
        Files.createFile(netns.resolve("qrouter-R2"));
        ProcFs proc = new ProcFs(root, netns, List.of(bin));
        String r1 = "11111111-1111-4111-8111-111111111111";
        write(root.resolve("100/stat"), "100 (radvd) S 1 100 100 0 -1");
        write(root.resolve("100/cmdline"), "radvd\0-C\0/var/lib/neutron/ra/" + r1 + ".radvd.conf\0");
        Files.createSymbolicLink(root.resolve("100/exe"), radvd);
        Files.createDirectories(root.resolve("100/ns"));
        Files.createSymbolicLink(root.resolve("100/ns/net"), ns1);
        write(root.resolve("101/stat"), "101 (radvd) Z 1 101 101 0 -1");
        write(root.resolve("101/cmdline"), "radvd\0-C\0/var/lib/neutron/ra/" + r1 + ".radvd.conf\0");
        write(root.resolve("102/stat"), "102 (my (odd) name) R 1");
        write(root.resolve("103/stat"), "garbage");
        write(root.resolve("104/stat"), "104 (x) X 1");
        write(root.resolve("106/stat"), "106 (radvd) S 1 100 100 0 -1");
        write(root.resolve("106/cmdline"), "radvd\0" + r1 + "\0");
        Files.createSymbolicLink(root.resolve("106/exe"), Path.of(radvd + " (deleted)"));
        Files.createDirectories(root.resolve("106/ns"));
        Files.createSymbolicLink(root.resolve("106/ns/net"), ns1);

        assertTrue(proc.alive(100));
        assertEquals("radvd -C /var/lib/neutron/ra/" + r1 + ".radvd.conf", proc.cmdline(100));
        assertTrue(proc.isDaemon(100, daemon(r1, "qrouter-R1", "radvd")));
        assertFalse(proc.isDaemon(100, daemon(r1, "qrouter-R2", "radvd")), "another namespace");
        assertFalse(proc.isDaemon(100, daemon("22222222-2222-4222-8222-222222222222", "qrouter-R1", "radvd")));
        assertTrue(proc.isDaemon(106, daemon(r1, "qrouter-R1", "radvd")),
                "its binary was replaced by an upgrade while it ran: same path, marked deleted");
        assertFalse(proc.alive(101), "zombie");
        assertFalse(proc.isDaemon(101, daemon(r1, "qrouter-R1", "radvd")), "a zombie is not active");
        assertTrue(proc.alive(102), "comm with spaces and parentheses");
        assertFalse(proc.alive(103));
        assertFalse(proc.alive(104));
        assertFalse(proc.alive(105), "no such pid");
        assertEquals("", proc.cmdline(105));
    }

    @Test
    void theSearchPathIsThePathVariableThenTheSbinDirectories() {
        assertEquals(List.of(Path.of("/opt/bin"), Path.of("/usr/bin"), Path.of("/usr/local/sbin"),
                Path.of("/usr/local/bin"), Path.of("/usr/sbin"), Path.of("/sbin"), Path.of("/bin")),
                ProcFs.searchPath("/opt/bin:relative:/usr/bin"));
    }

    static void write(Path p, String s) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, s, StandardCharsets.ISO_8859_1);
    }
}
