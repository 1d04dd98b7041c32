package org.l3ha.reporter.oslo.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.l3ha.reporter.oslo.impl.TransportUrl.Host;

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
                java.time.Duration.ofSeconds(30), false, false, "h")).contains("Sup3rS3cret"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "amqp://u:Sup3rS3cret@h:5672/",
        "u:Sup3rS3cret@h:5672/",
        "rabbit://u:Sup3rS3cret@h:5672/?ssl=1",
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
        assertTrue(msg("rabbit://u:p@h/?ssl=1").contains("query"));
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
}
