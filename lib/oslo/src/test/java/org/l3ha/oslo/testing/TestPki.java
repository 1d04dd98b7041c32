package org.l3ha.oslo.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A test certificate authority made with the {@code openssl} command line: keys of every kind
 * l3ha reads (PKCS#8 RSA and EC, PKCS#1 RSA, SEC1 EC, encrypted ones), server certificates for
 * given names and validity (an expired one included) and client certificates. Everything is
 * written under one directory the caller owns (a JUnit temporary directory).
 */
public final class TestPki {
    /** How a key is generated and written. */
    public enum KeyKind {
        /** {@code BEGIN PRIVATE KEY}, RSA 2048. */
        PKCS8_RSA,
        /** {@code BEGIN RSA PRIVATE KEY}. */
        PKCS1_RSA,
        /** {@code BEGIN EC PRIVATE KEY}, P-256, without an EC PARAMETERS block. */
        SEC1_EC,
        /** {@code BEGIN EC PARAMETERS} then {@code BEGIN EC PRIVATE KEY} ({@code openssl ecparam -genkey}). */
        SEC1_EC_WITH_PARAMETERS,
        /** {@code BEGIN PRIVATE KEY}, EC P-256. */
        PKCS8_EC
    }

    /** A certificate and its key. */
    public record Issued(Path cert, Path key) {
    }

    private static final long TIMEOUT_SECONDS = 120;

    public final Path dir;
    public final String name;
    public final Path caCert;
    private final Path caKey;
    private final Path config;

    /** Makes a new CA named {@code l3ha test CA <name>} under {@code dir/<name>}. */
    public TestPki(Path base, String name) throws IOException {
        this.dir = Files.createDirectories(base.resolve(name));
        this.name = name;
        this.caKey = key(KeyKind.PKCS8_RSA, "ca");
        this.caCert = dir.resolve("ca.pem");
        openssl("req", "-x509", "-new", "-key", caKey.toString(), "-out", caCert.toString(), "-days", "30",
                "-subj", "/CN=l3ha test CA " + name, "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        Files.createDirectories(dir.resolve("issued"));
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("serial"), "1000\n");
        this.config = dir.resolve("ca.cnf");
        Files.writeString(config, String.join("\n",
                "[ ca ]", "default_ca = test",
                "[ test ]", "dir = " + dir, "database = " + dir.resolve("index.txt"),
                "new_certs_dir = " + dir.resolve("issued"), "serial = " + dir.resolve("serial"),
                "default_md = sha256", "policy = any", "unique_subject = no", "copy_extensions = none",
                "[ any ]", "commonName = supplied", ""));
    }

    /** @return a new key of that kind in {@code <label>.key} */
    public Path key(KeyKind kind, String label) throws IOException {
        Path key = dir.resolve(label + ".key");
        switch (kind) {
            case PKCS8_RSA:
                openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.toString());
                break;
            case PKCS1_RSA:
                openssl("genrsa", "-traditional", "-out", key.toString(), "2048");
                break;
            case SEC1_EC:
                openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString());
                break;
            case SEC1_EC_WITH_PARAMETERS:
                openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", key.toString());
                break;
            case PKCS8_EC:
                openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
                break;
            default:
                throw new IllegalArgumentException(kind.toString());
        }
        return key;
    }

    /** A server certificate valid from now on for 30 days, for the names of {@code san} ({@code DNS:localhost,IP:127.0.0.1}). */
    public Issued server(String label, String cn, String san) throws IOException {
        return issue(label, cn, KeyKind.PKCS8_RSA, "serverAuth", san, null, null);
    }

    /** A server certificate that expired long ago. */
    public Issued expiredServer(String label, String cn, String san) throws IOException {
        return issue(label, cn, KeyKind.PKCS8_RSA, "serverAuth", san, "20200101000000Z", "20200201000000Z");
    }

    /** A client certificate (30 days) with a key of that kind. */
    public Issued client(String label, String cn, KeyKind kind) throws IOException {
        return issue(label, cn, kind, "clientAuth", null, null, null);
    }

    private Issued issue(String label, String cn, KeyKind kind, String usage, String san, String start, String end)
            throws IOException {
        Path key = key(kind, label);
        Path csr = dir.resolve(label + ".csr");
        Path cert = dir.resolve(label + ".pem");
        Path ext = dir.resolve(label + ".ext");
        List<String> lines = new ArrayList<>(List.of("[ v3 ]", "basicConstraints = CA:FALSE",
                "keyUsage = critical,digitalSignature,keyEncipherment,keyAgreement", "extendedKeyUsage = " + usage));
        if (san != null) {
            lines.add("subjectAltName = " + san);
        }
        Files.writeString(ext, String.join("\n", lines) + "\n");
        openssl("req", "-new", "-key", key.toString(), "-subj", "/CN=" + cn, "-out", csr.toString());
        List<String> args = new ArrayList<>(List.of("ca", "-batch", "-config", config.toString(), "-cert",
                caCert.toString(), "-keyfile", caKey.toString(), "-in", csr.toString(), "-out", cert.toString(),
                "-extfile", ext.toString(), "-extensions", "v3", "-notext"));
        if (start != null) {
            args.addAll(List.of("-startdate", start, "-enddate", end));
        } else {
            args.addAll(List.of("-days", "30"));
        }
        openssl(args.toArray(new String[0]));
        return new Issued(cert, key);
    }

    /** @return the key written encrypted as PKCS#8 ({@code BEGIN ENCRYPTED PRIVATE KEY}) */
    public Path encryptedPkcs8(Path key) throws IOException {
        Path out = dir.resolve(UUID.randomUUID() + "-enc8.key");
        openssl("pkey", "-in", key.toString(), "-aes256", "-passout", "pass:l3ha-test", "-out", out.toString());
        return out;
    }

    /** @return the RSA key written encrypted as legacy PKCS#1 ({@code Proc-Type: 4,ENCRYPTED}) */
    public Path encryptedPkcs1(Path key) throws IOException {
        Path out = dir.resolve(UUID.randomUUID() + "-enc1.key");
        openssl("rsa", "-in", key.toString(), "-aes256", "-traditional", "-passout", "pass:l3ha-test", "-out",
                out.toString());
        return out;
    }

    /** @return a PKCS#12 file of the certificate and key with password {@code l3ha-test} (the tests' own client) */
    public Path pkcs12(Issued issued) throws IOException {
        Path out = dir.resolve(UUID.randomUUID() + ".p12");
        openssl("pkcs12", "-export", "-in", issued.cert().toString(), "-inkey", issued.key().toString(), "-out",
                out.toString(), "-passout", "pass:l3ha-test");
        return out;
    }

    /** Runs {@code openssl} in {@link #dir}; fails with its output if it fails. */
    public void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(Arrays.asList(args));
        Path log = Files.createTempFile(dir, "openssl", ".log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("openssl did not finish within " + TIMEOUT_SECONDS + " s: " + command);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(command + " exited with " + p.exitValue() + ": "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        Files.delete(log);
    }
}
