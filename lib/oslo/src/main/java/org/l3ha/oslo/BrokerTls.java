package org.l3ha.oslo;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

import org.l3ha.common.ConfigException;
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
 *
 * <p>{@link BrokerTlsLoader} reads the files and makes the context; {@link BrokerTrustManager}
 * verifies the broker's certificate and puts a refusal in words. This class sets up each socket
 * and explains a failed handshake.
 */
public final class BrokerTls {
    /** A PEM file larger than this is not one. */
    public static final int MAX_FILE_BYTES = 1 << 20;

    private final TlsOptions options;
    private final SSLContext context;
    private final String[] protocols;
    private final String trustSource;
    private final X509Certificate clientCertificate;
    private final byte[] digest;
    private final ThreadLocal<SSLSocket> lastSocket = new ThreadLocal<>();

    /** Made by {@link BrokerTlsLoader}. */
    BrokerTls(TlsOptions options, SSLContext context, String[] protocols, String trustSource,
            X509Certificate clientCertificate, byte[] digest) {
        this.options = options;
        this.context = context;
        this.protocols = protocols;
        this.trustSource = trustSource;
        this.clientCertificate = clientCertificate;
        this.digest = digest;
    }

    /**
     * Reads the TLS files of a configuration and makes the context ({@link BrokerTlsLoader}).
     *
     * @param options enabled TLS options
     * @param warnings receives what works but should be fixed (an expired client certificate, a
     *        key file others can read)
     * @throws ConfigException naming the key and path of every file that cannot be read or used,
     *         and why; never any of a file's content
     */
    public static BrokerTls load(TlsOptions options, List<String> warnings) {
        return BrokerTlsLoader.load(options, warnings);
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
        BrokerTrustManager.forgetAccepted();
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
        BrokerTrustManager.forgetAccepted();
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
        boolean accepted = BrokerTrustManager.acceptedOnThisThread();
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
}
