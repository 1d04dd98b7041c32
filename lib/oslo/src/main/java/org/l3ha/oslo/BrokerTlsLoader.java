package org.l3ha.oslo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import org.l3ha.common.ConfigException;
import org.l3ha.common.ConfigReader;
import org.l3ha.common.LogText;
import org.l3ha.oslo.OsloSettings.TlsOptions;

/**
 * Makes a {@link BrokerTls} of one configuration's TLS options: reads the files of
 * {@code ssl_ca_file}, {@code ssl_cert_file} and {@code ssl_key_file} once, checks what they hold
 * (PEM, a key that belongs to the certificate, expiry, who may read the key) and makes the
 * {@link SSLContext} with the {@link BrokerTrustManager}.
 */
final class BrokerTlsLoader {
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.OTHERS_READ);

    private BrokerTlsLoader() {
    }

    /**
     * Reads the TLS files of a configuration and makes the context.
     *
     * @param options enabled TLS options
     * @param warnings receives what works but should be fixed (an expired client certificate, a
     *        key file others can read)
     * @throws ConfigException naming the key and path of every file that cannot be read or used,
     *         and why; never any of a file's content
     */
    static BrokerTls load(TlsOptions options, List<String> warnings) {
        if (!options.enabled()) {
            throw new IllegalArgumentException("TLS is not enabled");
        }
        ConfigReader problems = new ConfigReader(OsloSettings.PID, java.util.Map.of());
        MessageDigest sha = sha256();
        sha.update(options.toString().getBytes(StandardCharsets.UTF_8));

        KeyStore trust = null;
        String trustSource = "the JVM's default trust store (ssl_ca_file is empty)";
        if (options.caFile() != null) {
            byte[] ca = read(problems, OsloSettings.SSL_CA_FILE, options.caFile());
            if (ca != null) {
                sha.update(ca);
                try {
                    List<X509Certificate> cas = Pem.certificates(ca);
                    trust = emptyKeyStore();
                    int i = 0;
                    for (X509Certificate c : cas) {
                        trust.setCertificateEntry("ca-" + i++, c);
                        if (expired(c)) {
                            warnings.add("oslo reporter: ssl_ca_file " + LogText.quote(options.caFile().toString(), 200)
                                    + " holds a certificate that expired on " + c.getNotAfter().toInstant() + " ("
                                    + BrokerTls.subject(c) + ")");
                        }
                    }
                    trustSource = "ssl_ca_file " + LogText.path(options.caFile());
                } catch (IllegalArgumentException e) {
                    problems.problem(OsloSettings.SSL_CA_FILE, options.caFile().toString(), e.getMessage());
                } catch (GeneralSecurityException e) {
                    problems.problem(OsloSettings.SSL_CA_FILE, options.caFile().toString(),
                            "cannot be used as a trust store (" + e.getClass().getSimpleName() + ")");
                }
            }
        }

        KeyManager[] keyManagers = null;
        X509Certificate clientCertificate = null;
        if (options.certFile() != null) {
            byte[] certBytes = read(problems, OsloSettings.SSL_CERT_FILE, options.certFile());
            byte[] keyBytes = options.keyFile() == null ? certBytes
                    : read(problems, OsloSettings.SSL_KEY_FILE, options.keyFile());
            List<X509Certificate> chain = null;
            PrivateKey key = null;
            if (certBytes != null) {
                sha.update(certBytes);
                try {
                    chain = Pem.certificates(certBytes);
                } catch (IllegalArgumentException e) {
                    problems.problem(OsloSettings.SSL_CERT_FILE, options.certFile().toString(), e.getMessage());
                }
            }
            if (keyBytes != null) {
                String keyName = options.keyFile() == null ? OsloSettings.SSL_CERT_FILE : OsloSettings.SSL_KEY_FILE;
                Path keyPath = options.keyFile() == null ? options.certFile() : options.keyFile();
                if (options.keyFile() != null) {
                    sha.update(keyBytes);
                }
                try {
                    if (options.keyFile() == null && !Pem.hasPrivateKey(keyBytes)) {
                        problems.problem(OsloSettings.SSL_KEY_FILE, "", "is empty and " + OsloSettings.SSL_CERT_FILE + " "
                                + LogText.quote(options.certFile().toString(), 200) + " holds no private key; set "
                                + OsloSettings.SSL_KEY_FILE + " to the client certificate's key");
                    } else {
                        key = Pem.privateKey(keyBytes);
                        warnIfOthersCanRead(keyName, keyPath, warnings);
                    }
                } catch (IllegalArgumentException e) {
                    problems.problem(keyName, keyPath.toString(), e.getMessage());
                }
            }
            if (chain != null && key != null) {
                clientCertificate = chain.get(0);
                if (!matches(key, clientCertificate)) {
                    problems.problem(options.keyFile() == null ? OsloSettings.SSL_CERT_FILE : OsloSettings.SSL_KEY_FILE,
                            (options.keyFile() == null ? options.certFile() : options.keyFile()).toString(),
                            "holds a key that does not belong to the certificate in " + OsloSettings.SSL_CERT_FILE
                                    + " (" + BrokerTls.subject(clientCertificate) + ")");
                } else {
                    if (expired(clientCertificate)) {
                        warnings.add("oslo reporter: the client certificate in ssl_cert_file "
                                + LogText.quote(options.certFile().toString(), 200) + " (" + BrokerTls.subject(clientCertificate)
                                + ") expired on " + clientCertificate.getNotAfter().toInstant()
                                + "; the broker will refuse it");
                    }
                    try {
                        KeyStore ks = emptyKeyStore();
                        char[] password = HexFormat.of().formatHex(randomBytes(16)).toCharArray();
                        ks.setKeyEntry("client", key, password, chain.toArray(new X509Certificate[0]));
                        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                        kmf.init(ks, password);
                        keyManagers = kmf.getKeyManagers();
                    } catch (GeneralSecurityException e) {
                        problems.problem(OsloSettings.SSL_CERT_FILE, options.certFile().toString(),
                                "cannot be used as a client certificate with its key (" + e.getClass().getSimpleName()
                                        + ")");
                    }
                }
            }
        }

        SSLContext context = null;
        String[] protocols = new String[0];
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            X509ExtendedTrustManager pkix = null;
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager) {
                    pkix = (X509ExtendedTrustManager) tm;
                }
            }
            if (pkix == null) {
                throw new NoSuchAlgorithmException("no X509ExtendedTrustManager");
            }
            context = SSLContext.getInstance("TLS");
            context.init(keyManagers, new TrustManager[] {new BrokerTrustManager(pkix, trustSource)}, null);
            List<String> supported = Arrays.asList(context.getSupportedSSLParameters().getProtocols());
            protocols = options.protocols().stream().filter(supported::contains).toArray(String[]::new);
            if (protocols.length == 0) {
                problems.problem(OsloSettings.SSL_VERSION, options.version(), "names no protocol this JVM supports");
            }
        } catch (GeneralSecurityException e) {
            problems.problem(OsloSettings.SSL, "true", "cannot set up TLS in this JVM (" + e + ")");
        }
        problems.done();
        return new BrokerTls(options, context, protocols, trustSource, clientCertificate, sha.digest());
    }

    private static byte[] read(ConfigReader problems, String key, Path path) {
        try {
            if (Files.isDirectory(path)) {
                problems.problem(key, path.toString(), "is a directory, not a PEM file");
                return null;
            }
            if (Files.exists(path) && !Files.isRegularFile(path)) {
                problems.problem(key, path.toString(), "is not a regular file");
                return null;
            }
            if (Files.size(path) > BrokerTls.MAX_FILE_BYTES) {
                problems.problem(key, path.toString(), "is larger than " + BrokerTls.MAX_FILE_BYTES + " bytes; not a PEM file");
                return null;
            }
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            problems.problem(key, path.toString(), "cannot be read: no such file");
        } catch (AccessDeniedException e) {
            problems.problem(key, path.toString(), "cannot be read: permission denied");
        } catch (IOException | SecurityException e) {
            problems.problem(key, path.toString(), "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        return null;
    }

    private static void warnIfOthersCanRead(String key, Path path, List<String> warnings) {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path);
            if (mode.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
                warnings.add("oslo reporter: " + key + " " + LogText.quote(path.toString(), 200) + " holds a private key"
                        + " and is readable by its group or others (" + java.nio.file.attribute.PosixFilePermissions
                                .toString(mode) + "); make it readable by its owner only (chmod 600)");
            }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // no POSIX permissions to check
        }
    }

    /** Whether the private key belongs to the certificate's public key (a signature it makes verifies). */
    private static boolean matches(PrivateKey key, X509Certificate cert) {
        if (key instanceof RSAKey && cert.getPublicKey() instanceof RSAKey) {
            return ((RSAKey) key).getModulus().equals(((RSAKey) cert.getPublicKey()).getModulus());
        }
        String algorithm;
        switch (key.getAlgorithm()) {
            case "EC":
                algorithm = "SHA256withECDSA";
                break;
            case "EdDSA":
            case "Ed25519":
            case "Ed448":
                algorithm = "EdDSA";
                break;
            default:
                return key.getAlgorithm().equals(cert.getPublicKey().getAlgorithm());
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(cert.getPublicKey());
            verify.update(probe);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static KeyStore emptyKeyStore() throws GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        return ks;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean expired(X509Certificate c) {
        return c.getNotAfter().toInstant().isBefore(Instant.now());
    }
}
