package org.l3ha.process.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.l3ha.api.DaemonFactory;
import org.l3ha.api.DaemonSpec;
import org.l3ha.common.testing.LogCapture;

/**
 * The process manager against an account that can write {@code state_path} and the pid files
 * (here {@code nobody}): what it plants there never makes root run, signal or write anything
 * else. Real processes in a real namespace, as in the other tests.
 */
class ProcessSecurityTest extends RealProcesses {

    static final Duration WAIT = Duration.ofSeconds(20);
    UserPrincipal nobody;

    @BeforeEach
    void attacker() throws IOException {
        nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    }

    private Path asNobody(Path p) throws IOException {
        Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody);
        return p;
    }

    /** Attack 1: a journal line naming any command, as earlier versions recorded daemons. */
    @Test
    void aCommandWrittenIntoTheJournalIsNeverRun() throws Exception {
        Path marker = dir.resolve("pwned");
        Path journal = dir.resolve(DaemonJournal.FILE_NAME);
        Files.writeString(journal, "+\tservice=radvd\tuuid=" + uuid + "\tnamespace=\tpid_file=" + dir.resolve("x.pid")
                + "\tstop_signal=15\tstop_timeout_ms=5000\tstart_timeout_ms=60000\targ=sh\targ=-c\targ=touch " + marker
                + " secret-token-1234\n"
                + "+\tservice=evil\tuuid=" + uuid + "\n", StandardCharsets.UTF_8);
        asNobody(journal);
        try (LogCapture log = new LogCapture()) {
            NamespaceProcessManager pm = start(props("check_child_processes_interval", 1));
            pm.bindFactory(id -> Optional.empty(), Map.of(DaemonFactory.SERVICE, "radvd"));
            pm.checkNow();
            pm.checkNow();

            assertFalse(Files.exists(marker), "the command in the journal ran");
            assertEquals(0, pm.counters().get("monitored"));
            assertEquals(1, pm.counters().get("unclaimed"), "the evil service waits for a bundle that never comes");
            assertEquals(0, pm.counters().get("spawned"));
            String text = log.text();
            assertTrue(text.contains("Refused 1 line(s) of the daemon journal " + journal + " (first: line 1: field 3"
                    + " (namespace) is not allowed"), text);
            assertFalse(text.contains("secret-token-1234"), "a refused line is never quoted");
        }
        assertFalse(Files.readString(journal).contains("arg="), "the journal was rewritten without the command");
    }

    /** Attack 4: a pid file naming a process that carries the router id but is not the daemon. */
    @Test
    void aProcessPosingAsTheDaemonIsNeverSignalled() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd");
        Process poser = new ProcessBuilder("bash", "-c", "exec -a radvd-" + uuid + " sleep 600").start();
        try {
            await().atMost(WAIT).until(() -> ProcFs.SYSTEM.cmdline(poser.pid()).contains(uuid));
            Files.createDirectories(d.pidFile().getParent());
            asNobody(Files.writeString(d.pidFile(), poser.pid() + "\n"));
            try (LogCapture log = new LogCapture()) {
                assertFalse(pm.isActive(d));
                pm.disable(d);
                assertTrue(alive(poser.pid()), "disable killed a process that is not the daemon");
                assertTrue(log.text().contains("names a process that is not that daemon (pid " + poser.pid() + " runs '"),
                        log.text());
            }
            asNobody(Files.writeString(d.pidFile(), poser.pid() + "\n"));
            pm.enable(d, true);
            long pid = pm.pid(d).orElseThrow();
            assertNotEquals(poser.pid(), pid);
            assertTrue(alive(poser.pid()), "reload signalled a process that is not the daemon");
            assertEquals(0, pm.counters().get("reloads"));
            assertEquals(2, pm.counters().get("impostors"));
            pm.disable(d);
            assertTrue(alive(poser.pid()));
        } finally {
            // waited for: the clean-up after each test kills what still carries the router id, and a
            // poser dying meanwhile made its kill fail ("No such process") and count as a leftover
            poser.destroyForcibly().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** A pid file that is a link: not read, removed (the link, not its target). */
    @Test
    void aLinkedPidFileIsNotFollowed() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        TestDaemon d = daemon("radvd");
        Path target = Files.writeString(dir.resolve("root-only"), "keep me");
        Files.createDirectories(d.pidFile().getParent());
        asNobody(Files.createSymbolicLink(d.pidFile(), target));

        pm.enable(d, false);

        assertEquals("keep me", Files.readString(target));
        assertFalse(Files.isSymbolicLink(d.pidFile()));
        pm.disable(d);
        assertEquals("keep me", Files.readString(target));
    }

    /** A daemon's configuration changed by another account is written afresh before every start. */
    @Test
    void everyStartAndRespawnWritesTheConfigurationAfresh() throws Exception {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 1));
        Path conf = dir.resolve("radvd.conf");
        AtomicInteger prepared = new AtomicInteger();
        DaemonSpec d = prepared(daemon("radvd"), () -> {
            prepared.incrementAndGet();
            Files.writeString(conf, "l3ha's configuration");
        });
        pm.enable(d, false);
        long first = pm.pid(d).orElseThrow();
        assertEquals(1, prepared.get());

        Files.writeString(conf, "lua-load /tmp/evil.lua");
        kill9(first);
        await().atMost(WAIT).until(() -> pm.pid(d).isPresent() && pm.pid(d).getAsLong() != first);

        assertEquals("l3ha's configuration", Files.readString(conf));
        assertEquals(2, prepared.get());
        pm.disable(d);
    }

    @Test
    void aDaemonWhoseConfigurationCannotBeWrittenIsNotStarted() throws IOException {
        NamespaceProcessManager pm = start(props("check_child_processes_interval", 0));
        DaemonSpec d = prepared(daemon("radvd"), () -> {
            throw new IOException("/x/radvd.conf is a symbolic link owned by nobody: not followed");
        });
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> pm.enable(d, false));
        assertTrue(e.getMessage().contains("cannot write what it reads at start: /x/radvd.conf is a symbolic link"),
                e.getMessage());
        assertEquals(List.of(), logged("radvd"));
    }

    private interface Prepare {
        void run() throws IOException;
    }

    /** {@code d} with a {@link DaemonSpec#prepare()}. */
    private static DaemonSpec prepared(TestDaemon d, Prepare prepare) {
        return new DaemonSpec() {
            @Override
            public String service() {
                return d.service();
            }

            @Override
            public String uuid() {
                return d.uuid();
            }

            @Override
            public String namespace() {
                return d.namespace();
            }

            @Override
            public Path pidFile() {
                return d.pidFile();
            }

            @Override
            public List<String> command() {
                return d.command();
            }

            @Override
            public Map<String, String> environment() {
                return d.environment();
            }

            @Override
            public void prepare() throws IOException {
                prepare.run();
            }
        };
    }
}
