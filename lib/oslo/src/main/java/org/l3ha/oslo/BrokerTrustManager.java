package org.l3ha.oslo;

import java.net.Socket;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;

import org.l3ha.common.LogText;

/**
 * The JVM's PKIX trust manager (chain and, through the socket's parameters, host name), whose
 * refusals are put in words: expired, not yet valid, not signed by a trusted CA, or issued for
 * another host. Only server certificates are checked here.
 */
final class BrokerTrustManager extends X509ExtendedTrustManager {
    /**
     * Whether the broker's certificate was accepted in the handshake this thread ran last (the
     * handshake runs on the connecting thread): a connection closed after that, with no client
     * certificate offered, was refused for the lack of one, even when the close reached the client
     * before its side of the handshake had completed.
     */
    private static final ThreadLocal<Boolean> BROKER_ACCEPTED = new ThreadLocal<>();

    private final X509ExtendedTrustManager delegate;
    private final String trustSource;

    BrokerTrustManager(X509ExtendedTrustManager delegate, String trustSource) {
        this.delegate = delegate;
        this.trustSource = trustSource;
    }

    /** @return whether the broker's certificate was accepted in the handshake this thread ran last */
    static boolean acceptedOnThisThread() {
        return Boolean.TRUE.equals(BROKER_ACCEPTED.get());
    }

    /** Forgets that this thread's last handshake accepted the broker's certificate (a new socket). */
    static void forgetAccepted() {
        BROKER_ACCEPTED.remove();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            throw new BrokerTls.BrokerCertificateException(explain(chain, authType, e, peerHost(socket)), e);
        }
        BROKER_ACCEPTED.set(Boolean.TRUE);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        try {
            delegate.checkServerTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            throw new BrokerTls.BrokerCertificateException(explain(chain, authType, e,
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
                    String which = c == leaf ? "the broker's certificate (" + BrokerTls.subject(c) + ")"
                            : "the certificate " + BrokerTls.subject(c) + " in the broker's chain";
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
                return "the broker's certificate (" + BrokerTls.subject(leaf) + ", issued by "
                        + LogText.escape(leaf.getIssuerX500Principal().getName()) + ") is not signed by a CA in "
                        + trustSource + " (" + LogText.escape(String.valueOf(t.getMessage())) + ")";
            }
        }
        try {
            delegate.checkServerTrusted(chain, authType); // the chain alone, without the host name
            return "host name mismatch: the broker's certificate (" + BrokerTls.subject(leaf) + ") is for " + BrokerTls.names(leaf)
                    + ", not for " + (host == null ? "the host connected to" : LogText.escape(host));
        } catch (CertificateException chainToo) {
            return "the broker's certificate (" + BrokerTls.subject(leaf) + ") is not trusted: "
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
