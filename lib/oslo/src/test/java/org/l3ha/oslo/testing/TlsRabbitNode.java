package org.l3ha.oslo.testing;

import static org.awaitility.Awaitility.await;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import org.l3ha.oslo.testing.TestPki.Issued;

/**
 * A RabbitMQ node of its own for the TLS tests, beside the machine's one: node name
 * {@code l3ha-tls-<random>@localhost}, its mnesia, log, config, cookie ({@code HOME}) and pid file
 * in a directory of the test, a TLS listener on 127.0.0.1 that requires a client certificate
 * ({@code verify_peer}, {@code fail_if_no_peer_cert}), a plain listener for the "plaintext-only
 * broker" case, and a distribution port of its own, all on free ports. The machine's node, its
 * ports and its configuration files are never used ({@code RABBITMQ_CONF_ENV_FILE} points here
 * too); only the machine's epmd is shared, as every Erlang node on the host does.
 *
 * <p>{@link #close()} stops the node with {@code rabbitmqctl stop}, then kills (by pid) whatever of
 * the processes this class started is still alive, and deletes the directory; a JVM shutdown hook
 * does the killing if the test JVM ends first. Never signals a process by name.
 */
public final class TlsRabbitNode implements AutoCloseable {
    public static final String SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    public static final String CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl";
    public static final Duration START_DEADLINE = Duration.ofMinutes(3);
    public static final Duration CTL_DEADLINE = Duration.ofMinutes(2);
    public static final Duration STOP_DEADLINE = Duration.ofMinutes(1);

    public final Path dir;
    public final String node;
    public final String user = "l3ha";
    public final String password = "pw-" + UUID.randomUUID().toString().replace("-", "");
    public final int tlsPort;
    public final int plainPort;
    private final int distPort;
    private final Path liveCert;
    private final Path liveKey;
    private final Issued initial;
    private final Map<String, String> env;
    private final Set<ProcessHandle> started = new LinkedHashSet<>();
    private final Thread shutdownHook;
    private Process process;

    private TlsRabbitNode(Path dir, TestPki pki, Issued server) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.node = "l3ha-tls-" + UUID.randomUUID().toString().substring(0, 8) + "@localhost";
        int[] ports = freePorts(3);
        this.tlsPort = ports[0];
        this.plainPort = ports[1];
        this.distPort = ports[2];
        this.initial = server;
        this.liveCert = dir.resolve("live-server.pem");
        this.liveKey = dir.resolve("live-server.key");
        Files.copy(server.cert(), liveCert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(server.key(), liveKey, StandardCopyOption.REPLACE_EXISTING);
        for (String sub : List.of("mnesia", "log", "home")) {
            Files.createDirectories(dir.resolve(sub));
        }
        Files.writeString(dir.resolve("enabled_plugins"), "[].\n");
        Files.writeString(dir.resolve("rabbitmq-env.conf"), "");
        Files.writeString(dir.resolve("rabbitmq.conf"), String.join("\n",
                "listeners.tcp.local = 127.0.0.1:" + plainPort,
                "listeners.ssl.local = 127.0.0.1:" + tlsPort,
                "ssl_options.cacertfile = " + pki.caCert,
                "ssl_options.certfile = " + liveCert,
                "ssl_options.keyfile = " + liveKey,
                "ssl_options.verify = verify_peer",
                "ssl_options.fail_if_no_peer_cert = true",
                "default_user = " + user,
                "default_pass = " + password,
                "log.file.level = info",
                "log.console = false",
                ""));
        env = Map.ofEntries(
                Map.entry("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
                Map.entry("LANG", "C.UTF-8"),
                Map.entry("HOME", dir.resolve("home").toString()),
                Map.entry("RABBITMQ_NODENAME", node),
                Map.entry("RABBITMQ_CONF_ENV_FILE", dir.resolve("rabbitmq-env.conf").toString()),
                Map.entry("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString()),
                Map.entry("RABBITMQ_ADVANCED_CONFIG_FILE", dir.resolve("advanced.config").toString()),
                Map.entry("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString()),
                Map.entry("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString()),
                Map.entry("RABBITMQ_LOG_BASE", dir.resolve("log").toString()),
                Map.entry("RABBITMQ_PID_FILE", dir.resolve("node.pid").toString()),
                Map.entry("RABBITMQ_DIST_PORT", String.valueOf(distPort)),
                Map.entry("ERL_EPMD_ADDRESS", "127.0.0.1"));
        shutdownHook = new Thread(this::killStarted, "l3ha-test-rabbit-node-kill");
    }

    /**
     * Starts the node with {@code server} as its certificate and waits (up to
     * {@link #START_DEADLINE}) until a TLS AMQP connection with {@code admin}'s certificate works.
     *
     * @throws IllegalStateException with the node's log tail if it does not come up
     */
    public static TlsRabbitNode start(Path dir, TestPki pki, Issued server, Issued admin) throws IOException {
        TlsRabbitNode n = new TlsRabbitNode(dir, pki, server);
        try {
            n.launch(pki, admin);
            return n;
        } catch (IOException | RuntimeException | Error e) {
            n.close();
            throw e;
        }
    }

    private void launch(TestPki pki, Issued admin) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(SERVER).directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(dir.resolve("stderr.txt").toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        process = pb.start();
        started.add(process.toHandle());
        SSLContext ssl = adminContext(pki, admin);
        try {
            await("RabbitMQ node " + node + " accepting TLS connections on 127.0.0.1:" + tlsPort)
                    .atMost(START_DEADLINE).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> {
                        remember();
                        if (!process.isAlive()) {
                            throw new IllegalStateException("rabbitmq-server exited with " + process.exitValue());
                        }
                        ConnectionFactory f = new ConnectionFactory();
                        f.setHost("localhost");
                        f.setPort(tlsPort);
                        f.setUsername(user);
                        f.setPassword(password);
                        f.useSslProtocol(ssl);
                        f.enableHostnameVerification();
                        f.setAutomaticRecoveryEnabled(false);
                        f.setConnectionTimeout(5000);
                        try (Connection c = f.newConnection("l3ha-test-ready")) {
                            return c.isOpen();
                        }
                    });
        } catch (RuntimeException e) {
            throw new IllegalStateException("RabbitMQ node " + node + " did not come up within " + START_DEADLINE
                    + " (" + e.getMessage() + "); its log ends with:\n" + logTail(40), e);
        }
        remember();
    }

    /** The test's own TLS client (the JDK's PKCS#12 and X.509 readers, not l3ha's code), for readiness. */
    private static SSLContext adminContext(TestPki pki, Issued admin) throws IOException {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(pki.pkcs12(admin).toFile())) {
                keys.load(in, "l3ha-test".toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "l3ha-test".toCharArray());
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(pki.caCert)) {
                trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** @return {@code rabbit://l3ha:<password>@<host>:<port>/} */
    public String url(String host, int port) {
        return "rabbit://" + user + ":" + password + "@" + host + ":" + port + "/";
    }

    /**
     * Makes the TLS listener present another certificate from the next handshake on (the files
     * are replaced and Erlang's PEM cache cleared, as RabbitMQ's docs say for rotation).
     */
    public void useServerCertificate(Issued server) throws IOException {
        Files.copy(server.cert(), liveCert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(server.key(), liveKey, StandardCopyOption.REPLACE_EXISTING);
        ctl("eval", "ssl:clear_pem_cache().");
    }

    /** Back to the certificate the node started with. */
    public void restoreServerCertificate() throws IOException {
        useServerCertificate(initial);
    }

    /** @return the rows of {@code rabbitmqctl list_connections <items>}, tab-separated, without headers */
    public List<String> connections(String... items) throws IOException {
        List<String> args = new ArrayList<>(List.of("-q", "list_connections", "--no-table-headers"));
        args.addAll(List.of(items));
        List<String> rows = new ArrayList<>();
        for (String line : ctl(args.toArray(new String[0])).split("\n")) {
            if (!line.isBlank()) {
                rows.add(line);
            }
        }
        return rows;
    }

    /** Runs {@code rabbitmqctl -n <node> args}; fails with its output if it fails. */
    public String ctl(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(CTL, "-n", node));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "ctl", ".out");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(CTL_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException("rabbitmqctl " + args[0] + " did not finish within " + CTL_DEADLINE);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        Files.deleteIfExists(out);
        if (p.exitValue() != 0) {
            throw new IOException("rabbitmqctl " + String.join(" ", args) + " exited with " + p.exitValue() + ": " + text);
        }
        return text;
    }

    /** @return the last lines of the node's log (and its stderr), for a failure message */
    public String logTail(int lines) {
        StringBuilder sb = new StringBuilder();
        for (Path p : List.of(dir.resolve("log").resolve(node + ".log"), dir.resolve("stderr.txt"),
                dir.resolve("stdout.txt"))) {
            try {
                List<String> all = Files.readAllLines(p, StandardCharsets.UTF_8);
                sb.append("== ").append(p.getFileName()).append('\n');
                all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> sb.append(l).append('\n'));
            } catch (IOException e) {
                sb.append("== ").append(p.getFileName()).append(": ").append(e).append('\n');
            }
        }
        return sb.toString();
    }

    /** Adds the current descendants of the process started here (they are reparented once it exits). */
    private void remember() {
        if (process != null) {
            process.descendants().forEach(started::add);
        }
    }

    @Override
    public void close() {
        remember();
        if (process != null && process.isAlive()) {
            try {
                ctl("stop");
            } catch (IOException | RuntimeException e) {
                // killed below
            }
        }
        long deadline = System.nanoTime() + STOP_DEADLINE.toNanos();
        for (ProcessHandle h : started) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                try {
                    h.onExit().get(left, TimeUnit.NANOSECONDS);
                } catch (Exception e) {
                    // killed below
                }
            }
        }
        killStarted();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // the JVM is exiting, or the hook was never added
        }
        deleteRecursively(dir);
    }

    /** SIGKILL to every process started here that is still alive (by pid, never by name). */
    private void killStarted() {
        for (ProcessHandle h : started) {
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
        for (ProcessHandle h : started) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // nothing more to do
            }
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // JUnit's temporary directory removal tries again
                }
            });
        } catch (IOException e) {
            // as above
        }
    }

    private static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                open.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : open) {
                s.close();
            }
        }
        return ports;
    }
}
