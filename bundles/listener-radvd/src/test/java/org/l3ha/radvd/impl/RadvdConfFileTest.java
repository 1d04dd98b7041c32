package org.l3ha.radvd.impl;

import org.l3ha.common.testing.TestRouters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.l3ha.common.testing.TestRouters.port;
import static org.l3ha.common.testing.TestRouters.v4;
import static org.l3ha.common.testing.TestRouters.ra;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l3ha.api.Port;

/**
 * The generated radvd.conf against docs/behaviour.md §5.1 and §10 cases 48, 50–54, byte for byte (Neutron's
 * Jinja2 layout: optional items framed by lines of three spaces, blocks joined without a newline),
 * and checked by radvd's own parser.
 */
class RadvdConfFileTest {

    static final String P1 = "0b2c6e3a-1111-4a4a-8b8b-000000000001";
    static final String P2 = "7d0e9f3c-2222-4a4a-8b8b-000000000002";
    static final String P3 = "9a8b7c6d-3333-4a4a-8b8b-000000000003";

    @TempDir
    Path dir;

    static String lines(String... l) {
        return String.join("\n", l);
    }

    static String render(Port... ports) {
        return RadvdConfFile.render(List.of(ports), 30, 100);
    }

    @Test
    void case51_slaacWithFourDnsServersAdvertisesTheFirstThreeInNeutronsLiteralForm() {
        String conf = render(port(P1, 1500, ra("2001:db8:1::/64", "slaac",
                "2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4")));

        assertEquals(lines(
                "interface qr-0b2c6e3a-11",
                "{",
                "   AdvSendAdvert on;",
                "   MinRtrAdvInterval 30;",
                "   MaxRtrAdvInterval 100;",
                "",
                "   ",
                "   AdvLinkMTU 1500;",
                "   ",
                "",
                "   ",
                "",
                "   ",
                "",
                "   ",
                "   RDNSS  2001:db8::1  2001:db8::2  2001:db8::3  {};",
                "   ",
                "",
                "   ",
                "   prefix 2001:db8:1::/64",
                "   {",
                "        AdvOnLink on;",
                "        AdvAutonomous on;",
                "   };",
                "   ",
                "",
                "   ",
                "",
                "   route fe80::a9fe:a9fe/128 {",
                "   };",
                "};"), conf);
        assertFalse(conf.contains("2001:db8::4"));
        assertFalse(conf.endsWith("\n"), "no trailing newline, as Neutron's template renders");
    }

    @Test
    void case50_statelessSetsOtherConfigAndAutonomousPrefixAndNoRdnss() {
        String conf = RadvdConfFile.render(List.of(port(P2, 1200, ra("2001:db8:2::/64", "dhcpv6-stateless",
                "2001:db8::53"))), 22, 66);

        assertEquals(lines(
                "interface qr-7d0e9f3c-22",
                "{",
                "   AdvSendAdvert on;",
                "   MinRtrAdvInterval 22;",
                "   MaxRtrAdvInterval 66;",
                "",
                "   ",
                "",
                "   ",
                "   AdvOtherConfigFlag on;",
                "   ",
                "",
                "   ",
                "",
                "   ",
                "",
                "   ",
                "   prefix 2001:db8:2::/64",
                "   {",
                "        AdvOnLink on;",
                "        AdvAutonomous on;",
                "   };",
                "   ",
                "",
                "   ",
                "",
                "   route fe80::a9fe:a9fe/128 {",
                "   };",
                "};"), conf);
    }

    @Test
    void case50_statefulSetsManagedFlagAndNonAutonomousPrefix() {
        String conf = render(port(P3, 0, ra("2001:db8:3::/64", "dhcpv6-stateful", "2001:db8::53")));

        assertEquals(lines(
                "interface qr-9a8b7c6d-33",
                "{",
                "   AdvSendAdvert on;",
                "   MinRtrAdvInterval 30;",
                "   MaxRtrAdvInterval 100;",
                "",
                "   ",
                "",
                "   ",
                "",
                "   ",
                "   AdvManagedFlag on;",
                "   ",
                "",
                "   ",
                "",
                "   ",
                "",
                "   ",
                "   prefix 2001:db8:3::/64",
                "   {",
                "        AdvOnLink on;",
                "        AdvAutonomous off;",
                "   };",
                "   ",
                "",
                "   route fe80::a9fe:a9fe/128 {",
                "   };",
                "};"), conf);
    }

    @Test
    void case50_slaacSetsNeitherFlag() {
        String conf = render(port(P1, 1500, ra("2001:db8:1::/64", "slaac")));
        assertFalse(conf.contains("AdvOtherConfigFlag"));
        assertFalse(conf.contains("AdvManagedFlag"));
        assertFalse(conf.contains("RDNSS"), "no DNS servers, no RDNSS line");
        assertTrue(conf.contains("        AdvAutonomous on;\n"));
    }

    @Test
    void aSubnetWithoutRaModeStillGetsABlockButNoPrefixFlagOrRdnss() {
        String conf = render(port(P1, 1446, ra("2001:db8:4::/64", null, "2001:db8::53")));

        assertEquals(lines(
                "interface qr-0b2c6e3a-11",
                "{",
                "   AdvSendAdvert on;",
                "   MinRtrAdvInterval 30;",
                "   MaxRtrAdvInterval 100;",
                "",
                "   ",
                "   AdvLinkMTU 1446;",
                "   ",
                "",
                "   ",
                "",
                "   ",
                "",
                "   ",
                "",
                "   ",
                "",
                "   ",
                "",
                "   route fe80::a9fe:a9fe/128 {",
                "   };",
                "};"), conf);
    }

    @Test
    void case52_linkMtuOnlyFromIpv6sMinimumOn() {
        assertTrue(render(port(P1, 1446, ra("2001:db8:1::/64", "slaac"))).contains("\n   AdvLinkMTU 1446;\n"));
        assertTrue(render(port(P1, 1280, ra("2001:db8:1::/64", "slaac"))).contains("\n   AdvLinkMTU 1280;\n"));
        assertFalse(render(port(P1, 1279, ra("2001:db8:1::/64", "slaac"))).contains("AdvLinkMTU"));
        assertFalse(render(port(P1, 1200, ra("2001:db8:1::/64", "slaac"))).contains("AdvLinkMTU"));
        assertFalse(render(port(P1, 0, ra("2001:db8:1::/64", "slaac"))).contains("AdvLinkMTU"), "absent mtu");
    }

    @Test
    void case53_intervalsComeFromTheConfiguration() {
        String conf = RadvdConfFile.render(List.of(port(P1, 1500, ra("2001:db8:1::/64", "slaac"))), 22, 66);
        assertTrue(conf.contains("\n   MinRtrAdvInterval 22;\n   MaxRtrAdvInterval 66;\n"), conf);
    }

    @Test
    void case54_twoIpv6PortsGiveTwoBlocksEachWithTheMetadataRouteAndIpv4OnlyPortsAreSkipped() {
        String conf = render(
                port(P3, 1500, v4("10.0.0.0/24")),
                port(P1, 1446, v4("10.0.1.0/24"), ra("2001:db8:6::/64", "slaac"),
                        ra("2001:db8:7::/64", "dhcpv6-stateful"), ra("2001:db8:8::/64", "slaac", "2001:db8::53"),
                        ra("2001:db8:9::/64", "dhcpv6-stateless")),
                port(P2, 1280, ra("2001:db8:a::/64", "slaac", "2001:db8::a1", "2001:db8::a2"),
                        ra("2001:db8:b::/64", "slaac", "2001:db8::b1", "2001:db8::b2")));

        String first = lines(
                "interface qr-0b2c6e3a-11",
                "{",
                "   AdvSendAdvert on;",
                "   MinRtrAdvInterval 30;",
                "   MaxRtrAdvInterval 100;",
                "",
                "   ",
                "   AdvLinkMTU 1446;",
                "   ",
                "",
                "   ",
                "   AdvOtherConfigFlag on;",
                "   ",
                "",
                "   ",
                "   AdvManagedFlag on;",
                "   ",
                "",
                "   ",
                "   RDNSS  2001:db8::53  {};",
                "   ",
                "",
                "   ",
                "   prefix 2001:db8:6::/64",
                "   {",
                "        AdvOnLink on;",
                "        AdvAutonomous on;",
                "   };",
                "   ",
                "   prefix 2001:db8:8::/64",
                "   {",
                "        AdvOnLink on;",
                "        AdvAutonomous on;",
                "   };",
                "   ",
                "   prefix 2001:db8:9::/64",
                "   {",
                "        AdvOnLink on;",
                "        AdvAutonomous on;",
                "   };",
                "   ",
                "",
                "   ",
                "   prefix 2001:db8:7::/64",
                "   {",
                "        AdvOnLink on;",
                "        AdvAutonomous off;",
                "   };",
                "   ",
                "",
                "   route fe80::a9fe:a9fe/128 {",
                "   };",
                "};");
        String second = lines(
                "interface qr-7d0e9f3c-22",
                "{",
                "   AdvSendAdvert on;",
                "   MinRtrAdvInterval 30;",
                "   MaxRtrAdvInterval 100;",
                "",
                "   ",
                "   AdvLinkMTU 1280;",
                "   ",
                "",
                "   ",
                "",
                "   ",
                "",
                "   ",
                "   RDNSS  2001:db8::a1  2001:db8::a2  2001:db8::b1  {};",
                "   ",
                "",
                "   ",
                "   prefix 2001:db8:a::/64",
                "   {",
                "        AdvOnLink on;",
                "        AdvAutonomous on;",
                "   };",
                "   ",
                "   prefix 2001:db8:b::/64",
                "   {",
                "        AdvOnLink on;",
                "        AdvAutonomous on;",
                "   };",
                "   ",
                "",
                "   ",
                "",
                "   route fe80::a9fe:a9fe/128 {",
                "   };",
                "};");
        assertEquals(first + second, conf, "blocks joined as '};interface ...'");
        assertTrue(conf.contains("};interface qr-7d0e9f3c-22\n"));
        assertEquals(2, count(conf, "route fe80::a9fe:a9fe/128 {\n   };\n};"));
        assertFalse(conf.contains("qr-9a8b7c6d-33"), "the IPv4-only port has no block");
        assertFalse(conf.contains("10.0."));
    }

    @Test
    void case48_noIpv6SubnetMeansNoConfiguration() {
        Port p = port(P1, 1500, v4("10.0.0.0/24"), v4("10.0.1.0/24"));
        assertEquals("", render(p));
        assertFalse(RadvdConfFile.hasIpv6(List.of(p)));
        assertFalse(RadvdConfFile.hasIpv6(List.of()));
        assertTrue(RadvdConfFile.hasIpv6(List.of(p, port(P2, 0, ra("2001:db8::/64", null)))));
    }

    @Test
    void valuesThatWouldInjectDirectivesAreRejectedNamingThem() {
        IllegalArgumentException cidr = assertThrows(IllegalArgumentException.class,
                () -> render(port(P1, 1500, ra("2001:db8::/64;\nAdvManagedFlag on", "slaac"))));
        assertTrue(cidr.getMessage().contains(P1) && cidr.getMessage().contains("not an IPv6 prefix"), cidr.getMessage());
        assertFalse(cidr.getMessage().contains("\n"), "one line");

        IllegalArgumentException dns = assertThrows(IllegalArgumentException.class,
                () -> render(port(P1, 1500, ra("2001:db8::/64", "slaac", "2001:db8::1 {}; interface x"))));
        assertTrue(dns.getMessage().contains("DNS server"), dns.getMessage());

        IllegalArgumentException v4dns = assertThrows(IllegalArgumentException.class,
                () -> render(port(P1, 1500, ra("2001:db8::/64", "slaac", "192.0.2.53"))));
        assertTrue(v4dns.getMessage().contains("192.0.2.53"), v4dns.getMessage());

        IllegalArgumentException id = assertThrows(IllegalArgumentException.class,
                () -> render(port("x; y", 1500, ra("2001:db8::/64", "slaac"))));
        assertTrue(id.getMessage().contains("port id"), id.getMessage());
    }

    /** Prefixes radvd 2.19 refuses (its scanner reads no dotted IPv4 part and no leading "::" before groups). */
    static final List<String> REFUSED_BY_RADVD = List.of("::ffff:10.0.0.0/104", "::ffff:0:0/96", "::10.0.0.0/104",
            "::1/128", "::1:0:0/96", "::ffff:0:0:0/96", "2001:db8::10.0.0.0/120");
    /** Prefixes radvd reads but cannot advertise as this subnet: IPv4-mapped or -compatible bits, or all zeros. */
    static final List<String> REFUSED_BY_L3HA_ONLY = List.of("0:0:0:0:0:ffff:a00:0/104", "0:0:0:0:0:0:a00:0/104",
            "::/64", "::/0");

    @Test
    void prefixesRadvdCannotAdvertiseAreRefusedNamingThePortAndTheSubnet() {
        for (String cidr : concat(REFUSED_BY_RADVD, REFUSED_BY_L3HA_ONLY)) {
            TestRouters.TestSubnet bad = ra(cidr, "slaac");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> render(port(P1, 1500, ra("2001:db8:1::/64", "slaac"), bad)), cidr);
            String m = e.getMessage();
            assertTrue(m.contains("port " + P1) && m.contains("subnet " + bad.id()) && m.contains("'" + cidr + "'")
                    && m.contains("radvd cannot advertise it"), cidr + ": " + m);
            assertFalse(m.contains("\n"), "one line: " + m);
        }
        IllegalArgumentException mapped = assertThrows(IllegalArgumentException.class,
                () -> render(port(P2, 1500, ra("::ffff:10.0.0.0/104", "dhcpv6-stateful"))));
        assertTrue(mapped.getMessage().contains("IPv4-mapped"), mapped.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> render(port(P2, 1500, ra("::/64", "dhcpv6-stateless"))));
        assertTrue(zero.getMessage().contains("unspecified"), zero.getMessage());
        // a subnet without RA mode puts no prefix in the file: nothing to refuse
        assertTrue(render(port(P3, 1500, ra("::ffff:10.0.0.0/104", null))).startsWith("interface qr-9a8b7c6d-33"));
    }

    @Test
    void ordinaryPrefixesInEveryTextFormRadvdReadsAreKept() {
        for (String cidr : List.of("2001:db8:1::/64", "2001:DB8:1::/64", "2001:0db8:0001:0000::/64", "fd00:1:2:3::/64",
                "2001:db8:1:2:3:4:5:0/112", "2001:db8::1:0:0/96", "100::/64", "64:ff9b::/96")) {
            assertTrue(render(port(P1, 1500, ra(cidr, "slaac"))).contains("   prefix " + cidr + "\n"), cidr);
        }
    }

    @Test
    void radvdItselfRefusesWhatRenderRefusesForItsSyntax() throws Exception {
        String good = render(port(P1, 1500, ra("2001:db8:1::/64", "slaac")));
        Check reference = radvdCheck(good);
        assertEquals(0, reference.exitValue, () -> "radvd accepts the reference file: " + reference.output);
        for (String cidr : REFUSED_BY_RADVD) {
            String conf = good.replace("prefix 2001:db8:1::/64", "prefix " + cidr);
            Check c = radvdCheck(conf);
            assertTrue(c.exitValue != 0, () -> "radvd refuses " + cidr + ", but said: " + c.output);
        }
    }

    record Check(int exitValue, String output) {
    }

    private Check radvdCheck(String conf) throws Exception {
        Path f = Files.createTempFile(dir, "check", ".conf");
        Files.writeString(f, conf, StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("radvd", "--configtest", "-C", f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "radvd --configtest ended");
        return new Check(p.exitValue(), out);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void radvdItselfAcceptsEveryRenderedConfiguration() throws Exception {
        List<String> confs = List.of(
                render(port(P1, 1500, ra("2001:db8:1::/64", "slaac", "2001:db8::1", "2001:db8::2", "2001:db8::3",
                        "2001:db8::4"))),
                render(port(P2, 1200, ra("2001:db8:2::/64", "dhcpv6-stateless"))),
                render(port(P3, 0, ra("2001:db8:3::/64", "dhcpv6-stateful"))),
                render(port(P1, 1446, ra("2001:db8:4::/64", null))),
                render(port(P1, 1446, ra("2001:db8:6::/64", "slaac"), ra("2001:db8:7::/64", "dhcpv6-stateful")),
                        port(P2, 9000, ra("2001:db8:a::/64", "slaac", "2001:db8::a1"))));
        int i = 0;
        for (String conf : confs) {
            Path f = dir.resolve("c" + i++ + ".conf");
            Files.writeString(f, conf, StandardCharsets.UTF_8);
            Process p = new ProcessBuilder("radvd", "--configtest", "-C", f.toString()).redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), "radvd rejects\n" + conf + "\n" + out);
            assertTrue(out.contains("syntax ok"), out);
        }
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
