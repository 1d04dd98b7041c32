package org.l3ha.oslo;

import static org.l3ha.oslo.OsloSettings.DEPRECATED;
import static org.l3ha.oslo.OsloSettings.SSL;
import static org.l3ha.oslo.OsloSettings.SSL_CA_FILE;
import static org.l3ha.oslo.OsloSettings.SSL_CERT_FILE;
import static org.l3ha.oslo.OsloSettings.SSL_ENFORCE_HOSTNAME_VERIFICATION;
import static org.l3ha.oslo.OsloSettings.SSL_KEY_FILE;
import static org.l3ha.oslo.OsloSettings.SSL_VERSION;
import static org.l3ha.oslo.OsloSettings.TRANSPORT_URL;
import static org.l3ha.oslo.OsloSettings.osloBool;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.l3ha.common.ConfigReader;
import org.l3ha.common.LogText;
import org.l3ha.oslo.OsloSettings.TlsOptions;

/**
 * Reads the TLS options of {@link OsloSettings}: {@code ssl}, {@code ssl_version},
 * {@code ssl_ca_file}, {@code ssl_cert_file}, {@code ssl_key_file} and
 * {@code ssl_enforce_hostname_verification}, under their names or oslo.messaging's deprecated
 * ones, overridden by the transport URL's query as oslo.messaging does. Reads no file.
 */
final class TlsOptionsReader {
    private TlsOptionsReader() {
    }

    /** The TLS options, from the keys (or their deprecated names), overridden by the URL's query as oslo does. */
    static TlsOptions read(ConfigReader r, TransportUrl url, List<String> warnings) {
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(DEPRECATED).entrySet()) {
            deprecated(r, e.getKey(), e.getValue(), warnings);
        }
        String sslRaw = option(r, url, SSL);
        boolean enabled = false;
        if (sslRaw != null) {
            Boolean b = osloBool(sslRaw);
            if (b == null) {
                r.problem(keyOf(r, url, SSL), sslRaw, "must be true or false (oslo.config also takes 1/0, yes/no, on/off)");
            } else {
                enabled = b;
            }
        }
        String hostnameRaw = r.raw(SSL_ENFORCE_HOSTNAME_VERIFICATION);
        if (hostnameRaw != null) {
            Boolean b = osloBool(hostnameRaw);
            if (b == null) {
                r.problem(SSL_ENFORCE_HOSTNAME_VERIFICATION, hostnameRaw, "must be true or false");
            } else if (!b) {
                warnings.add("oslo reporter: " + SSL_ENFORCE_HOSTNAME_VERIFICATION + " = false is ignored: l3ha always"
                        + " verifies that the broker's certificate names the host it connects to");
            }
        }
        String version = option(r, url, SSL_VERSION);
        List<String> protocols = TlsOptions.DEFAULT_PROTOCOLS;
        if (version != null) {
            switch (version.toLowerCase(Locale.ROOT).replace('.', '_')) {
                case "tlsv1_2":
                    protocols = List.of("TLSv1.2");
                    break;
                case "tlsv1_3":
                    protocols = List.of("TLSv1.3");
                    break;
                case "sslv23":
                case "tls":
                    break; // oslo's "negotiate the highest both sides know"
                case "tlsv1":
                case "tlsv1_0":
                case "tlsv1_1":
                case "sslv2":
                case "sslv3":
                    r.problem(keyOf(r, url, SSL_VERSION), version, "is insecure and not supported (SSL, TLS 1.0 and 1.1"
                            + " are disabled); use TLSv1_2, TLSv1_3, or leave it empty for TLS 1.2 and newer");
                    break;
                default:
                    r.problem(keyOf(r, url, SSL_VERSION), version, "must be TLSv1_2, TLSv1_3, SSLv23 or empty");
            }
        }
        Path ca = file(r, url, SSL_CA_FILE);
        Path cert = file(r, url, SSL_CERT_FILE);
        Path key = file(r, url, SSL_KEY_FILE);
        if (enabled && key != null && cert == null) {
            r.problem(keyOf(r, url, SSL_KEY_FILE), key.toString(), "is set but " + SSL_CERT_FILE + " is not (a client"
                    + " certificate needs both, or the key inside " + SSL_CERT_FILE + ")");
        }
        return new TlsOptions(enabled, version == null ? "" : version, protocols, ca, cert, key);
    }

    /**
     * A deprecated name: taken when the new one is absent (WARN: use the new name), a WARN when
     * both say the same, an error when they disagree.
     */
    private static void deprecated(ConfigReader r, String old, String current, List<String> warnings) {
        String oldRaw = r.raw(old);
        if (oldRaw == null) {
            return;
        }
        String newRaw = r.raw(current);
        if (newRaw == null) {
            warnings.add("oslo reporter: '" + old + "' is oslo.messaging's deprecated name of '" + current + "'; it is"
                    + " used, but write '" + current + "' instead");
        } else if (sameValue(current, oldRaw, newRaw)) {
            warnings.add("oslo reporter: '" + old + "' is oslo.messaging's deprecated name of '" + current + "', which"
                    + " is set too; remove '" + old + "'");
        } else {
            r.problem(old, oldRaw, "disagrees with " + current + "=" + LogText.quote(newRaw, 200) + " (" + old
                    + " is its deprecated name); remove " + old);
        }
    }

    private static boolean sameValue(String key, String a, String b) {
        if (key.equals(SSL)) {
            Boolean x = osloBool(a);
            return x != null && x.equals(osloBool(b));
        }
        return a.equals(b);
    }

    /**
     * @return the value of a TLS option: from the URL's query if it has it (oslo.messaging lets it
     *         override the configuration), else the key, else its deprecated name; null if none
     */
    static String option(ConfigReader r, TransportUrl url, String key) {
        if (url != null && url.options().containsKey(key)) {
            return url.options().get(key);
        }
        String v = r.raw(key);
        if (v != null) {
            return v;
        }
        for (Map.Entry<String, String> e : DEPRECATED.entrySet()) {
            if (e.getValue().equals(key)) {
                return r.raw(e.getKey());
            }
        }
        return null;
    }

    /** @return where a TLS option's value came from, for an error message */
    private static String keyOf(ConfigReader r, TransportUrl url, String key) {
        if (url != null && url.options().containsKey(key)) {
            return TRANSPORT_URL + " query parameter " + key;
        }
        if (r.raw(key) == null) {
            for (Map.Entry<String, String> e : DEPRECATED.entrySet()) {
                if (e.getValue().equals(key) && r.raw(e.getKey()) != null) {
                    return e.getKey();
                }
            }
        }
        return key;
    }

    private static Path file(ConfigReader r, TransportUrl url, String key) {
        String s = option(r, url, key);
        if (s == null) {
            return null;
        }
        try {
            Path p = Path.of(s);
            if (!p.isAbsolute()) {
                r.problem(keyOf(r, url, key), s, "must be an absolute path");
                return null;
            }
            return p.normalize();
        } catch (InvalidPathException e) {
            r.problem(keyOf(r, url, key), s, "is not a valid path");
            return null;
        }
    }

    /** Warns when TLS options are set but {@code ssl} is false: the connection is made without TLS. */
    static void warnIfIgnored(ConfigReader r, TransportUrl url, TlsOptions tls, List<String> warnings) {
        if (url == null || tls.enabled()) {
            return;
        }
        List<String> ignored = new ArrayList<>();
        for (String key : List.of(SSL_VERSION, SSL_CA_FILE, SSL_CERT_FILE, SSL_KEY_FILE)) {
            if (option(r, url, key) != null) {
                ignored.add(key);
            }
        }
        if (!ignored.isEmpty()) {
            warnings.add("oslo reporter: " + String.join(", ", ignored) + " set but ssl is false: connecting to "
                    + url + " WITHOUT TLS; set ssl = true to use TLS");
        }
    }
}
