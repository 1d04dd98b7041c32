package org.l3ha.registry.file.impl;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.registry.file.impl.FileRouterRegistryTest.A;
import static org.l3ha.registry.file.impl.FileRouterRegistryTest.B;
import static org.l3ha.registry.file.impl.FileRouterRegistryTest.C;
import static org.l3ha.registry.file.impl.FileRouterRegistryTest.D;
import static org.l3ha.registry.file.impl.FileRouterRegistryTest.doc;
import static org.l3ha.registry.file.impl.FileRouterRegistryTest.ids;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.l3ha.api.HealthResult;
import org.l3ha.api.Router;
import org.l3ha.common.SafeFiles;
import org.l3ha.common.testing.LogCapture;

/**
 * The registry against a routers_dir that another account ({@code nobody}) owns and fills with
 * what an attacker would put there: links to root's secrets and to documents elsewhere, a FIFO, a
 * file whose name holds terminal escapes and a newline, files that are not JSON but hold secrets,
 * and subnets radvd cannot advertise. Runs as root (as l3ha does).
 */
class HostileRoutersDirTest {

    static final Duration DEADLINE = Duration.ofSeconds(30);
    /* what must never appear in the log */
    static final String SECRET = "S3CRET-4f9a";
    static final String SECRET_URL = "rabbit://guest:" + SECRET + "@rabbit.example:5672/";
    static final String ESC_NAME = "evil\u001b[31m\nFAKE ERROR line.json";
    static final String ESC_NAME_ESCAPED = "evil\\x1b[31m\\x0aFAKE ERROR line.json";

    @TempDir
    Path tmp;
    Path dir;
    Path rootOnly;
    Path elsewhere;
    LogCapture log;
    UserPrincipal nobody;
    GroupPrincipal nogroup;
    final List<FileRouterRegistry> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        assertEquals("root", SafeFiles.self(), "these tests hand files to another account: run them as root");
        UserPrincipalLookupService users = tmp.getFileSystem().getUserPrincipalLookupService();
        nobody = users.lookupPrincipalByName("nobody");
        nogroup = users.lookupPrincipalByGroupName("nogroup");
        // root's secrets, outside routers_dir
        Path secrets = Files.createDirectory(tmp.resolve("root-secrets"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        rootOnly = secrets.resolve("transport.json");
        Files.writeString(rootOnly, "{\"id\": \"" + SECRET_URL + "\", \"password\": \"" + SECRET + "\"}\n");
        Files.setPosixFilePermissions(rootOnly, PosixFilePermissions.fromString("rw-------"));
        // a router document somewhere else
        elsewhere = Files.createDirectory(tmp.resolve("elsewhere")).resolve("router.json");
        Files.writeString(elsewhere, doc(D, true));
        // routers_dir, the other account's
        dir = Files.createDirectory(tmp.resolve("routers"));
        own(dir);
        log = new LogCapture();
    }

    @AfterEach
    void tearDown() {
        try {
            started.forEach(FileRouterRegistry::deactivate);
        } finally {
            log.close();
        }
        assertEquals(0, FileRouterRegistryTest.watcherThreads(), "no watcher thread left");
    }

    @Test
    void whatTheOtherAccountPlantsIsNeitherFollowedNorReadNorEchoed() throws Exception {
        Path good = plant("good.json", doc(A, true));
        Path leak = plantLink("leak.json", rootOnly);
        plantLink("other.json", elsewhere);
        plantLink("shadow.json", Path.of("/etc/shadow"));
        Path fifo = plantFifo("pipe.json");
        plant(ESC_NAME, "{\"id\": \"not-a-uuid\"}");
        plant("garbage.json", SECRET_URL + "\npassword=" + SECRET + "\n");
        plant("field.json", "{\"id\": \"" + SECRET + "\"}");
        Path hard = dir.resolve("hard.json");
        Files.createLink(hard, rootOnly);   // another file's second name: not read at all

        // the FIFO must not block activation: no writer will ever open it
        FileRouterRegistry r = assertTimeoutPreemptively(DEADLINE, () -> start(props(dir)),
                "activation blocked (on the FIFO?)");

        assertEquals(Set.of(A), ids(r), "only the regular document is loaded; the link to another document is not");
        assertEquals(Set.of("leak.json", "other.json", "shadow.json", "pipe.json", ESC_NAME, "garbage.json", "field.json",
                "hard.json"), r.badFiles().keySet());
        assertOneWarn("leak.json", "a symbolic link: not followed (only regular files are read)", "skipped");
        assertOneWarn("other.json", "a symbolic link");
        assertOneWarn("shadow.json", "a symbolic link");
        assertOneWarn("pipe.json", "a FIFO: not read (only regular files are read)");
        assertOneWarn("garbage.json", "not JSON: unrecognized token (line 1, column 1)", "skipped");
        assertOneWarn("field.json", "id: not a UUID", "skipped");
        assertOneWarn("hard.json", "has 2 hard links: not read", "skipped");
        assertOneWarn(ESC_NAME_ESCAPED, "id: not a UUID");
        assertNothingLeaked();
        assertTrue(Files.exists(good) && Files.isSymbolicLink(leak) && Files.exists(fifo), "nothing was removed");

        HealthResult h = r.check();
        assertEquals(HealthResult.Status.WARN, h.status(), h.message());
        assertTrue(h.message().contains(dir + " belongs to nobody"), h.message());
        assertTrue(h.message().contains("8 bad documents skipped") && h.message().contains("leak.json")
                && h.message().contains(ESC_NAME_ESCAPED), h.message());
        assertFalse(h.message().contains("\u001b") || h.message().contains("\n"), h.message());
    }

    @Test
    void eachPlantedFileIsWarnedAboutOnceAcrossRescans() throws Exception {
        plant("good.json", doc(A, true));
        plantLink("leak.json", rootOnly);
        plantFifo("pipe.json");
        plant("garbage.json", SECRET_URL);
        Timing rescanOften = new Timing(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(50),
                Duration.ofSeconds(5));
        FileRouterRegistry r = new FileRouterRegistry(props(dir), rescanOften);
        started.add(r);
        long rescans = r.counters().get("rescans");
        await().atMost(DEADLINE).until(() -> r.counters().get("rescans") >= rescans + 3);

        assertOneWarn("leak.json", "a symbolic link");
        assertOneWarn("pipe.json", "a FIFO");
        assertOneWarn("garbage.json", "not JSON");
        assertEquals(2L, r.counters().get("files_parsed"), "good.json and garbage.json once each; links and FIFOs never");
        assertNothingLeaked();
    }

    @Test
    void theWatcherFollowsLinksAppearingAndDisappearing() throws Exception {
        plant("a.json", doc(A, true));
        FileRouterRegistry r = start(props(dir));
        assertEquals(Set.of(A), ids(r));

        // a link appears: warned about, not followed
        plantLink("late.json", elsewhere);
        await().atMost(DEADLINE).until(() -> r.badFiles().containsKey("late.json"));
        assertOneWarn("late.json", "a symbolic link");
        assertFalse(r.find(D).isPresent(), "the link's target is not loaded");

        // the link is replaced by a regular document: loaded
        Path staged = plant(".late.json.tmp", doc(D, false));
        Files.move(staged, dir.resolve("late.json"), ATOMIC_MOVE, REPLACE_EXISTING);
        await().atMost(DEADLINE).until(() -> r.find(D).isPresent());
        assertFalse(r.find(D).orElseThrow().ha(), "the regular file's content, not the old link target's");
        assertFalse(r.badFiles().containsKey("late.json"), () -> "bad files: " + r.badFiles());
        assertTrue(log.has("INFO", "late.json", "good again"));

        // a good document is replaced by a link: bad, its last good version stays
        Path link = dir.resolve(".a.json.link");
        Files.createSymbolicLink(link, rootOnly);
        ownLink(link);
        Files.move(link, dir.resolve("a.json"), ATOMIC_MOVE, REPLACE_EXISTING);
        await().atMost(DEADLINE).until(() -> r.badFiles().containsKey("a.json"));
        assertTrue(r.find(A).orElseThrow().ha(), "last good version of a.json still in effect");
        assertOneWarn("a.json", "a symbolic link", "keeping its last good version");

        // links disappear: no longer bad; a.json's router goes with its file
        Files.delete(dir.resolve("a.json"));
        await().atMost(DEADLINE).until(() -> r.find(A).isEmpty() && !r.badFiles().containsKey("a.json"));
        assertEquals(Set.of(D), ids(r));
        plant("b.json", doc(B, true));
        await().atMost(DEADLINE).until(() -> r.find(B).isPresent());
        assertNothingLeaked();
    }

    @Test
    void routersDirReachedThroughAnotherAccountsLinkIsNotRead() throws Exception {
        Path real = Files.createDirectory(tmp.resolve("real"));
        Files.writeString(real.resolve("a.json"), doc(A, true));
        Path planted = tmp.resolve("planted");
        Files.createSymbolicLink(planted, real);
        ownLink(planted);
        FileRouterRegistry r = start(props(planted));
        assertEquals(Set.of(), ids(r), "nothing read through the other account's link");
        assertTrue(log.has("WARN", planted.toString(), "symbolic link owned by nobody"), log.text());
        assertEquals(HealthResult.Status.CRITICAL, r.check().status(), r.check().message());

        // root's own link is followed (an administrator's /var/lib/neutron -> /srv/neutron)
        Path admins = tmp.resolve("admins");
        Files.createSymbolicLink(admins, real);
        FileRouterRegistry s = start(props(admins));
        assertEquals(Set.of(A), ids(s));
    }

    @Test
    void aReadThatNeverFinishesIsGivenUpAndEverythingElseStillLoads() throws Exception {
        plant("a.json", doc(A, true));
        for (String name : List.of("b.json", "c.json", "d.json", "e.json", "f.json")) {
            plant(name, doc(B, true));
        }
        Path fifo = tmp.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        // stands in for a FIFO swapped in between SafeFiles' check and its open: no writer ever comes
        java.util.concurrent.atomic.AtomicBoolean swapped = new java.util.concurrent.atomic.AtomicBoolean(true);
        DocumentReads.DocumentReader blocking = (file, max) -> swapped.get() && !file.getFileName().toString().equals("a.json")
                ? Files.readAllBytes(fifo) : SafeFiles.read(file, max);
        // long enough for the one real read (a.json) on a busy machine; the others never finish
        RouterFiles files = new RouterFiles(dir, new java.util.concurrent.atomic.AtomicLong(),
                new DocumentReads(blocking, Duration.ofMillis(1500)));
        try {
            assertTimeoutPreemptively(DEADLINE, () -> files.scan(() -> false), "the scan waited for a stuck read");
            Snapshot s = files.publish(Snapshot.empty(dir), true).snapshot();
            assertEquals(Set.of(A), s.routers().keySet(), "the readable document is loaded");
            assertEquals(Set.of("b.json", "c.json", "d.json", "e.json", "f.json"), s.badFiles().keySet());
            long gaveUp = s.badFiles().values().stream().filter(r -> r.startsWith("reading it did not finish within 1500 ms"))
                    .count();
            assertEquals(DocumentReads.MAX_STUCK_READS, gaveUp, () -> "bad files: " + s.badFiles());
            assertTrue(s.badFiles().values().stream().anyMatch(r -> r.startsWith("not read: " + DocumentReads.MAX_STUCK_READS
                    + " earlier reads in routers_dir never finished")), () -> "bad files: " + s.badFiles());

            // unchanged files whose read was given up are not read again (no new stuck thread)
            assertTimeoutPreemptively(DEADLINE, () -> files.scan(() -> false));
            assertEquals(DocumentReads.MAX_STUCK_READS, log.lines("WARN", "did not finish").size(), log.text());
            assertEquals(1, log.lines("WARN", "never finished").size(), log.text());
        } finally {
            swapped.set(false);
            // a writer comes and goes (opening read-write never blocks): the stuck opens return, the
            // reads see the end of the file
            java.nio.channels.FileChannel.open(fifo, java.nio.file.StandardOpenOption.READ,
                    java.nio.file.StandardOpenOption.WRITE).close();
            await().alias("reader threads left inside a read").atMost(DEADLINE).until(HostileRoutersDirTest::noReadStuck);
        }
        // released, the readers work again: the file that could not start its read is read on the next scan
        assertTimeoutPreemptively(DEADLINE, () -> files.scan(() -> false));
        Snapshot s = files.publish(Snapshot.empty(dir), true).snapshot();
        assertEquals(Set.of(A, B), s.routers().keySet(), () -> "bad files: " + s.badFiles());
        assertEquals(DocumentReads.MAX_STUCK_READS, s.badFiles().size(), () -> "bad files: " + s.badFiles());
        assertTrue(noReadStuck(), "no reader thread left inside a read");
    }

    /** Whether no reader thread is inside a read (idle ones wait for work, a stuck one is in native open). */
    static boolean noReadStuck() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().equals(DocumentReads.READER_THREAD))
                .noneMatch(e -> java.util.Arrays.stream(e.getValue()).anyMatch(f -> f.getMethodName().equals("readAllBytes")));
    }

    /* ---------------------------------------------------------------- ownership of routers_dir */

    @Test
    void aRoutersDirAnotherAccountCanChangeIsAWarningAtActivationAndOnEveryConfigurationChange() throws Exception {
        plant("a.json", doc(A, true));
        FileRouterRegistry r = start(props(dir));
        assertEquals(Set.of(A), ids(r), "the registry still works");
        List<String> warned = log.lines("WARN", "routers_dir " + dir + " is writable by another account: " + dir
                + " belongs to nobody");
        assertEquals(1, warned.size(), () -> "one WARN line at activation:\n" + log.text());
        assertTrue(warned.get(0).contains("decides which routers this agent manages"), warned.get(0));
        HealthResult h = r.check();
        assertEquals(HealthResult.Status.WARN, h.status(), h.message());
        assertTrue(h.message().startsWith("1 routers from " + dir + "; " + dir + " belongs to nobody"), h.message());

        // fixed, then the configuration changes (same routers_dir): checked again, OK
        Files.getFileAttributeView(dir, PosixFileAttributeView.class).setOwner(rootUser());
        r.modified(props(dir));
        assertEquals(HealthResult.Status.OK, r.check().status(), r.check().message());
        assertEquals(1, log.lines("WARN", "belongs to nobody").size(), () -> "no new warning:\n" + log.text());

        // writable by another group: warned on the next configuration change
        Files.getFileAttributeView(dir, PosixFileAttributeView.class).setGroup(nogroup);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxr-x"));
        r.modified(props(dir));
        assertEquals(1, log.lines("WARN", "routers_dir " + dir + " is writable by another account", "writable by group nogroup")
                .size(), log.text());
        assertEquals(HealthResult.Status.WARN, r.check().status(), r.check().message());
        assertTrue(r.check().message().contains("writable by group nogroup"), r.check().message());

        // a new routers_dir of root's: OK
        Path mine = Files.createDirectory(tmp.resolve("mine"));
        r.modified(props(mine));
        assertEquals(HealthResult.Status.OK, r.check().status(), r.check().message());
    }

    /* ---------------------------------------------------------------- configuration keys */

    @Test
    void unknownKeysAreNamedInAWarningAndKnownOnesAreNot() throws Exception {
        Path mine = Files.createDirectory(tmp.resolve("mine"));
        Map<String, Object> p = props(mine);
        p.put("routers_dri", "/elsewhere");
        p.put("ha_vrrp_advert_int", "2");                       // org.l3ha.agent's, merged by DS
        p.put("felix.fileinstall.filename", "file:/etc/x.cfg"); // the framework's
        p.put("evil\u001bkey", "x");
        FileRouterRegistry r = start(p);
        List<String> warned = log.lines("WARN", "unknown configuration keys");
        assertEquals(1, warned.size(), () -> "one WARN line:\n" + log.text());
        String line = warned.get(0);
        assertTrue(line.contains("'evil\\x1bkey', 'routers_dri'") && line.contains("org.l3ha.registry.file"), line);
        assertFalse(line.contains("ha_vrrp_advert_int") || line.contains("felix") || line.contains("state_path")
                || line.contains("'routers_dir'") || line.contains("\u001b"), line);
        assertEquals(mine, r.routersDirectory(), "an unknown key changes nothing");

        Map<String, Object> q = props(mine);
        q.put("router_dir", mine.toString());
        r.modified(q);
        assertTrue(log.has("WARN", "unknown configuration key 'router_dir'"), log.text());
        r.modified(props(mine));
        assertEquals(2, log.lines("WARN", "unknown configuration key").size(), "none for a clean configuration");
    }

    /* ---------------------------------------------------------------- subnets radvd cannot advertise */

    @Test
    void anIpv4MappedPrefixIsLeftOutOfTheRouterWithAWarningNamingFileAndField() throws Exception {
        String bad = "{\"id\": \"" + C + "\", \"ha\": true, \"_interfaces\": [{\"id\": \"7d1f0000-aaaa-bbbb-cccc-000000000002\","
                + " \"subnets\": [{\"cidr\": \"2001:db8:1::/64\", \"ipv6_ra_mode\": \"slaac\"},"
                + " {\"id\": \"aaaaaaaa-0000-0000-0000-000000000001\", \"cidr\": \"::ffff:10.0.0.0/104\","
                + " \"ipv6_ra_mode\": \"slaac\"}]}]}";
        plant("c.json", bad);
        FileRouterRegistry r = start(props(dir));

        Router c = r.find(C).orElseThrow();
        assertEquals(List.of("2001:db8:1::/64"), c.interfaces().get(0).subnets().stream().map(s -> s.cidr()).toList());
        assertEquals(Map.of(), r.badFiles(), "the document is not bad: its router is usable");
        assertEquals(1L, r.counters().get("incomplete_files"));
        List<String> warned = log.lines("WARN", "c.json", "router " + C, "_interfaces[0].subnets[1].cidr",
                "'::ffff:10.0.0.0/104'", "IPv4-mapped", "subnet skipped");
        assertEquals(1, warned.size(), () -> "one WARN naming file and field:\n" + log.text());
        assertTrue(r.check().message().contains("1 documents loaded without subnets radvd cannot advertise: c.json"),
                r.check().message());

        // fixed: the subnet comes back, the warning goes
        Path staged = plant(".c.json.tmp", bad.replace("::ffff:10.0.0.0/104", "2001:db8:2::/64"));
        Files.move(staged, dir.resolve("c.json"), ATOMIC_MOVE, REPLACE_EXISTING);
        await().atMost(DEADLINE).until(() -> r.find(C).orElseThrow().interfaces().get(0).subnets().size() == 2);
        assertEquals(0L, r.counters().get("incomplete_files"));
        assertTrue(log.has("INFO", "c.json", "loaded with all its subnets again"), log.text());
    }

    /* ---------------------------------------------------------------- helpers */

    private void assertOneWarn(String... fragments) {
        List<String> lines = log.lines(add(fragments, "WARN"));
        assertEquals(1, lines.size(), () -> "one WARN line with " + List.of(fragments) + ", saw " + lines.size()
                + " in:\n" + log.text());
    }

    private void assertNothingLeaked() {
        String text = log.text();
        for (String secret : List.of(SECRET, "rabbit://", "password", "$y$", "$6$", "root:")) {
            assertFalse(text.contains(secret), () -> "'" + secret + "' reached the log:\n" + text);
        }
        assertFalse(text.contains("\u001b"), () -> "a raw ESC reached the log:\n" + text.replace("\u001b", "<ESC>"));
        assertFalse(text.lines().anyMatch(l -> l.startsWith("FAKE")), () -> "a file name split a log line:\n" + text);
    }

    private static String[] add(String[] a, String first) {
        String[] b = new String[a.length + 1];
        b[0] = first;
        System.arraycopy(a, 0, b, 1, a.length);
        return b;
    }

    /** A regular file in routers_dir, the other account's. */
    private Path plant(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        own(f);
        return f;
    }

    /** A symbolic link in routers_dir, the other account's (the link itself, lchown). */
    private Path plantLink(String name, Path target) throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve(name), target);
        ownLink(link);
        return link;
    }

    private Path plantFifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo: " + out);
        own(fifo);
        return fifo;
    }

    private void own(Path p) throws IOException {
        Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody);
    }

    private void ownLink(Path link) throws IOException {
        Files.getFileAttributeView(link, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody);
        assertEquals("nobody", Files.getOwner(link, LinkOption.NOFOLLOW_LINKS).getName());
    }

    private UserPrincipal rootUser() throws IOException {
        return tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("root");
    }

    private FileRouterRegistry start(Map<String, Object> props) {
        FileRouterRegistry r = new FileRouterRegistry(props, FileRouterRegistryTest.FAST);
        started.add(r);
        return r;
    }

    private Map<String, Object> props(Path routersDir) {
        Map<String, Object> p = new HashMap<>();
        p.put("state_path", tmp.toString());
        p.put("routers_dir", routersDir.toString());
        p.put("component.name", FileRouterRegistry.PID);
        return p;
    }
}
