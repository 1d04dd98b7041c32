package org.l3ha.oslo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.l3ha.oslo.TransportUrl.Host;

class TransportUrlTest {

    @Test
    void parsesASingleHost() {
        TransportUrl u = TransportUrl.parse("rabbit://openstack:s3cret@10.0.0.5:5673/");
        assertEquals(List.of(new Host("10.0.0.5", 5673)), u.hosts());
        assertEquals("openstack", u.username());
        assertEquals("s3cret", u.password());
        assertEquals("/", u.virtualHost());
    }

    @Test
    void defaultsPortVhostAndCredentialsLikeOslo() {
        TransportUrl u = TransportUrl.parse("rabbit://u:p@rabbit.example.org");
        assertEquals(List.of(new Host("rabbit.example.org", 5672)), u.hosts());
        assertEquals("/", u.virtualHost());
        TransportUrl anonymous = TransportUrl.parse("rabbit://broker/");
        assertEquals("guest", anonymous.username());
        assertEquals("guest", anonymous.password());
    }

    @Test
    void decodesTheVirtualHost() {
        assertEquals("nova", TransportUrl.parse("rabbit://u:p@h/nova").virtualHost());
        assertEquals("/", TransportUrl.parse("rabbit://u:p@h/%2F").virtualHost());
        assertEquals("a/b c", TransportUrl.parse("rabbit://u:p@h/a%2Fb%20c").virtualHost());
    }

    @Test
    void decodesEscapedUserAndPassword() {
        TransportUrl u = TransportUrl.parse("rabbit://us%40er:p%3Aw%40d%2C%2F%25+x@h:5672/");
        assertEquals("us@er", u.username());
        assertEquals("p:w@d,/%+x", u.password());
        assertEquals(List.of(new Host("h", 5672)), u.hosts());
        assertEquals("pässwörd", TransportUrl.parse("rabbit://u:p%C3%A4ssw%C3%B6rd@h/").password());
    }

    @Test
    void parsesAClusterWithSharedCredentials() {
        TransportUrl u = TransportUrl.parse("rabbit://nova:pw@ctl1:5672,nova:pw@ctl2:5673,ctl3/openstack");
        assertEquals(List.of(new Host("ctl1", 5672), new Host("ctl2", 5673), new Host("ctl3", 5672)), u.hosts());
        assertEquals("nova", u.username());
        assertEquals("pw", u.password());
        assertEquals("openstack", u.virtualHost());
    }

    @Test
    void parsesBracketedIpv6Hosts() {
        TransportUrl u = TransportUrl.parse("rabbit://u:p@[fd00::1]:5671,u:p@[::1]/");
        assertEquals(List.of(new Host("fd00::1", 5671), new Host("::1", 5672)), u.hosts());
        assertEquals("[fd00::1]:5671", u.hosts().get(0).toString());
    }

    @Test
    void redactedFormHidesThePassword() {
        TransportUrl u = TransportUrl.parse("rabbit://nova:Sup3rS3cret@ctl1:5672,nova:Sup3rS3cret@ctl2/vh");
        assertEquals("rabbit://nova:***@ctl1:5672,nova:***@ctl2:5672/vh", u.redacted());
        assertEquals(u.redacted(), u.toString());
        assertFalse(String.valueOf(new OsloSettings(u, "neutron", "q-l3-plugin", OsloSettings.RpcMode.CALL,
                java.time.Duration.ofSeconds(60), java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(2),
                java.time.Duration.ofSeconds(30), false, false, "h", OsloSettings.TlsOptions.OFF)).contains("Sup3rS3cret"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "amqp://u:Sup3rS3cret@h:5672/",
        "u:Sup3rS3cret@h:5672/",
        "rabbit://u:Sup3rS3cret@h:5672/?heartbeat_timeout_threshold=60",
        "rabbit://u:Sup3rS3cret@h:5672/?ssl=1&ssl=0",
        "rabbit://u:Sup3rS3cret@h:5672/#frag",
        "amqps://u:Sup3rS3cret@h:5671/",
        "rabbit://u:Sup3rS3cret@h1,,h2/",
        "rabbit://u:Sup3rS3cret@h:99999/",
        "rabbit://u:Sup3rS3cret@h:port/",
        "rabbit://u:Sup3rS3cret@h1,v:Sup3rS3cret@h2/",
        "rabbit://u:Sup3rS3cret%zz@h/",
        "rabbit://u:Sup3rS3cret@[fd00::1/",
        "rabbit://u:Sup3rS3cret@fd00::1/",
        "rabbit://u:Sup3rS3cret@/",
        "rabbit://u:Sup3r,S3cret@h/",
        "rabbit://u:Sup3rS3cret@h h/",
        "rabbit://:Sup3rS3cret@h/",
        "rabbit:///vhost",
        "rabbit://u:p@h/%zz",
    })
    void rejectsMalformedUrlsWithoutEchoingThePassword(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TransportUrl.parse(url));
        assertFalse(e.getMessage().contains("S3cret"), e.getMessage());
        assertFalse(e.getMessage().contains("S3c ret"), e.getMessage());
        String redacted = TransportUrl.redact(url);
        assertFalse(redacted.contains("S3cret") || redacted.contains("S3c"), redacted);
    }

    @Test
    void errorsSayWhatIsWrong() {
        assertTrue(msg("amqp://u:p@h/").contains("only rabbit:// is supported"));
        assertTrue(msg("rabbit://u:p@h:99999/").contains("invalid port for host 1"));
        assertTrue(msg("rabbit://a:p@h1,b:p@h2/").contains("same user name and password"));
        assertTrue(msg("rabbit://u:p@h/?heartbeat_timeout_threshold=60").contains("query parameter"
                + " 'heartbeat_timeout_threshold', which l3ha does not support (only ssl, ssl_ca_file, ssl_cert_file,"
                + " ssl_key_file, ssl_version"), msg("rabbit://u:p@h/?heartbeat_timeout_threshold=60"));
        assertTrue(msg("amqps://u:p@h/").contains("set ssl = true (or add ?ssl=1) for TLS"), msg("amqps://u:p@h/"));
        assertTrue(msg("rabbit://u:p@h/?ssl=1&ssl=1").contains("more than once"));
        assertTrue(msg("rabbit://u:p@h1,,h2/").contains("empty host entry (host 2)"));
    }

    @Test
    void redactKeepsHostAndVhostOfAnUnparseableValue() {
        assertEquals("rabbit://***@h:5672/vh", TransportUrl.redact(" rabbit://u:p%zz@h:5672/vh "));
        assertEquals("rabbit://h:abc/", TransportUrl.redact("rabbit://h:abc/"));
    }

    private static String msg(String url) {
        return assertThrows(IllegalArgumentException.class, () -> TransportUrl.parse(url)).getMessage();
    }

    @Test
    void aQuerySetsTheTlsOptionsAsOsloReadsIt() {
        TransportUrl u = TransportUrl.parse("rabbit://n:p@ctl1:5671/vh?ssl=1&ssl_ca_file=%2Fetc%2Fl3ha%2Fca.pem"
                + "&ssl_version=TLSv1_2&ssl_cert_file=&ssl_key_file=/etc/l3ha/my+key.pem");
        assertEquals(Map.of("ssl", "1", "ssl_ca_file", "/etc/l3ha/ca.pem", "ssl_version", "TLSv1_2", "ssl_key_file",
                "/etc/l3ha/my key.pem"), u.options(), "blank values are absent, + is a blank (parse_qs)");
        assertEquals("vh", u.virtualHost());
        assertEquals(5671, u.hosts().get(0).port());
        assertEquals(Map.of(), TransportUrl.parse("rabbit://n:p@h/").options());
        // a '?' in the credentials is not a query (it would be %3F, but must never be shown as a parameter name)
        TransportUrl q = TransportUrl.parse("rabbit://n:p?x=1@h/");
        assertEquals("p?x=1", q.password());
        assertEquals(Map.of(), q.options());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "rabbit://neutron:S3cret@ctl1:5672,neutron:S3cret@ctl2:5672/|rabbit://neutron:***@ctl1:5672,neutron:***@ctl2:5672/",
        "rabbit://neutron:S3cret@ctl1/?ssl=1&ssl_ca_file=/etc/ca.pem|rabbit://neutron:***@ctl1/?ssl=1&ssl_ca_file=/etc/ca.pem",
        "rabbit://neutron:S3c%2Fr%40et@[fd00::1]:5671/os|rabbit://neutron:***@[fd00::1]:5671/os",
        "rabbit://ctl1:5672/|rabbit://ctl1:5672/",
        "rabbit://neutron@ctl1/|rabbit://neutron@ctl1/",
        "rabbit://neutron:S3cret@ctl1:99999/|rabbit://***@ctl1:99999/",
        "rabbit://neutron:S3c,ret@ctl1/|rabbit://***@ctl1/",
        "rabbit://n:S3c@ret@ctl1/|rabbit://n:***@ctl1/",
    })
    void redactPasswordsHidesEveryPasswordAndChangesNothingElse(String raw, String shown) {
        assertEquals(shown, TransportUrl.redactPasswords(raw));
        assertFalse(TransportUrl.redactPasswords(raw).contains("S3c"));
    }

    @Test
    void aRedactedValueWrittenBackIsRecognised() {
        assertTrue(TransportUrl.parse("rabbit://neutron:***@ctl1:5672/").holdsRedactedCredentials());
        assertTrue(TransportUrl.parse(TransportUrl.redact("rabbit://n:p%zz@ctl1/")).holdsRedactedCredentials());
        assertFalse(TransportUrl.parse("rabbit://neutron:s3cret@ctl1:5672/").holdsRedactedCredentials());
        assertFalse(TransportUrl.parse("rabbit://ctl1:5672/").holdsRedactedCredentials());
    }
}
