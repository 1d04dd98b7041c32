package org.l3ha.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.common.testing.Exec;
import org.l3ha.itests.support.KarafAssembly;
import org.l3ha.itests.support.Pids;

/**
 * What README's "Console access" and "Running it as a service" tell an operator, against the built
 * assembly: a console user in {@code etc/users.properties} and a public key in
 * {@code etc/keys.properties} with the {@code ssh} role only; {@code bin/l3ha <command>} run as a
 * script or cron runs it (a process with {@code /dev/null} as standard input and no terminal)
 * prints the command's output and exits non-zero when the command fails; Karaf started as the
 * systemd unit starts it ({@code KARAF_EXEC=exec}: the JVM is the unit's main process) stops
 * cleanly on SIGTERM within the unit's {@code TimeoutStopSec}; and the unit passes
 * {@code systemd-analyze verify}.
 */
class OperatorAccessIT {
    static final String ROUTER = "0b2c6e3a-1111-2222-3333-444455556666";
    /** One command run by bin/l3ha: well within the client's own timeouts. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(90);
    static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");

    @TempDir
    Path work;

    KarafAssembly karaf;

    @AfterEach
    void cleanUp() throws IOException {
        if (karaf != null) {
            // a client JVM bin/l3ha left behind (it must leave none: checked in the test), then Karaf
            Pids.kill(clients());
            karaf.close();
        }
    }

    @Test
    void aCommandGivenAsArgumentPrintsItsOutputAndFailuresExitNonZeroWithoutATerminal() throws Exception {
        Path state = work.resolve("state");
        Path routers = work.resolve("routers");
        Files.createDirectories(routers);
        Files.writeString(routers.resolve(ROUTER + ".json"), "{\"id\": \"" + ROUTER + "\", \"ha\": true, \"distributed\": false}");
        karaf = KarafAssembly.unpack(work.resolve("karaf"));
        karaf.configureAgent(state, "ops-node", routers);
        Path home = karaf.home();
        Path l3ha = home.resolve("bin/l3ha");
        assertTrue(Files.isExecutable(l3ha), "the assembly ships bin/l3ha, executable: " + l3ha);

        // as shipped there is no console user: bin/l3ha says so and what to do, without trying to log in
        Exec.Result none = l3ha(List.of("l3ha:health"));
        assertEquals(1, none.exit(), "no console user yet: " + none.out());
        assertTrue(none.out().contains("no console user") && none.out().contains("users.properties"), none.out());

        // README: a user with the ssh role (password in etc/users.properties) ...
        Files.writeString(home.resolve("etc/users.properties"), "\nops = ops-secret-1,ssh\n", StandardCharsets.ISO_8859_1,
                StandardOpenOption.APPEND);
        // ... and a public key with the ssh role (etc/keys.properties), its private key a file of root's
        Path key = work.resolve("l3ha-ops.key");
        Files.writeString(home.resolve("etc/keys.properties"), "\nkeyops = " + rsaKey(key) + ",ssh\n", StandardCharsets.ISO_8859_1,
                StandardOpenOption.APPEND);
        List<String> withKey = List.of("-u", "keyops", "-k", key.toString());

        // started as the systemd unit starts it: bin/karaf execs the JVM
        karaf.start(List.of("env", "KARAF_EXEC=exec"));
        karaf.awaitFile(state.resolve("keepalived-state-change"), Duration.ofSeconds(120));

        // ssh and the l3ha:* commands come up in the boot stage: until then bin/l3ha fails (non-zero, and says why)
        AtomicReference<Exec.Result> last = new AtomicReference<>();
        karaf.await("bin/l3ha l3ha:health to print the verdict", Duration.ofSeconds(120), () -> {
            Exec.Result r = l3ha(List.of("l3ha:health"));
            last.set(r);
            return r.exit() == 0 && r.out().contains("l3ha health: ");
        }, () -> "last bin/l3ha l3ha:health: " + describe(last.get()));

        // the password user, found by bin/client in etc/users.properties (run as root)
        Exec.Result health = l3ha(List.of("l3ha:health"));
        assertEquals(0, health.exit(), describe(health));
        assertTrue(Pattern.compile("(?m)^l3ha health: (OK|WARN|CRITICAL)\\b").matcher(health.out()).find(), "verdict line: " + describe(health));
        assertTrue(health.out().contains("listening on " + state.resolve("keepalived-state-change")), "endpoint check: " + describe(health));
        assertFalse(health.out().contains("Closed"), describe(health));

        // --fail-on: the verdict decides the exit status, for a monitoring script
        java.util.regex.Matcher verdictLine = Pattern.compile("(?m)^l3ha health: (OK|WARN|CRITICAL)\\b").matcher(health.out());
        assertTrue(verdictLine.find(), describe(health));
        List<String> order = List.of("OK", "WARN", "CRITICAL");
        int verdict = order.indexOf(verdictLine.group(1));
        for (String threshold : List.of("WARN", "CRITICAL")) {
            Exec.Result checked = l3ha(List.of("l3ha:health", "--fail-on", threshold));
            boolean shouldFail = verdict >= order.indexOf(threshold);
            assertEquals(shouldFail, checked.exit() != 0, "--fail-on " + threshold + " with " + verdictLine.group(1) + ": " + describe(checked));
            assertTrue(checked.out().contains("l3ha health: "), "prints the verdict first: " + describe(checked));
            if (shouldFail) {
                assertTrue(plain(checked.out()).contains("l3ha health is " + verdictLine.group(1) + " (--fail-on " + threshold + ")"),
                        describe(checked));
            }
        }
        Exec.Result badThreshold = l3ha(List.of("l3ha:health", "--fail-on", "sometimes"));
        assertNotEquals(0, badThreshold.exit(), describe(badThreshold));
        assertTrue(plain(badThreshold.out()).contains("--fail-on takes WARN or CRITICAL, not 'sometimes'"), describe(badThreshold));

        // the key user
        Exec.Result byKey = l3ha(concat(withKey, List.of("l3ha:router", ROUTER)));
        assertEquals(0, byKey.exit(), describe(byKey));
        assertTrue(byKey.out().contains("Router:          " + ROUTER), describe(byKey));
        Exec.Result stats = l3ha(concat(withKey, List.of("l3ha:stats")));
        assertEquals(0, stats.exit(), describe(stats));
        assertTrue(stats.out().contains("endpoint:") && stats.out().contains("accepted = "), describe(stats));

        // failures: non-zero, the error on the output
        Exec.Result unknown = l3ha(List.of("l3ha:no-such-command"));
        assertNotEquals(0, unknown.exit(), describe(unknown));
        assertTrue(plain(unknown.out()).contains("Command not found: l3ha:no-such-command"), describe(unknown));
        Exec.Result missing = l3ha(concat(withKey, List.of("l3ha:router")));
        assertNotEquals(0, missing.exit(), describe(missing));
        assertTrue(plain(missing.out()).contains("argument router is required"), describe(missing));
        Exec.Result notKnown = l3ha(List.of("l3ha:router", "00000000-0000-4000-8000-0000000000aa"));
        assertNotEquals(0, notKnown.exit(), describe(notKnown));
        assertTrue(plain(notKnown.out()).contains("Router 00000000-0000-4000-8000-0000000000aa is not known"), describe(notKnown));
        Exec.Result badOption = l3ha(List.of("l3ha:routers", "--no-such-option"));
        assertNotEquals(0, badOption.exit(), describe(badOption));
        assertTrue(plain(badOption.out()).contains("--no-such-option"), describe(badOption));

        // the ssh role alone gives the l3ha:* commands, not the ones that change the container (ACL: manager/admin)
        Exec.Result stop = l3ha(concat(withKey, List.of("bundle:stop", "org.l3ha.engine")));
        assertNotEquals(0, stop.exit(), describe(stop));
        assertTrue(plain(stop.out()).contains("Command not found: bundle:stop"), describe(stop));
        assertEquals(0, l3ha(List.of("l3ha:health")).exit(), "the engine still runs");

        // a wrong key or user: non-zero, the reason on the output
        Exec.Result wrongUser = l3ha(List.of("-u", "nobody-here", "-k", key.toString(), "l3ha:health"));
        assertNotEquals(0, wrongUser.exit(), describe(wrongUser));
        assertFalse(wrongUser.out().contains("l3ha health:"), describe(wrongUser));

        // every bin/l3ha above has ended with its client (it execs it: a timeout's kill reaches the JVM)
        assertEquals(List.of(), clients(), "client JVMs of bin/l3ha still running");

        // why bin/l3ha: Karaf's own client given the command as an argument, stdin at its end
        // (it has also been seen to hang: Exec kills it, the JVM itself, at the timeout; that counts as failing too)
        Exec.Result client;
        try {
            client = Exec.run(Duration.ofSeconds(30), null, List.of("env", "JAVA_HOME=" + System.getProperty("java.home"),
                    home.resolve("bin/client").toString(), "l3ha:health"));
        } catch (IOException hung) {
            client = new Exec.Result(-1, hung.getMessage());
        }
        assertFalse(client.ok() && client.out().contains("l3ha health:"),
                "Karaf's bin/client now runs a command given as an argument with standard input at its end (was: \"Closed\", exit 1);"
                        + " bin/l3ha's workaround and README's note on it may go: " + describe(client));

        // the unit's main process is the JVM itself, and SIGTERM to it alone stops Karaf cleanly within TimeoutStopSec
        List<Long> pids = karaf.pids();
        assertEquals(1, pids.size(), "KARAF_EXEC=exec: one process, the JVM: " + pids);
        assertTrue(Pids.commandLine(pids.get(0)).contains("org.apache.karaf.main.Main"), Pids.commandLine(pids.get(0)));
        karaf.stop(Duration.ofSeconds(unitSeconds(home, "TimeoutStopSec")));
        assertFalse(Files.exists(state.resolve("keepalived-state-change")), "a clean stop removes the socket");

        // the agent gone: non-zero, and the client's reason
        Exec.Result down = l3ha(List.of("l3ha:health"));
        assertNotEquals(0, down.exit(), describe(down));
        assertFalse(down.out().contains("l3ha health:"), describe(down));
    }

    @Test
    void theSystemdUnitPassesSystemdAnalyzeVerify() throws Exception {
        Optional<Path> analyze = onPath("systemd-analyze");
        assumeTrue(analyze.isPresent(), "systemd-analyze is not installed (package systemd): the unit bin/contrib/l3ha.service was not verified");
        karaf = KarafAssembly.unpack(work.resolve("karaf"));
        Path home = karaf.home();
        Path shipped = home.resolve("bin/contrib/l3ha.service");
        assertTrue(Files.isRegularFile(shipped), "the assembly ships " + shipped);
        assertEquals(PosixFilePermissions.fromString("rw-r--r--"), Files.getPosixFilePermissions(shipped),
                "a unit marked executable is a warning of systemd");
        String unit = Files.readString(shipped, StandardCharsets.UTF_8);
        assertTrue(unit.contains("\nExecStart=/opt/l3ha/bin/karaf server\n"), unit);
        for (String line : List.of("User=root", "Environment=KARAF_EXEC=exec", "KillMode=process", "Restart=on-failure",
                "SuccessExitStatus=143")) {
            assertTrue(unit.contains("\n" + line + "\n"), "unit has " + line + ":\n" + unit);
        }
        // stop: the engine's 10 + 2 s, the endpoint's 2 + 2 s and the notifier's 5 s, with room
        assertTrue(unitSeconds(home, "TimeoutStopSec") >= 2 * (12 + 4 + 5), unit);
        // the endpoint's 1,024 connections and a haproxy's 2 x maxconn 1024, with room
        assertTrue(unitSeconds(home, "LimitNOFILE") >= 4096, unit);

        // what README says: copy it, point ExecStart at the unpacked assembly (here the test's copy)
        Path dir = Files.createDirectories(work.resolve("systemd"));
        Path installed = dir.resolve("l3ha.service");
        Files.writeString(installed, unit.replace("/opt/l3ha", home.toString()), StandardCharsets.UTF_8);
        Exec.Result verify = Exec.run(Duration.ofSeconds(60), null, List.of(analyze.get().toString(), "verify", installed.toString()));
        List<String> aboutIt = verify.out().lines().filter(l -> l.contains("l3ha.service")).toList();
        assertTrue(verify.ok() && aboutIt.isEmpty(), "systemd-analyze verify " + installed + ": " + describe(verify));

        // the same check fails for a unit whose ExecStart does not exist (the tool does check here)
        Path broken = dir.resolve("l3ha-broken.service");
        Files.writeString(broken, unit.replace("/opt/l3ha", work.resolve("not-there").toString()), StandardCharsets.UTF_8);
        Exec.Result control = Exec.run(Duration.ofSeconds(60), null, List.of(analyze.get().toString(), "verify", broken.toString()));
        assertFalse(control.ok() && control.out().lines().noneMatch(l -> l.contains("l3ha-broken.service")),
                "systemd-analyze verify did not notice a missing ExecStart, so it checked nothing: " + describe(control));
    }

    /** Runs {@code bin/l3ha args} as a script or cron would: stdin /dev/null, no terminal. */
    private Exec.Result l3ha(List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of("env", "JAVA_HOME=" + System.getProperty("java.home"),
                karaf.home().resolve("bin/l3ha").toString()));
        command.addAll(args);
        return Exec.run(COMMAND_TIMEOUT, null, command);
    }

    /** @return the pids of Karaf client JVMs of this test's assembly */
    private List<Long> clients() {
        return Pids.withCommandLine("org.apache.karaf.client.Main", karaf.home().toString());
    }

    private static String describe(Exec.Result r) {
        return r == null ? "(not run)" : "exit " + r.exit() + ", output:\n" + r.out();
    }

    private static String plain(String s) {
        return ANSI.matcher(s).replaceAll("");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return Stream.concat(a.stream(), b.stream()).toList();
    }

    /** @return the number {@code key=} has in the shipped unit */
    private static long unitSeconds(Path home, String key) throws IOException {
        return Files.readAllLines(home.resolve("bin/contrib/l3ha.service"), StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith(key + "=")).map(l -> Long.parseLong(l.substring(key.length() + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("the unit has no " + key));
    }

    private static Optional<Path> onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Writes a new RSA private key (PKCS#8 PEM, mode 0600) to {@code file}, as {@code ssh-keygen -t rsa}
     * would for an operator.
     *
     * @return its public key as etc/keys.properties wants it: the base64 of OpenSSH's {@code ssh-rsa} blob
     */
    private static String rsaKey(Path file) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(3072);
        KeyPair pair = g.generateKeyPair();
        Files.createFile(file, PosixFilePermissions.asFileAttribute(java.util.Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
        RSAPublicKey pub = (RSAPublicKey) pair.getPublic();
        byte[] type = "ssh-rsa".getBytes(StandardCharsets.US_ASCII);
        byte[] e = pub.getPublicExponent().toByteArray();
        byte[] n = pub.getModulus().toByteArray();
        ByteBuffer blob = ByteBuffer.allocate(12 + type.length + e.length + n.length);
        blob.putInt(type.length).put(type).putInt(e.length).put(e).putInt(n.length).put(n);
        assertTrue(pub.getModulus().compareTo(BigInteger.ZERO) > 0);
        return Base64.getEncoder().encodeToString(blob.array());
    }
}
