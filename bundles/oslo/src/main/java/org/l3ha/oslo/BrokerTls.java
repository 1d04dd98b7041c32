package org.l3ha.oslo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
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
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

import org.l3ha.common.ConfigException;
import org.l3ha.common.ConfigReader;
import org.l3ha.common.LogText;
import org.l3ha.oslo.OsloSettings.TlsOptions;

/**
 * TLS to the broker for one configuration: the files of {@code ssl_ca_file}, {@code ssl_cert_file}
 * and {@code ssl_key_file} read once (by {@link #load}), and the {@link SSLContext} made of them,
 * used for every connection and reconnection of one {@link OsloClient}.
 *
 * <ul>
 * <li>The broker's certificate chain is verified against {@code ssl_ca_file}, or the JVM's default
 *     trust store when it is empty, and its name against the host connected to (the transport
 *     URL's host: a DNS name, or an IP address that must be an IP entry of the certificate).
 *     Neither can be turned off.</li>
 * <li>With {@code ssl_cert_file} (and {@code ssl_key_file}, or the key inside the certificate
 *     file) l3ha presents a client certificate (mutual TLS).</li>
 * <li>Protocols: {@code ssl_version}'s one, or TLS 1.3 and 1.2.</li>
 * </ul>
 *
 * <p>A failed handshake is never retried without TLS: {@link #explain} turns it into one line
 * that names the broker's host and port and the cause. Immutable and thread-safe; the one mutable
 * part, the socket last set up on each thread (to name the broker in {@link #explain}), is per
 * thread.
 */
public final class BrokerTls {
    /** A PEM file larger than this is not one. */
    public static final int MAX_FILE_BYTES = 1 << 20;
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.OTHERS_READ);

    private final TlsOptions options;
    private final SSLContext context;
    private final String[] protocols;
    private final String trustSource;
    private final X509Certificate clientCertificate;
    private final byte[] digest;
    private final ThreadLocal<SSLSocket> lastSocket = new ThreadLocal<>();
    /**
     * Whether the broker's certificate was accepted in the handshake this thread ran last (the
     * handshake runs on the connecting thread): a connection closed after that, with no client
     * certificate offered, was refused for the lack of one, even when the close reached the client
     * before its side of the handshake had completed.
     */
    private static final ThreadLocal<Boolean> BROKER_ACCEPTED = new ThreadLocal<>();

    private BrokerTls(TlsOptions options, SSLContext context, String[] protocols, String trustSource,
            X509Certificate clientCertificate, byte[] digest) {
        this.options = options;
        this.context = context;
        this.protocols = protocols;
        this.trustSource = trustSource;
        this.clientCertificate = clientCertificate;
        this.digest = digest;
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
    public static BrokerTls load(TlsOptions options, List<String> warnings) {
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
                                    + subject(c) + ")");
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
                                    + " (" + subject(clientCertificate) + ")");
                } else {
                    if (expired(clientCertificate)) {
                        warnings.add("oslo reporter: the client certificate in ssl_cert_file "
                                + LogText.quote(options.certFile().toString(), 200) + " (" + subject(clientCertificate)
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

    /** @return whether both were made of the same options and file contents (re-reading found nothing new) */
    public boolean sameAs(BrokerTls other) {
        return other != null && MessageDigest.isEqual(digest, other.digest);
    }

    public SSLContext context() {
        return context;
    }

    /** @return the protocols offered */
    public List<String> protocols() {
        return List.of(protocols);
    }

    /** @return the client certificate presented, null without one */
    public X509Certificate clientCertificate() {
        return clientCertificate;
    }

    /** @return e.g. {@code TLS (TLSv1.3/TLSv1.2, broker verified against ssl_ca_file /etc/..., client certificate CN=...)} */
    public String describe() {
        return "TLS (" + String.join("/", protocols) + ", broker certificate and host name verified against " + trustSource
                + (clientCertificate == null ? "" : ", client certificate " + subject(clientCertificate)) + ")";
    }

    /**
     * Sets a socket up before it connects: host name verification and the protocols. Called by the
     * RabbitMQ client on the thread that then connects and shakes hands; remembered for
     * {@link #explain}.
     */
    public void configure(Socket socket) {
        if (!(socket instanceof SSLSocket)) {
            return;
        }
        SSLSocket ssl = (SSLSocket) socket;
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setProtocols(protocols);
        ssl.setSSLParameters(p);
        lastSocket.set(ssl);
        BROKER_ACCEPTED.remove();
    }

    /** @return protocol and cipher suite of the socket this thread last set up, e.g. {@code TLSv1.3 TLS_AES_256_GCM_SHA384}; null if none */
    public String negotiated() {
        SSLSocket s = lastSocket.get();
        SSLSession session = s == null ? null : s.getSession();
        return session == null || "NONE".equals(session.getProtocol()) ? null
                : session.getProtocol() + " " + session.getCipherSuite();
    }

    /** Forgets the socket this thread last set up (after a connection attempt). */
    public void forgetSocket() {
        lastSocket.remove();
        BROKER_ACCEPTED.remove();
    }

    /**
     * @param failure why a connection attempt failed
     * @param hosts the brokers tried, named when it is unknown which one failed last
     * @return {@code TLS handshake with <host>:<port> failed: <cause>}, or null when the failure
     *         is not about TLS (refused, unreachable, timed out before TLS)
     */
    public String explain(Throwable failure, String hosts) {
        String reason = reason(failure);
        if (reason == null) {
            return null;
        }
        return "TLS handshake with " + peer(hosts) + " failed: " + reason;
    }

    private String reason(Throwable failure) {
        SSLException ssl = null;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BrokerCertificateException) {
                return t.getMessage();
            }
            if (ssl == null && t instanceof SSLException) {
                ssl = (SSLException) t;
            }
        }
        if (ssl == null) {
            return closedAfterHandshake(failure);
        }
        String msg = LogText.escape(String.valueOf(ssl.getMessage()));
        if (msg.contains("Unsupported or unrecognized SSL message") || msg.contains("plaintext")) {
            return "the broker did not answer with TLS; is this a plaintext AMQP port? (" + msg + ")";
        }
        if (msg.contains("certificate_required")
                || (clientCertificate == null && (msg.contains("bad_certificate") || msg.contains("handshake_failure")))) {
            return "the broker requires a client certificate; set ssl_cert_file and ssl_key_file (" + msg + ")";
        }
        if (clientCertificate != null && (msg.contains("unknown_ca") || msg.contains("bad_certificate")
                || msg.contains("certificate_unknown") || msg.contains("certificate_expired")
                || msg.contains("certificate_revoked") || msg.contains("access_denied"))) {
            return "the broker refused l3ha's client certificate (" + subject(clientCertificate) + ", ssl_cert_file "
                    + LogText.path(options.certFile()) + "): " + msg;
        }
        if (msg.contains("protocol_version") || msg.contains("No appropriate protocol")) {
            return "the broker accepts none of the TLS versions l3ha offers (" + String.join(", ", protocols) + "; "
                    + OsloSettings.SSL_VERSION + " " + LogText.quote(options.version(), 40) + "): " + msg;
        }
        return ssl.getClass().getSimpleName() + ": " + msg;
    }

    /**
     * With TLS 1.3 the broker checks the client certificate after the client has finished its side
     * of the handshake; a broker that refuses it (or its absence) then closes the connection, and
     * the client sees a reset or an end of stream instead of an alert, depending on timing.
     *
     * @return the reason when the socket this thread set up last completed a TLS 1.3 handshake and
     *         the attempt then failed on a closed connection; null otherwise
     */
    private String closedAfterHandshake(Throwable failure) {
        SSLSocket s = lastSocket.get();
        if (s == null || !s.isConnected()) {
            return null;
        }
        // the handshake has completed (then this returns its session) or failed (the null session):
        // either way getSession() returns at once instead of starting one
        SSLSession session = s.getSession();
        boolean accepted = Boolean.TRUE.equals(BROKER_ACCEPTED.get());
        if (!accepted && (session == null || !"TLSv1.3".equals(session.getProtocol()))) {
            return null;
        }
        Throwable closed = null;
        for (Throwable t = failure; t != null && closed == null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.SocketException || t instanceof java.io.EOFException) {
                closed = t;
            }
        }
        if (closed == null) {
            return null;
        }
        String what = closed.getClass().getSimpleName() + (closed.getMessage() == null ? "" : ": "
                + LogText.escape(closed.getMessage()));
        if (clientCertificate == null) {
            return "the broker requires a client certificate; set ssl_cert_file and ssl_key_file (it closed the"
                    + " connection right after accepting its certificate in the TLS handshake: " + what + ")";
        }
        return "the broker closed the connection right after the TLS handshake (" + what + "), which is how it"
                + " refuses a client certificate: does it trust the CA of " + subject(clientCertificate)
                + " (ssl_cert_file " + LogText.path(options.certFile()) + ")?";
    }

    private String peer(String hosts) {
        SSLSocket s = lastSocket.get();
        SocketAddress a = s == null ? null : s.getRemoteSocketAddress();
        if (a instanceof InetSocketAddress) {
            InetSocketAddress isa = (InetSocketAddress) a;
            String host = isa.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + isa.getPort();
        }
        return hosts;
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
            if (Files.size(path) > MAX_FILE_BYTES) {
                problems.problem(key, path.toString(), "is larger than " + MAX_FILE_BYTES + " bytes; not a PEM file");
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

    /** @return the certificate's subject, escaped for a log line */
    public static String subject(X509Certificate c) {
        return LogText.escape(c.getSubjectX500Principal().getName());
    }

    /** The names a certificate is valid for, e.g. {@code DNS:rabbit1, IP:10.0.0.5}; its CN if it has none. */
    public static String names(X509Certificate c) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = c.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    Object type = san.get(0);
                    if (Integer.valueOf(2).equals(type)) {
                        names.add("DNS:" + san.get(1));
                    } else if (Integer.valueOf(7).equals(type)) {
                        names.add("IP:" + san.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // fall back to the subject
        }
        return names.isEmpty() ? "no subject alternative name, subject " + subject(c) : LogText.escape(String.join(", ",
                names));
    }

    /** A rejected broker certificate, with the reason in words. */
    public static final class BrokerCertificateException extends CertificateException {
        private static final long serialVersionUID = 1L;

        BrokerCertificateException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The JVM's PKIX trust manager (chain and, through the socket's parameters, host name), whose
     * refusals are put in words: expired, not yet valid, not signed by a trusted CA, or issued for
     * another host. Only server certificates are checked here.
     */
    private static final class BrokerTrustManager extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        private final String trustSource;

        BrokerTrustManager(X509ExtendedTrustManager delegate, String trustSource) {
            this.delegate = delegate;
            this.trustSource = trustSource;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            try {
                delegate.checkServerTrusted(chain, authType, socket);
            } catch (CertificateException e) {
                throw new BrokerCertificateException(explain(chain, authType, e, peerHost(socket)), e);
            }
            BROKER_ACCEPTED.set(Boolean.TRUE);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            try {
                delegate.checkServerTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                throw new BrokerCertificateException(explain(chain, authType, e,
                        engine == null ? null : engine.getPeerHost()), e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            // no socket: JSSE always passes one; without it no host name could be checked
            throw new CertificateException("l3ha checks broker certificates only with the host name");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("l3ha does not accept TLS clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("l3ha does not accept TLS clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("l3ha does not accept TLS clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }

        private String explain(X509Certificate[] chain, String authType, CertificateException e, String host) {
            if (chain == null || chain.length == 0) {
                return "the broker sent no certificate";
            }
            X509Certificate leaf = chain[0];
            Instant now = Instant.now();
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
                    for (X509Certificate c : chain) {
                        String which = c == leaf ? "the broker's certificate (" + subject(c) + ")"
                                : "the certificate " + subject(c) + " in the broker's chain";
                        if (c.getNotAfter().toInstant().isBefore(now)) {
                            return which + " expired on " + c.getNotAfter().toInstant();
                        }
                        if (c.getNotBefore().toInstant().isAfter(now)) {
                            return which + " is not valid before " + c.getNotBefore().toInstant();
                        }
                    }
                    return "a certificate of the broker's chain is outside its validity period (" + t.getMessage() + ")";
                }
            }
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
                    return "the broker's certificate (" + subject(leaf) + ", issued by "
                            + LogText.escape(leaf.getIssuerX500Principal().getName()) + ") is not signed by a CA in "
                            + trustSource + " (" + LogText.escape(String.valueOf(t.getMessage())) + ")";
                }
            }
            try {
                delegate.checkServerTrusted(chain, authType); // the chain alone, without the host name
                return "host name mismatch: the broker's certificate (" + subject(leaf) + ") is for " + names(leaf)
                        + ", not for " + (host == null ? "the host connected to" : LogText.escape(host));
            } catch (CertificateException chainToo) {
                return "the broker's certificate (" + subject(leaf) + ") is not trusted: "
                        + LogText.escape(String.valueOf(e.getMessage()));
            }
        }

        private static String peerHost(Socket socket) {
            if (socket instanceof SSLSocket) {
                SSLSession session = ((SSLSocket) socket).getHandshakeSession();
                if (session != null && session.getPeerHost() != null) {
                    return session.getPeerHost();
                }
            }
            return socket == null || socket.getInetAddress() == null ? null : socket.getInetAddress().getHostAddress();
        }
    }
}
