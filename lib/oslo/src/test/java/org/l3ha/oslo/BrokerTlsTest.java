package org.l3ha.oslo;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.l3ha.common.ConfigException;
import org.l3ha.oslo.OsloSettings.TlsOptions;
import org.l3ha.oslo.testing.TestPki.Issued;
import org.l3ha.oslo.testing.TestPki.KeyKind;
import org.l3ha.oslo.testing.TestPki;

/** Reading the TLS files (PEM without BouncyCastle) and the configuration errors about them; no broker. */
class BrokerTlsTest {
    @TempDir
    static Path dir;
    private static TestPki pki;
    private static Issued client;

    @BeforeAll
    static void pki() throws IOException {
        pki = new TestPki(dir, "unit");
        client = pki.client("client", "l3ha-agent net-1", KeyKind.PKCS8_RSA);
    }

    private static TlsOptions tls(Path ca, Path cert, Path key) {
        return new TlsOptions(true, "", TlsOptions.DEFAULT_PROTOCOLS, ca, cert, key);
    }

    private static ConfigException refused(TlsOptions options) {
        return assertThrows(ConfigException.class, () -> BrokerTls.load(options, new ArrayList<>()));
    }

    /** The message names key and path, and holds no line of the file. */
    private static void assertNamesWithoutContent(ConfigException e, String key, Path file) throws IOException {
        String m = e.getMessage();
        assertTrue(m.contains(key + "='" + file + "'"), m);
        if (Files.isRegularFile(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
                if (line.length() >= 16 && !line.startsWith("-----")) {
                    assertFalse(m.contains(line.substring(0, 16)), "file content in the message: " + m);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(KeyKind.class)
    void everyKeyFormatOpensslWritesIsRead(KeyKind kind) throws IOException {
        Issued c = pki.client("client-" + kind, "agent " + kind, kind);
        List<String> warnings = new ArrayList<>();
        BrokerTls tls = BrokerTls.load(tls(pki.caCert, c.cert(), c.key()), warnings);
        assertEquals("CN=agent " + kind, tls.clientCertificate().getSubjectX500Principal().getName());
        assertTrue(tls.describe().contains("client certificate CN=agent " + kind), tls.describe());
        assertTrue(tls.describe().contains("ssl_ca_file " + pki.caCert), tls.describe());
    }

    @Test
    void withoutCaFileTheJvmsTrustStoreIsUsedAndWithoutCertNoClientCertificate() {
        BrokerTls tls = BrokerTls.load(tls(null, null, null), new ArrayList<>());
        assertNull(tls.clientCertificate());
        assertTrue(tls.describe().contains("the JVM's default trust store"), tls.describe());
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), tls.protocols());
        assertEquals(List.of("TLSv1.2"), BrokerTls.load(new TlsOptions(true, "TLSv1_2", List.of("TLSv1.2"), null, null,
                null), new ArrayList<>()).protocols());
    }

    @Test
    void theKeyMayBeInTheCertificateFile() throws IOException {
        Path both = dir.resolve("both.pem");
        Files.write(both, (Files.readString(client.cert()) + Files.readString(client.key())).getBytes());
        BrokerTls tls = BrokerTls.load(tls(pki.caCert, both, null), new ArrayList<>());
        assertEquals("CN=l3ha-agent net-1", tls.clientCertificate().getSubjectX500Principal().getName());
        ConfigException e = refused(tls(pki.caCert, client.cert(), null));
        assertTrue(e.getMessage().contains("ssl_key_file='' is empty and ssl_cert_file '" + client.cert()
                + "' holds no private key"), e.getMessage());
    }

    @Test
    void encryptedKeysAreAClearConfigurationError() throws IOException {
        for (Path encrypted : List.of(pki.encryptedPkcs8(client.key()), pki.encryptedPkcs1(client.key()))) {
            ConfigException e = refused(tls(pki.caCert, client.cert(), encrypted));
            assertTrue(e.getMessage().contains("holds an encrypted private key, which l3ha cannot use"), e.getMessage());
            assertNamesWithoutContent(e, "ssl_key_file", encrypted);
        }
    }

    @Test
    void filesThatCannotBeReadAreNamedWithKeyAndPath() throws Exception {
        Path missing = dir.resolve("missing.pem");
        ConfigException e = refused(tls(missing, null, null));
        assertEquals(List.of("ssl_ca_file='" + missing + "' cannot be read: no such file"), e.problems());

        e = refused(tls(dir, null, null));
        assertEquals(List.of("ssl_ca_file='" + dir + "' is a directory, not a PEM file"), e.problems());

        Path fifo = dir.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        e = refused(tls(pki.caCert, client.cert(), fifo)); // never blocks on a FIFO
        assertEquals(List.of("ssl_key_file='" + fifo + "' is not a regular file"), e.problems());
    }

    @Test
    void filesThatAreNotWhatTheKeySaysAreNamedWithoutTheirContent() throws IOException {
        Path notPem = dir.resolve("not-pem.txt");
        Files.writeString(notPem, "password = hunter2-and-more-secret-text\n");
        ConfigException e = refused(tls(notPem, null, null));
        assertEquals(List.of("ssl_ca_file='" + notPem + "' holds no certificate (no -----BEGIN CERTIFICATE----- block)"),
                e.problems());
        assertFalse(e.getMessage().contains("hunter2"));

        e = refused(tls(pki.caCert, client.cert(), notPem));
        assertTrue(e.getMessage().contains("ssl_key_file='" + notPem + "' holds no private key"), e.getMessage());

        Path badBase64 = dir.resolve("bad-base64.pem");
        String key = Files.readString(client.key());
        Files.writeString(badBase64, key.replaceFirst("\n[A-Za-z0-9+/]{10}", "\n!!!!secret"));
        e = refused(tls(pki.caCert, client.cert(), badBase64));
        assertTrue(e.getMessage().contains("is not valid PEM: block 1 (PRIVATE KEY) is not valid base64"), e.getMessage());
        assertNamesWithoutContent(e, "ssl_key_file", badBase64);

        Path truncated = dir.resolve("truncated.pem");
        Files.writeString(truncated, key.substring(0, key.indexOf("-----END")));
        e = refused(tls(pki.caCert, client.cert(), truncated));
        assertTrue(e.getMessage().contains("has no END line"), e.getMessage());

        Path garbage = dir.resolve("garbage-cert.pem");
        Files.writeString(garbage, "-----BEGIN CERTIFICATE-----\nTUlJQmFkQ2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        e = refused(tls(garbage, null, null));
        assertTrue(e.getMessage().contains("holds a certificate that cannot be parsed (PEM block 1"), e.getMessage());
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws IOException {
        Issued other = pki.client("other", "someone else", KeyKind.SEC1_EC);
        ConfigException e = refused(tls(pki.caCert, client.cert(), other.key()));
        assertTrue(e.getMessage().contains("ssl_key_file='" + other.key() + "' holds a key that does not belong to the"
                + " certificate in ssl_cert_file (CN=l3ha-agent net-1)"), e.getMessage());
    }

    @Test
    void everyBadFileIsReportedAtOnce() {
        ConfigException e = refused(tls(dir.resolve("no-ca"), dir.resolve("no-cert"), dir.resolve("no-key")));
        assertEquals(3, e.problems().size(), e.getMessage());
    }

    @Test
    void aKeyOthersCanReadIsAWarning() throws IOException {
        Files.setPosixFilePermissions(client.key(), PosixFilePermissions.fromString("rw-r--r--"));
        List<String> warnings = new ArrayList<>();
        BrokerTls.load(tls(pki.caCert, client.cert(), client.key()), warnings);
        assertTrue(warnings.stream().anyMatch(w -> w.contains("readable by its group or others")), warnings.toString());
        Files.setPosixFilePermissions(client.key(), PosixFilePermissions.fromString("rw-------"));
        warnings.clear();
        BrokerTls.load(tls(pki.caCert, client.cert(), client.key()), warnings);
        assertEquals(List.of(), warnings);
    }

    @Test
    void theSameFilesReadAgainAreTheSameAndChangedOnesAreNot() throws IOException {
        Path ca = dir.resolve("rotating-ca.pem");
        Files.copy(pki.caCert, ca, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        BrokerTls first = BrokerTls.load(tls(ca, null, null), new ArrayList<>());
        assertTrue(first.sameAs(BrokerTls.load(tls(ca, null, null), new ArrayList<>())));
        TestPki other = new TestPki(dir, "rotated");
        Files.copy(other.caCert, ca, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertFalse(first.sameAs(BrokerTls.load(tls(ca, null, null), new ArrayList<>())));
        assertFalse(first.sameAs(null));
    }

    @Test
    void aBrokerSetupReadsTheTlsFilesOnlyWhenAskedAndComparesTheirContents() throws IOException {
        List<String> warnings = new ArrayList<>();
        BrokerSetup plain = BrokerSetup.load(Map.of("host", "h", "transport_url", "rabbit://u:p@localhost/"), warnings);
        assertNull(plain.tls());
        assertTrue(plain.sameAs(plain.settings(), null));
        BrokerSetup inactive = BrokerSetup.load(Map.of("host", "h", "ssl", "true", "ssl_ca_file", "/nonexistent"), warnings);
        assertNull(inactive.tls(), "no transport_url: the TLS files are not read");

        Map<String, String> tlsProps = Map.of("host", "h", "transport_url", "rabbit://u:p@localhost/", "ssl", "true",
                "ssl_ca_file", pki.caCert.toString());
        BrokerSetup first = BrokerSetup.load(tlsProps, warnings);
        assertNotNull(first.tls());
        assertFalse(plain.sameAs(first.settings(), first.tls()));
        assertTrue(BrokerSetup.load(tlsProps, warnings).sameAs(first.settings(), first.tls()), "same settings, same files");
        assertThrows(ConfigException.class, () -> BrokerSetup.load(Map.of("host", "h", "transport_url",
                "rabbit://u:p@localhost/", "ssl", "true", "ssl_ca_file", dir.resolve("missing.pem").toString()), warnings));
        assertThrows(ConfigException.class, () -> BrokerSetup.load(Map.of("host", "h", "transport_url", "amqp://x/"), warnings));
    }

    @Test
    void settingsAndFilesTogether() {
        OsloSettings s = OsloSettings.parse(Map.of("host", "h", "transport_url", "rabbit://u:p@localhost/",
                "ssl", "true", "ssl_ca_file", pki.caCert.toString()));
        BrokerTls tls = BrokerTls.load(s.tls(), new ArrayList<>());
        assertTrue(tls.describe().startsWith("TLS (TLSv1.3/TLSv1.2, broker certificate and host name verified"),
                tls.describe());
    }
}
