package org.l3ha.oslo;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEM files as OpenSSL writes them, read without any library beyond the JDK: X.509 certificates,
 * and private keys in PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY})
 * and SEC1 EC ({@code BEGIN EC PRIVATE KEY}); the last two are wrapped into PKCS#8 for the JDK's
 * {@link KeyFactory}. Encrypted keys are refused.
 *
 * <p>Every error is an {@link IllegalArgumentException} whose message says what is wrong in words
 * and block numbers and never contains any of the file's content. Stateless and thread-safe.
 */
final class Pem {
    static final String CERTIFICATE = "CERTIFICATE";
    static final String PKCS8 = "PRIVATE KEY";
    static final String PKCS8_ENCRYPTED = "ENCRYPTED PRIVATE KEY";
    static final String PKCS1_RSA = "RSA PRIVATE KEY";
    static final String SEC1_EC = "EC PRIVATE KEY";
    static final String EC_PARAMETERS = "EC PARAMETERS";

    /* DER of the algorithm identifiers' OIDs */
    private static final byte[] OID_RSA = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
        0x01, 0x01};
    private static final byte[] OID_RSASSA_PSS = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d,
        0x01, 0x01, 0x0a};
    private static final byte[] OID_EC = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    private static final byte[] OID_ED25519 = {0x06, 0x03, 0x2b, 0x65, 0x70};
    private static final byte[] OID_ED448 = {0x06, 0x03, 0x2b, 0x65, 0x71};
    private static final byte[] DER_NULL = {0x05, 0x00};
    private static final byte[] DER_INT_ZERO = {0x02, 0x01, 0x00};
    private static final int SEQUENCE = 0x30;
    private static final int OCTET_STRING = 0x04;
    private static final int OID = 0x06;
    private static final int INTEGER = 0x02;
    private static final int CONTEXT_0 = 0xa0;

    /** One {@code -----BEGIN type-----} ... {@code -----END type-----} block. */
    record Block(String type, Map<String, String> headers, byte[] der, int index) {
        boolean encrypted() {
            String procType = headers.get("Proc-Type");
            return type.equals(PKCS8_ENCRYPTED) || (procType != null && procType.contains("ENCRYPTED"));
        }

        @Override
        public String toString() {
            return "PEM block " + index + " (" + type + ", " + der.length + " bytes)";
        }
    }

    private Pem() {
    }

    /**
     * @param content the file's bytes (ASCII; CR LF or LF; text outside blocks is ignored)
     * @return every block, numbered from 1 in file order
     * @throws IllegalArgumentException if a block is unterminated or its base64 is malformed
     */
    static List<Block> blocks(byte[] content) {
        String text = new String(content, StandardCharsets.ISO_8859_1);
        List<Block> blocks = new ArrayList<>();
        String type = null;
        Map<String, String> headers = null;
        StringBuilder body = null;
        boolean inHeaders = false;
        for (String raw : text.split("\r?\n|\r")) {
            String line = raw.strip();
            if (type == null) {
                if (line.startsWith("-----BEGIN ") && line.endsWith("-----") && line.length() > 16) {
                    type = line.substring(11, line.length() - 5).strip();
                    headers = new LinkedHashMap<>();
                    body = new StringBuilder();
                    inHeaders = true;
                }
                continue;
            }
            if (line.startsWith("-----END ")) {
                String end = line.endsWith("-----") && line.length() > 14 ? line.substring(9, line.length() - 5).strip()
                        : "";
                int index = blocks.size() + 1;
                if (!end.equals(type)) {
                    throw new IllegalArgumentException("is not valid PEM: block " + index + " (" + printable(type)
                            + ") ends with a different END line");
                }
                byte[] der;
                try {
                    der = Base64.getDecoder().decode(body.toString());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("is not valid PEM: block " + index + " (" + printable(type)
                            + ") is not valid base64");
                }
                blocks.add(new Block(type, Map.copyOf(headers), der, index));
                type = null;
                continue;
            }
            if (inHeaders) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).matches("[A-Za-z-]+")) {
                    headers.put(line.substring(0, colon), line.substring(colon + 1).strip());
                    continue;
                }
                inHeaders = false;
            }
            body.append(line);
        }
        if (type != null) {
            throw new IllegalArgumentException("is not valid PEM: block " + (blocks.size() + 1) + " ("
                    + printable(type) + ") has no END line");
        }
        return blocks;
    }

    /**
     * @return every certificate of the file, in file order
     * @throws IllegalArgumentException if there is none, or one cannot be parsed
     */
    static List<X509Certificate> certificates(byte[] content) {
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JVM has no X.509 certificate factory", e);
        }
        List<X509Certificate> certs = new ArrayList<>();
        for (Block b : blocks(content)) {
            if (!b.type().equals(CERTIFICATE)) {
                continue;
            }
            try {
                certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
            } catch (CertificateException | ClassCastException e) {
                throw new IllegalArgumentException("holds a certificate that cannot be parsed (PEM block " + b.index()
                        + ": " + e.getClass().getSimpleName() + ")");
            }
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException("holds no certificate (no -----BEGIN CERTIFICATE----- block)");
        }
        return certs;
    }

    /** @return whether the file has a private key block of any kind */
    static boolean hasPrivateKey(byte[] content) {
        return blocks(content).stream().anyMatch(b -> isKey(b.type()));
    }

    /**
     * @return the file's one private key
     * @throws IllegalArgumentException if it has none, more than one, an encrypted one, or one
     *         that cannot be parsed
     */
    static PrivateKey privateKey(byte[] content) {
        List<Block> blocks = blocks(content);
        List<Block> keys = blocks.stream().filter(b -> isKey(b.type())).toList();
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("holds no private key (expected -----BEGIN PRIVATE KEY-----, -----BEGIN"
                    + " RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)");
        }
        if (keys.size() > 1) {
            throw new IllegalArgumentException("holds " + keys.size() + " private keys; put exactly one in the file");
        }
        Block key = keys.get(0);
        if (key.encrypted()) {
            throw new IllegalArgumentException("holds an encrypted private key, which l3ha cannot use: decrypt it"
                    + " (openssl pkey -in ENCRYPTED -out PLAIN) and keep the file readable by root only");
        }
        try {
            switch (key.type()) {
                case PKCS8:
                    return pkcs8(key.der());
                case PKCS1_RSA:
                    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                            pkcs8Of(concat(OID_RSA, DER_NULL), key.der())));
                case SEC1_EC:
                    byte[] curve = sec1Curve(key.der(), blocks);
                    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
                            pkcs8Of(concat(OID_EC, curve), key.der())));
                default:
                    throw new IllegalArgumentException("holds a private key of an unsupported kind (" + key.type() + ")");
            }
        } catch (GeneralSecurityException | IllegalStateException e) {
            throw new IllegalArgumentException("holds a private key that cannot be parsed (" + key.type() + ", PEM block "
                    + key.index() + ": " + e.getClass().getSimpleName() + ")");
        }
    }

    private static boolean isKey(String type) {
        return type.equals(PKCS8) || type.equals(PKCS8_ENCRYPTED) || type.equals(PKCS1_RSA) || type.equals(SEC1_EC)
                || type.endsWith(" PRIVATE KEY");
    }

    /** A PKCS#8 key: the algorithm comes from its AlgorithmIdentifier. */
    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        Der top = Der.read(der, 0, SEQUENCE);
        Der version = Der.read(der, top.contentStart, INTEGER);
        Der algorithmId = Der.read(der, version.end, SEQUENCE);
        Der oid = Der.read(der, algorithmId.contentStart, OID);
        byte[] oidTlv = Arrays.copyOfRange(der, oid.start, oid.end);
        String algorithm;
        if (Arrays.equals(oidTlv, OID_RSA)) {
            algorithm = "RSA";
        } else if (Arrays.equals(oidTlv, OID_RSASSA_PSS)) {
            algorithm = "RSASSA-PSS";
        } else if (Arrays.equals(oidTlv, OID_EC)) {
            algorithm = "EC";
        } else if (Arrays.equals(oidTlv, OID_ED25519) || Arrays.equals(oidTlv, OID_ED448)) {
            algorithm = "EdDSA";
        } else {
            throw new IllegalArgumentException("holds a private key of an unsupported algorithm (PKCS#8)");
        }
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    /**
     * The named curve of a SEC1 {@code ECPrivateKey}: its {@code [0] parameters}, or else an
     * {@code EC PARAMETERS} block of the same file ({@code openssl ecparam -genkey} writes both).
     */
    private static byte[] sec1Curve(byte[] der, List<Block> blocks) {
        Der top = Der.read(der, 0, SEQUENCE);
        Der version = Der.read(der, top.contentStart, INTEGER);
        Der privateKey = Der.read(der, version.end, OCTET_STRING);
        int at = privateKey.end;
        while (at < top.end) {
            Der field = Der.read(der, at, -1);
            if (field.tag == CONTEXT_0) {
                Der oid = Der.read(der, field.contentStart, OID);
                return Arrays.copyOfRange(der, oid.start, oid.end);
            }
            at = field.end;
        }
        for (Block b : blocks) {
            if (b.type().equals(EC_PARAMETERS) && b.der().length > 2 && (b.der()[0] & 0xff) == OID) {
                Der oid = Der.read(b.der(), 0, OID);
                return Arrays.copyOfRange(b.der(), oid.start, oid.end);
            }
        }
        throw new IllegalArgumentException("holds an EC private key without its named curve (write it with"
                + " openssl pkey, which keeps the curve, or as PKCS#8)");
    }

    /** PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier, OCTET STRING privateKey }. */
    private static byte[] pkcs8Of(byte[] algorithmContent, byte[] privateKey) {
        return tlv(SEQUENCE, concat(DER_INT_ZERO, tlv(SEQUENCE, algorithmContent), tlv(OCTET_STRING, privateKey)));
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.write(content, 0, n);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }

    private static String printable(String s) {
        return s.length() <= 40 && s.matches("[A-Za-z0-9 ]*") ? s : "unnamed";
    }

    /** One DER element (definite lengths only) inside a byte array. */
    private static final class Der {
        final int tag;
        final int start;
        final int contentStart;
        final int end;

        private Der(int tag, int start, int contentStart, int end) {
            this.tag = tag;
            this.start = start;
            this.contentStart = contentStart;
            this.end = end;
        }

        /**
         * @param expectedTag the tag it must have, or -1 for any
         * @throws IllegalArgumentException if it is truncated or of another tag
         */
        static Der read(byte[] b, int at, int expectedTag) {
            if (at + 2 > b.length) {
                throw new IllegalArgumentException("holds a truncated private key");
            }
            int tag = b[at] & 0xff;
            if (expectedTag >= 0 && tag != expectedTag) {
                throw new IllegalArgumentException("holds a private key that is not valid DER");
            }
            int len = b[at + 1] & 0xff;
            int pos = at + 2;
            if (len >= 0x80) {
                int count = len & 0x7f;
                if (count == 0 || count > 3 || pos + count > b.length) {
                    throw new IllegalArgumentException("holds a private key that is not valid DER");
                }
                len = 0;
                for (int i = 0; i < count; i++) {
                    len = (len << 8) | (b[pos++] & 0xff);
                }
            }
            if (pos + len > b.length) {
                throw new IllegalArgumentException("holds a truncated private key");
            }
            return new Der(tag, at, pos, pos + len);
        }
    }
}
