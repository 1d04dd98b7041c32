package org.l3ha.reporter.journal.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.HealthResult;
import org.l3ha.common.SafeFiles;
import org.l3ha.common.testing.LogCapture;

/**
 * The journal in a {@code state_path} that another account (nobody) owns, with what that account
 * can plant at the journal's name: nothing is ever appended through a link, into a FIFO or into a
 * file with another name; the batch fails (the notifier keeps the states and retries), the ERROR
 * names the path once, and the states go out once the name is cleared.
 */
class JournalPlantedFilesTest {
    private static final String R1 = "0b2c6e3a-1111-2222-3333-444455556661";
    private static final String R2 = "0b2c6e3a-1111-2222-3333-444455556662";

    @TempDir
    Path tmp;
    UserPrincipal nobody;
    /** state_path, owned by nobody. */
    Path state;
    /** The journal's default path in it. */
    Path journal;
    /** A root-only file: it must never be appended to. */
    Path secret;

    @BeforeEach
    void plant() throws IOException {
        assertEquals("root", SafeFiles.self(), "these tests hand files to another account: run them as root");
        nobody = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        state = owned(Files.createDirectory(tmp.resolve("state")));
        journal = state.resolve("ha-states.jsonl");
        secret = tmp.resolve("secret");
        Files.writeString(secret, "root-only\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    }

    private Path owned(Path p) throws IOException {
        Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody);
        return p;
    }

    private Map<String, Object> config(String... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("state_path", state.toString());
        m.put("host", "node-1");
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /**
     * As the notifier does with a reporter that throws: the batch is kept and offered again. Three
     * attempts fail while {@code planted} is there; once it is removed the kept states are written.
     */
    private void assertRefusedThenDeliveredOnceRemoved(Path planted, String why) throws Exception {
        JournalReporter r = new JournalReporter(config());
        Map<String, String> kept = Map.of(R1, "active", R2, "standby");
        try (LogCapture log = new LogCapture()) {
            for (int attempt = 1; attempt <= 3; attempt++) {
                IOException e = assertThrows(IOException.class, () -> r.report(kept), "attempt " + attempt);
                assertTrue(e.getMessage().contains(why), e.getMessage());
            }
            assertEquals("root-only\n", Files.readString(secret), "nothing appended to the root file");
            List<String> errors = log.lines("ERROR", "Journal " + journal + ": cannot append a line", why,
                    "the notifier keeps the states and retries");
            assertEquals(1, errors.size(), "one ERROR for three failed attempts: " + log.text());
            HealthResult h = r.check();
            assertEquals(HealthResult.Status.WARN, h.status());
            assertTrue(h.message().startsWith("cannot write " + journal) && h.message().contains(why), h.message());

            Files.delete(planted);
            r.report(kept);
            assertEquals(1, log.lines("INFO", "Journal " + journal + ": lines are written again").size(), log.text());
            r.report(Map.of(R1, "standby"));
            assertEquals(1, log.lines("lines are written again").size(), "the recovery is logged once");
        }
        assertFalse(Files.isSymbolicLink(journal));
        List<String> lines = Files.readAllLines(journal);
        assertEquals(2, lines.size(), String.valueOf(lines));
        assertTrue(lines.get(0).contains("\"" + R1 + "\": \"active\"") && lines.get(0).contains("\"" + R2 + "\": \"standby\""),
                lines.get(0));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(journal)), "created 0644");
        assertEquals(Map.of("lines", 2L, "failures", 3L), r.counters());
    }

    @Test
    void aLinkAtTheJournalPathIsNeverAppendedThrough() throws Exception {
        Path link = owned(Files.createSymbolicLink(journal, secret));
        assertRefusedThenDeliveredOnceRemoved(link, "is not a regular file (a symbolic link): not appended to");
    }

    @Test
    void aHardLinkAtTheJournalPathIsNeverAppendedTo() throws Exception {
        Path link = Files.createLink(journal, secret);
        assertRefusedThenDeliveredOnceRemoved(link, "has 2 hard links: not appended to");
    }

    @Test
    void aFifoAtTheJournalPathIsRefusedWithoutBlocking() throws Exception {
        Process p = new ProcessBuilder("mkfifo", journal.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo");
        owned(journal);
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
            try {
                assertRefusedThenDeliveredOnceRemoved(journal, "is not a regular file (a special file)");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        run.get(60, TimeUnit.SECONDS);
    }

    @Test
    void aLinkedJournalDirectoryIsNotEnteredNorCreatedThrough() throws Exception {
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        owned(Files.createSymbolicLink(state.resolve("journals"), elsewhere));
        JournalReporter r = new JournalReporter(config("path", "$state_path/journals/sub/ha-states.jsonl"));
        try (LogCapture log = new LogCapture()) {
            IOException e = assertThrows(IOException.class, () -> r.report(Map.of(R1, "active")));
            assertTrue(e.getMessage().contains("is a symbolic link owned by nobody: not followed"), e.getMessage());
            assertEquals(1, log.lines("ERROR", "cannot append a line", "journals is a symbolic link owned by nobody").size(),
                    log.text());
        }
        try (Stream<Path> s = Files.list(elsewhere)) {
            assertEquals(0, s.count(), "nothing created in the link's target");
        }
    }

    @Test
    void aJournalDirectoryAnotherAccountCanChangeIsAHealthWarningAndOneLogLine() throws Exception {
        try (LogCapture log = new LogCapture()) {
            JournalReporter r = new JournalReporter(config());
            r.report(Map.of(R1, "active"));
            HealthResult h = r.check();
            assertEquals(HealthResult.Status.WARN, h.status(), h.message());
            assertEquals(journal + ": another account can change the journal's directory: " + state + " belongs to nobody",
                    h.message());
            r.modified(config());
            assertEquals(1, log.lines("WARN", "Journal " + journal, "another account can change").size(), log.text());
            assertEquals(1, Files.readAllLines(journal).size(), "it still works");

            Path mine = Files.createDirectory(tmp.resolve("mine"));
            r.modified(config("path", mine.resolve("j.jsonl").toString()));
            assertEquals(1, log.lines("INFO", "only root can change its directory now").size(), log.text());
            assertEquals(HealthResult.Status.OK, r.check().status(), r.check().message());
        }
    }

    @Test
    void unknownKeysAreNamedOncePerConfiguration() {
        try (LogCapture log = new LogCapture()) {
            JournalReporter r = new JournalReporter(config("pathh", "/x", "service.pid", "org.l3ha.reporter.journal",
                    "ha_vrrp_advert_int", "2"));
            String expected = "org.l3ha.reporter.journal: unknown configuration key 'pathh' in PIDs org.l3ha.reporter.journal"
                    + " / org.l3ha.agent";
            assertEquals(1, log.lines("WARN", expected).size(), log.text());
            r.modified(config("pathh", "/x"));
            assertEquals(1, log.lines("WARN", "unknown configuration key").size(), "not repeated: " + log.text());
            r.modified(config());
            assertEquals(1, log.lines("WARN", "unknown configuration key").size(), log.text());
        }
    }
}
