package org.l3ha.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.common.testing.Exec;
import org.l3ha.itests.support.Journal;
import org.l3ha.itests.support.KarafAssembly;
import org.l3ha.itests.support.Pids;

/**
 * The built assembly, run as root, against an account that can write its {@code state_path} and
 * {@code routers_dir} (here {@code nobody}, as {@code neutron} on a Debian node): every attack of
 * the security review, repeated by that account with {@code setpriv}, must fail, and the agent
 * must go on serving.
 */
class SecurityIT {
    static final String R1 = "5ec0a11e-1111-4111-8111-000000000001";
    static final String R2 = "5ec0a11e-2222-4222-8222-000000000002";
    static final String SECRET = "S3cret-of-root-4711";
    static final String DOCUMENT_SECRET = "rabbit://neutron:S3cret-in-a-document@ctl1:5672/";
    static final String BROKER_PASSWORD = "Br0ker-Passw0rd-0815";

    @TempDir
    Path work;

    KarafAssembly karaf;
    Path state;
    Path routers;
    Path rootOnly;
    final List<Process> attackers = new ArrayList<>();

    @BeforeEach
    void node() throws Exception {
        // the attacker must reach state_path and routers_dir: the scratch tree is traversable
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        state = Files.createDirectory(work.resolve("state"));
        routers = Files.createDirectory(work.resolve("routers"));
        run("chown", "nobody:", state.toString(), routers.toString());
        rootOnly = Files.createDirectory(work.resolve("root-only"));
        Files.setPosixFilePermissions(rootOnly, PosixFilePermissions.fromString("rwx------"));
        karaf = KarafAssembly.unpack(work.resolve("karaf"));
        karaf.configureAgent(state, "security-node", routers);
        karaf.setAgent("check_child_processes_interval", "1");
        karaf.setAgent("state_pth", "/typo");
    }

    @AfterEach
    void cleanUp() {
        attackers.forEach(Process::destroyForcibly);
        if (karaf != null) {
            karaf.close();
        }
    }

    /** Runs {@code script} with sh as nobody, as the account that owns state_path would. */
    void asNobody(String script) throws Exception {
        run("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", "sh", "-c", script);
    }

    @Test
    void whatAnotherAccountPlantsNeverMakesRootRunOverwriteOrRevealAnything() throws Exception {
        Path secretFile = Files.writeString(rootOnly.resolve("password"), SECRET + "\n");
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        Path journalTarget = Files.writeString(rootOnly.resolve("journal-target"), "root's file\n");
        Path stateTarget = Files.createDirectory(rootOnly.resolve("state-target"));
        Path marker = rootOnly.resolve("pwned");

        // attack 3: routers_dir links to root-only files, unparsable documents, a control character in a name
        asNobody("cd " + routers + " && printf '{\"id\": \"" + R1 + "\", \"ha\": true}' > " + R1 + ".json"
                + " && printf '{\"id\": \"" + R2 + "\", \"ha\": true}' > " + R2 + ".json"
                + " && ln -s " + secretFile + " leak.json && ln -s /etc/shadow shadow.json"
                + " && printf '" + DOCUMENT_SECRET + "' > broken.json"
                + " && printf 'x' > \"$(printf 'esc\\033[31m.json')\"");
        // attack 1: a command written into the process monitor's journal
        asNobody("printf '+\\tservice=radvd\\tuuid=" + R1 + "\\tnamespace=\\tpid_file=/tmp/x.pid\\targ=sh\\targ=-c\\targ=touch "
                + marker + "\\n' > " + state.resolve("l3ha-process-monitor.daemons"));
        // attack 2: links where root writes and appends
        asNobody("mkdir -p " + state.resolve("ha_confs") + " && ln -s " + stateTarget + " " + state.resolve("ha_confs/" + R1)
                + " && ln -s " + journalTarget + " " + state.resolve("ha-states.jsonl")
                + " && ln -s " + secretFile + " " + state.resolve("l3ha-engine.pending"));
        // attack 4: a process of the attacker's, carrying the router id, named in R2's pid files
        Process poser = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
                "bash", "-c", "exec -a keepalived-" + R2 + " sleep 600").start();
        attackers.add(poser);
        await().atMost(Duration.ofSeconds(30)).until(() -> Pids.commandLine(poser.pid()).startsWith("keepalived-"));
        asNobody("mkdir -p " + state.resolve("external/pids") + " && echo " + poser.pid() + " > "
                + state.resolve("external/pids/" + R2 + ".pid.radvd") + " && echo " + poser.pid() + " > "
                + state.resolve("external/pids/" + R2 + ".pid.haproxy"));
        // attack 5: the broker password in the reporter's configuration
        karaf.setConfig("org.l3ha.reporter.oslo", "transport_url", "rabbit://neutron:" + BROKER_PASSWORD + "@127.0.0.1:1/");

        karaf.start();
        Path socket = state.resolve("keepalived-state-change");
        karaf.awaitFile(socket, Duration.ofSeconds(120));
        await("routers loaded").atMost(Duration.ofSeconds(60)).until(() -> log().contains("File router registry active"));

        assertEquals(200, Curl.notify(socket, R2, "backup").status());
        assertEquals(200, Curl.notify(socket, R1, "backup").status());
        await("R2 applied (its state file)").atMost(Duration.ofSeconds(60))
                .until(() -> Files.exists(state.resolve("ha_confs/" + R2 + "/state")));
        await("R1's state file refused").atMost(Duration.ofSeconds(60)).until(() -> log().contains(
                state.resolve("ha_confs/" + R1) + " is a symbolic link owned by nobody: not followed"));
        // two monitor passes (every second) after the journal was read
        await("process monitor ran").atMost(Duration.ofSeconds(30)).until(() -> log().contains("Process manager active"));
        String log = log();
        System.out.println("karaf.log, l3ha lines:\n" + String.join("\n", log.lines().filter(l -> l.contains("l3ha")).toList()));

        // 1: nothing from the journal ran
        assertFalse(Files.exists(marker), "the command in the journal was run as root");
        assertTrue(log.contains("Refused 1 line(s) of the daemon journal"), "journal line refused");
        // 2: nothing written through a link
        assertEquals(List.of(), list(stateTarget), "a state file was written through ha_confs/<id>");
        assertEquals("root's file\n", Files.readString(journalTarget), "the journal was appended through a link");
        assertTrue(log.contains(state.resolve("ha-states.jsonl") + " is not a regular file (a symbolic link)"),
                "the journal link is a clear error");
        assertTrue(log.contains("l3ha-engine.pending"), "the planted hand-over file is mentioned");
        // 3: no root-only content in the log, control characters escaped
        assertFalse(log.contains(SECRET), "a root-only file leaked into karaf.log");
        assertFalse(log.contains("S3cret-in-a-document"), "an unparsable document's content is in karaf.log");
        assertFalse(log.contains("root:"), "/etc/shadow's first field is in karaf.log");
        assertFalse(log.contains("\u001b"), "a raw ESC reached karaf.log");
        assertTrue(log.contains("esc\\x1b[31m.json"), "the file name is logged escaped");
        // 4: the poser was never signalled
        assertTrue(poser.isAlive(), "the process posing as R2's radvd/haproxy was killed");
        assertTrue(log.contains("names a process that is not that daemon"), "the forged pid file is reported");
        // 5: the broker password is nowhere another account can read, nor in the log
        assertFalse(log.contains(BROKER_PASSWORD), "the broker password is in karaf.log");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(karaf.home().resolve("data"))));
        List<Path> persisted = filesContaining(karaf.home().resolve("data"), BROKER_PASSWORD);
        assertFalse(persisted.isEmpty(), "Karaf persisted the reporter's configuration somewhere under data/");
        for (Path p : persisted) {
            assertFalse(readableBy("nobody", p), p + " holds the broker password and is readable by nobody");
        }
        assertFalse(readableBy("nobody", karaf.home().resolve("etc/org.l3ha.reporter.oslo.cfg")));
        assertFalse(readableBy("nobody", karaf.log()), "karaf.log is readable by other accounts");
        // 6: no shutdown port: nothing but sshd listens, and bin/stop still stops it
        assertEquals(List.of(Integer.parseInt(karaf.config("org.apache.karaf.shell", "sshPort").orElseThrow())),
                listeningPorts(karaf.pids()), "TCP ports Karaf listens on");
        assertFalse(Files.exists(karaf.home().resolve("data/port")), "a shutdown port file was written");
        // the owner of state_path and routers_dir is named, and the typo in the configuration
        assertTrue(log.contains(state + " belongs to nobody"), "state_path writable by another account is warned about");
        assertTrue(log.contains(routers + " belongs to nobody"), "routers_dir writable by another account is warned about");
        assertTrue(log.contains("'state_pth'"), "an unknown key is named");

        assertFalse(log.contains("Circular reference") || log.contains("FrameworkEvent ERROR"), "an OSGi wiring error");

        // the link removed by root, nothing was lost: the journal gets R1's and R2's states
        Files.delete(state.resolve("ha-states.jsonl"));
        Journal journal = new Journal(state.resolve("ha-states.jsonl"));
        await("journal delivered after the link was removed").atMost(Duration.ofSeconds(120))
                .until(() -> "standby".equals(journal.last(R2)));

        run(karaf.home().resolve("bin/stop").toString());
        await("bin/stop stopped Karaf").atMost(Duration.ofSeconds(120)).until(() -> !karaf.isAlive());
    }

    String log() throws IOException {
        return karaf.logText();
    }

    static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    static List<Path> filesContaining(Path dir, String text) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                try {
                    if (new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains(text)) {
                        out.add(p);
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        return out;
    }

    /** @return whether {@code user} can read {@code file} (tried, with cat, as that user) */
    static boolean readableBy(String user, Path file) throws Exception {
        return Exec.run(Duration.ofSeconds(30), null, List.of("setpriv", "--reuid=" + user, "--regid=nogroup", "--clear-groups", "--",
                "cat", file.toString())).ok();
    }

    /** @return the TCP ports on which one of {@code pids} listens (from ss) */
    static List<Integer> listeningPorts(List<Long> pids) throws Exception {
        String out = run("ss", "-Hltnp");
        List<Integer> ports = new ArrayList<>();
        for (String line : out.split("\n")) {
            for (long pid : pids) {
                if (line.contains("pid=" + pid + ",")) {
                    String local = line.trim().split("\\s+")[3];
                    ports.add(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1)));
                }
            }
        }
        return ports.stream().distinct().sorted().toList();
    }

    /** @return the output of {@code command}, which must exit 0 within 120 s */
    static String run(String... command) throws IOException {
        return Exec.ok(Duration.ofSeconds(120), null, List.of(command));
    }
}
