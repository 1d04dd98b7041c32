package org.l3ha.endpoint.impl;

import org.l3ha.common.testing.AgentConfigs;
import org.l3ha.common.testing.LogCapture;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.l3ha.api.HaState;
import org.l3ha.common.RouterIds;
import org.l3ha.common.testing.UdsClient;

/**
 * Random and mutated requests over the real unix socket, driven by Jazzer (libFuzzer): the
 * endpoint never answers 5xx, nothing fails inside the server (its {@code errors} counter, and no
 * WARN/ERROR log line), nothing invalid is enqueued, every 200 enqueued exactly the notification
 * the request carried, and a plain valid request still succeeds afterwards.
 *
 * <p>The fuzz input is one request's raw bytes. The seed corpus ({@link #seeds()}) holds the two
 * byte-exact Neutron monitor requests (curl POST, httplib2 GET) and each hand-written mutation of
 * them, so libFuzzer starts from valid requests. Each execution sends {@value #PER_EXECUTION}
 * requests, all derived from the input alone (a random source seeded with its hash, so a finding
 * replays): the input as it is, the input after one to three hand-written (HTTP-aware) mutations,
 * a fresh valid request with a random router id and state word (or, one time in five, random
 * bytes), and that request after one to three hand-written mutations.
 *
 * <p>Maven runs this class in a surefire execution of its own with {@code JAZZER_FUZZ=1} (fuzzing
 * mode, at least {@value #MINIMUM_REQUESTS} requests, asserted in {@link #stop()}); without it,
 * Jazzer's regression mode replays only the empty input, the seeds and the files under
 * {@code src/test/resources/org/l3ha/endpoint/impl/EndpointFuzzTestInputs/randomAndMutatedRequests}
 * (one kept: a HEAD request pipelined before others, whose replies carry bodies). A finding is written to {@code target/jazzer/crash-<sha1>}; copy it there to
 * replay it.
 *
 * <p>Each request gets its own connection; the client half-closes after writing, so a truncated
 * request ends at once instead of waiting for the idle timeout.
 */
class EndpointFuzzTest {
    static final long MINIMUM_REQUESTS = 100_000;
    /** Requests sent per fuzz execution: the input, and three derived from it. */
    static final int PER_EXECUTION = 4;
    /** libFuzzer's {@code -runs}: every execution counts, the seeds' and the corpus' too. */
    static final long EXECUTIONS = MINIMUM_REQUESTS / PER_EXECUTION;

    static Path dir;
    static StateChangeEndpoint endpoint;
    static RecordingSink sink;
    static LogCapture log;
    /** Fuzz target executions completed (all their requests sent and checked). */
    static final AtomicLong executions = new AtomicLong();
    static final AtomicLong sent = new AtomicLong();
    static final AtomicLong ok = new AtomicLong();
    static final Map<Integer, Long> statuses = new TreeMap<>();
    /** A request line whose method may be read as HEAD (after stray punctuation, as in {@code :HEAD /}). */
    static final Pattern HEAD_LINE = Pattern.compile("[^A-Za-z0-9]*HEAD[ \t]");

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("l3ha-fuzz");
        endpoint = new StateChangeEndpoint(AgentConfigs.of(Map.of("state_path", dir.toString())));
        sink = new RecordingSink();
        endpoint.bindSink(sink);
        log = new LogCapture();
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            // the endpoint still serves a plain valid request
            int before = sink.size();
            String id = "5e1f0000-0000-4000-8000-000000000001";
            assertEquals(200, UdsClient.exchange(socket(), UdsClient.curlRequest(id, "backup")).status());
            assertEquals(List.of(new RecordingSink.Event(id, HaState.BACKUP)), sink.eventsSince(before));
            assertTrue(sent.get() >= executions.get() * PER_EXECUTION,
                    "sent " + sent.get() + " requests in " + executions.get() + " complete executions");
            if (fuzzing()) {
                assertTrue(sent.get() >= MINIMUM_REQUESTS,
                        "fuzzing sent " + sent.get() + " requests in " + executions.get() + " executions");
            } else {
                // regression mode: the empty input and every seed (and any kept inputs) were replayed
                long seeds = seeds().count();
                assertTrue(executions.get() >= seeds + 1, "replayed " + executions.get() + " of " + (seeds + 1) + " inputs");
            }
            assertTrue(ok.get() > sent.get() / 50, "a fair share of valid requests: " + ok.get() + " of " + sent.get());
            assertEquals(0L, endpoint.counters().get("errors"));
            List<String> lines = log.text().lines().toList();
            List<String> warnings = lines.stream().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList();
            List<String> bad = new ArrayList<>();
            int deadlineLines = 0;
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i);
                if (!(l.contains(" WARN ") || l.contains(" ERROR "))) {
                    continue;
                }
                if (l.contains(" WARN org.l3ha.endpoint.impl.HeaderDeadline - ")) {
                    // a connection the server still held with no request after 5 s: every fuzz
                    // exchange above got and checked all its replies, so no client was waiting on it
                    deadlineLines++;
                } else {
                    bad.add(l);
                }
            }
            assertEquals(List.of(), bad, "nothing logged at WARN or ERROR while fuzzing");
            System.out.println("fuzz: header deadline closures logged " + deadlineLines + " time(s), counted "
                    + endpoint.counters().get("closed_header_timeout"));
            System.out.println("fuzz (" + (fuzzing() ? "fuzzing" : "regression") + " mode): " + executions.get()
                    + " executions, " + sent.get() + " requests, statuses " + statuses + ", counters "
                    + endpoint.counters() + ", WARN/ERROR lines " + warnings.size());
        } finally {
            log.close();
            endpoint.deactivate();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** As Jazzer decides it: {@code JAZZER_FUZZ} (environment or system property) is true, 1 or yes. */
    static boolean fuzzing() {
        String v = System.getenv("JAZZER_FUZZ") != null ? System.getenv("JAZZER_FUZZ") : System.getProperty("JAZZER_FUZZ");
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1") || v.equalsIgnoreCase("yes"));
    }

    static Path socket() {
        return dir.resolve("keepalived-state-change");
    }

    @MethodSource("seeds")
    @DictionaryEntries({"X-Neutron-Router-Id: ", "X-Neutron-State: ", "x-neutron-router-id: ", "x-neutron-state: ",
            "primary", "master", "backup", "fault", "Host: 127.0.0.1", "Content-Length: ", "Transfer-Encoding: chunked",
            "Connection: close", "Connection: keep-alive", "Expect: 100-continue", "Upgrade: h2c", "HTTP/1.0", "HTTP/1.1",
            "GET / ", "POST / ", "HEAD / ", "PUT / ", "OPTIONS * "})
    @FuzzTest(maxExecutions = EXECUTIONS, maxDuration = "10m")
    void randomAndMutatedRequests(byte[] input) throws IOException {
        SplittableRandom random = new SplittableRandom(hash(input));
        exchangeAndCheck(input, "the input");
        List<String> applied = new ArrayList<>();
        exchangeAndCheck(mutate(input, random, applied), "the input after " + applied);
        boolean bytes = random.nextInt(5) == 0;
        byte[] fresh = bytes ? randomBytes(random, 0, 300) : validRequest(random);
        String what = bytes ? "random bytes" : "a valid request";
        exchangeAndCheck(fresh, what);
        applied.clear();
        exchangeAndCheck(mutate(fresh, random, applied), what + " after " + applied);
        assertEquals(0L, endpoint.counters().get("errors"));
        executions.incrementAndGet();
    }

    /** 64-bit FNV-1a: the random source of an execution depends on its input only. */
    static long hash(byte[] b) {
        long h = 0xcbf29ce484222325L;
        for (byte x : b) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    private static void exchangeAndCheck(byte[] request, String origin) throws IOException {
        String shown = origin + ": " + new String(request, ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
        int before = sink.size();
        List<UdsClient.Reply> replies = new ArrayList<>();
        // as HTTP parsers do, the server skips blank lines before the request line
        // which of the pipelined requests may be HEAD (their replies carry no body), read naively and
        // liberally (a parser may read a mangled request line as HEAD): for those the client takes a
        // body only if exactly that much follows before the server closes
        List<Boolean> heads = new ArrayList<>();
        // a head ends at an empty line, CRLF or bare LF alike (as HTTP parsers read it); blank lines before
        // a request line, also at the very start, begin no request
        for (String part : new String(request, ISO_8859_1).split("\r?\n\r?\n", -1)) {
            String line = part.replaceFirst("^[\r\n]+", "");
            if (line.isEmpty()) {
                continue;
            }
            int eol = line.indexOf('\n');
            heads.add(HEAD_LINE.matcher(eol < 0 ? line : line.substring(0, eol)).lookingAt());
        }
        byte[] rest;
        try (UdsClient c = UdsClient.connect(socket())) {
            try {
                c.write(request);
                c.shutdownOutput();
            } catch (IOException e) {
                // the server may close early on garbage; whatever it answered is still read below
            }
            try {
                while (c.hasMore()) {
                    int index = replies.size();
                    UdsClient.Reply r = c.readReply(index < heads.size() && heads.get(index));
                    if (r.status() >= 200) {
                        replies.add(r);
                    }
                }
                rest = c.readToEof(UdsClient.TIMEOUT);
            } catch (IOException e) {
                throw new AssertionError("unparseable reply (" + e.getMessage() + ") to " + shown + " after " + replies, e);
            }
        }
        sent.incrementAndGet();
        assertEquals(0, rest.length, () -> "unparseable bytes after the replies to " + shown);
        List<RecordingSink.Event> added = sink.eventsSince(before);
        List<RecordingSink.Event> carried = oracle(request);
        List<RecordingSink.Event> expected = new ArrayList<>();
        for (int k = 0; k < replies.size(); k++) {
            UdsClient.Reply reply = replies.get(k);
            synchronized (statuses) {
                statuses.merge(reply.status(), 1L, Long::sum);
            }
            if (reply.status() >= 500) {
                fail("server error " + reply.statusLine() + " for " + shown);
            }
            assertTrue(reply.status() == 200 || (reply.status() >= 400 && reply.status() < 500),
                    () -> reply.statusLine() + " for " + shown);
            boolean toHead = k < heads.size() && heads.get(k);
            assertTrue(toHead || reply.body().endsWith("\n") && reply.body().indexOf('\n') == reply.body().length() - 1,
                    () -> "not a one-line reason: " + reply.body() + " for " + shown);
            if (reply.status() == 200) {
                ok.incrementAndGet();
                RecordingSink.Event event = k < carried.size() ? carried.get(k) : null;
                assertNotNull(event, () -> "accepted a request without one valid notification: " + shown);
                expected.add(event);
            }
        }
        assertEquals(expected, added, () -> "enqueued something else than the accepted requests carried: " + shown);
    }

    /**
     * What the requests in these bytes carry, read naively: for each request head (ended by an
     * empty line; lines end with LF, optionally after CR), the notification it holds if it has
     * exactly one router-id line with a UUID and one state line with an accepted word, else null.
     * Follows a Content-Length body; stops where it cannot tell where the next request starts.
     */
    static List<RecordingSink.Event> oracle(byte[] request) {
        String text = new String(request, ISO_8859_1);
        List<RecordingSink.Event> out = new ArrayList<>();
        int pos = 0;
        while (pos < text.length()) {
            while (text.startsWith("\r\n", pos) || text.startsWith("\n", pos)) {
                pos += text.charAt(pos) == '\r' ? 2 : 1;
            }
            List<String> ids = new ArrayList<>();
            List<String> states = new ArrayList<>();
            List<String> lengths = new ArrayList<>();
            boolean chunked = false;
            int headEnd = -1;
            int i = text.indexOf('\n', pos) + 1; // skip the request line
            while (i > 0 && i < text.length()) {
                int nl = text.indexOf('\n', i);
                if (nl < 0) {
                    break;
                }
                String line = text.substring(i, nl);
                line = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
                i = nl + 1;
                if (line.isEmpty()) {
                    headEnd = i;
                    break;
                }
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = line.substring(0, colon);
                String value = line.substring(colon + 1).strip();
                if (name.equalsIgnoreCase(NotificationHandler.ROUTER_ID)) {
                    ids.add(value);
                } else if (name.equalsIgnoreCase(NotificationHandler.STATE)) {
                    states.add(value);
                } else if (name.equalsIgnoreCase("Content-Length")) {
                    lengths.add(value);
                } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    chunked = true;
                }
            }
            if (headEnd < 0) {
                break; // incomplete: no request
            }
            out.add(notification(ids, states));
            if (chunked || lengths.size() > 1 || (lengths.size() == 1 && !lengths.get(0).matches("\\d{1,4}"))) {
                break;
            }
            pos = headEnd + (lengths.isEmpty() ? 0 : Integer.parseInt(lengths.get(0)));
        }
        return out;
    }

    private static RecordingSink.Event notification(List<String> ids, List<String> states) {
        if (ids.size() != 1 || states.size() != 1 || !RouterIds.isUuid(ids.get(0))) {
            return null;
        }
        try {
            return new RecordingSink.Event(RouterIds.normalize(ids.get(0)), HaState.parse(states.get(0)));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // --- seeds ---

    /**
     * The seed corpus: the byte-exact curl and httplib2 requests of Neutron's monitor for each
     * state word, and each hand-written mutation applied once to each of the two (parameters from a
     * fixed random source).
     */
    static Stream<Arguments> seeds() {
        List<Arguments> seeds = new ArrayList<>();
        String id = "0f7e0b7a-5c1b-4d6e-9a3c-2b1d0e4f6a80";
        for (String state : STATE_WORDS) {
            seeds.add(seed("curl " + state, UdsClient.curlRequest(id, state)));
            seeds.add(seed("httplib2 " + state, UdsClient.httplib2Request(id, state)));
        }
        SplittableRandom random = new SplittableRandom(42);
        for (Mutation m : Mutation.values()) {
            seeds.add(seed("curl, " + m, m.apply(str(UdsClient.curlRequest(id, "primary")), random)));
            seeds.add(seed("httplib2, " + m, m.apply(str(UdsClient.httplib2Request(id, "backup")), random)));
        }
        return seeds.stream();
    }

    private static Arguments seed(String name, String request) {
        return seed(name, str(request));
    }

    private static Arguments seed(String name, byte[] request) {
        return Arguments.of(Named.of(name, request));
    }

    // --- generators: a random source stands for the fuzz input ---

    static final List<String> STATE_WORDS = List.of("primary", "master", "backup", "fault");
    static final String HEX = "0123456789abcdefABCDEF";
    static final String TOKEN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_!#$%&'*+.^`|~0123456789";
    static final List<String> VALUES = List.of("", " ", "unknown", "fault ", " primary", "master, backup", "0", "-1",
            "chunked", "close", "keep-alive", "100-continue", "\u00e9t\u00e9", "primary\u0000");
    static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE",
            "CONNECT", "PRI", "get", "post", "", " ");
    static final List<String> HEADER_NAMES = List.of("X-Neutron-Router-Id", "X-Neutron-State", "Content-Length",
            "Transfer-Encoding", "Connection", "Host", "Expect", "Upgrade", "Content-Type", "x-neutron-state ");
    static final List<String> VERSIONS = List.of("HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "HTTP/0.9", "HTTP/1.1 ",
            "http/1.1", "HTTP/11", "");

    /** A curl or httplib2 request of Neutron's monitor with a random UUID and state word. */
    static byte[] validRequest(SplittableRandom r) {
        String id = uuid(r);
        String state = stateWord(r);
        return str(r.nextBoolean() ? UdsClient.curlRequest(id, state)
                : UdsClient.httplib2Request(id, state));
    }

    static String uuid(SplittableRandom r) {
        String h = chars(r, 32, 32, HEX);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20)
                + "-" + h.substring(20);
    }

    static String stateWord(SplittableRandom r) {
        return randomCase(pick(r, STATE_WORDS), r.nextLong());
    }

    static String randomCase(String s, long bits) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append((bits >>> (i % 64) & 1) == 1 ? Character.toUpperCase(c) : Character.toLowerCase(c));
        }
        return sb.toString();
    }

    static <T> T pick(SplittableRandom r, List<T> from) {
        return from.get(r.nextInt(from.size()));
    }

    static String chars(SplittableRandom r, int min, int max, String alphabet) {
        int n = r.nextInt(min, max + 1);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    static String charRange(SplittableRandom r, int max, char from, char to) {
        int n = r.nextInt(max + 1);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) r.nextInt(from, to + 1));
        }
        return sb.toString();
    }

    static byte[] randomBytes(SplittableRandom r, int min, int max) {
        byte[] b = new byte[r.nextInt(min, max + 1)];
        r.nextBytes(b);
        return b;
    }

    /** A header value: ASCII, printable, a UUID, a state word or one of a few telling values. */
    static String value(SplittableRandom r) {
        return switch (r.nextInt(5)) {
            case 0 -> charRange(r, 60, '\u0000', '\u007f');
            case 1 -> charRange(r, 60, ' ', '~');
            case 2 -> uuid(r);
            case 3 -> stateWord(r);
            default -> pick(r, VALUES);
        };
    }

    static int position(SplittableRandom r) {
        return r.nextInt(Integer.MAX_VALUE);
    }

    /** Applies one to three random hand-written mutations, naming them in {@code applied}. */
    static byte[] mutate(byte[] request, SplittableRandom r, List<String> applied) {
        byte[] b = request;
        for (int n = r.nextInt(1, 4); n > 0; n--) {
            Mutation m = Mutation.values()[r.nextInt(Mutation.values().length)];
            applied.add(m.toString());
            b = m.apply(b, r);
        }
        return b;
    }

    /** The hand-written mutations: byte-level, and HTTP-aware on the request line and header lines. */
    enum Mutation {
        FLIP_BIT {
            byte[] apply(byte[] b, SplittableRandom r) {
                return flip(b, position(r), r.nextInt(8));
            }
        },
        SET_BYTE {
            byte[] apply(byte[] b, SplittableRandom r) {
                return set(b, position(r), (byte) r.nextInt(256));
            }
        },
        TRUNCATE {
            byte[] apply(byte[] b, SplittableRandom r) {
                return Arrays.copyOf(b, b.length == 0 ? 0 : position(r) % b.length);
            }
        },
        INSERT_BYTES {
            byte[] apply(byte[] b, SplittableRandom r) {
                return insert(b, position(r), randomBytes(r, 1, 20));
            }
        },
        DUPLICATE_HEADER_LINE {
            byte[] apply(byte[] b, SplittableRandom r) {
                return duplicateLine(b, position(r));
            }
        },
        REMOVE_HEADER_LINE {
            byte[] apply(byte[] b, SplittableRandom r) {
                return removeLine(b, position(r));
            }
        },
        RECASE_HEADER_NAME {
            byte[] apply(byte[] b, SplittableRandom r) {
                return recaseName(b, position(r), r.nextLong());
            }
        },
        REPLACE_METHOD {
            byte[] apply(byte[] b, SplittableRandom r) {
                return replaceMethod(b, r.nextBoolean() ? chars(r, 1, 12, TOKEN) : pick(r, METHODS));
            }
        },
        REPLACE_HEADER_VALUE {
            byte[] apply(byte[] b, SplittableRandom r) {
                return replaceValue(b, position(r), value(r));
            }
        },
        ADD_HEADER {
            byte[] apply(byte[] b, SplittableRandom r) {
                String name = r.nextBoolean() ? chars(r, 1, 12, TOKEN) : pick(r, HEADER_NAMES);
                return addLine(b, position(r), name + ": " + value(r));
            }
        },
        REPLACE_VERSION {
            byte[] apply(byte[] b, SplittableRandom r) {
                return replaceVersion(b, pick(r, VERSIONS));
            }
        },
        BARE_LF {
            byte[] apply(byte[] b, SplittableRandom r) {
                return str(new String(b, ISO_8859_1).replace("\r\n", "\n"));
            }
        },
        NO_CONNECTION_CLOSE {
            byte[] apply(byte[] b, SplittableRandom r) {
                return str(new String(b, ISO_8859_1).replaceAll("(?i)connection: close\r\n", ""));
            }
        };

        abstract byte[] apply(byte[] b, SplittableRandom r);
    }

    static byte[] str(String s) {
        return s.getBytes(ISO_8859_1);
    }

    static byte[] flip(byte[] b, int p, int bit) {
        if (b.length == 0) {
            return b;
        }
        byte[] r = b.clone();
        r[p % r.length] ^= (byte) (1 << bit);
        return r;
    }

    static byte[] set(byte[] b, int p, byte v) {
        if (b.length == 0) {
            return b;
        }
        byte[] r = b.clone();
        r[p % r.length] = v;
        return r;
    }

    static byte[] insert(byte[] b, int p, byte[] ins) {
        int at = p % (b.length + 1);
        byte[] r = new byte[b.length + ins.length];
        System.arraycopy(b, 0, r, 0, at);
        System.arraycopy(ins, 0, r, at, ins.length);
        System.arraycopy(b, at, r, at + ins.length, b.length - at);
        return r;
    }

    /** Splits into request line, header lines and the rest (from the blank line on). */
    static List<String> lines(byte[] b) {
        String s = new String(b, ISO_8859_1);
        int end = s.indexOf("\r\n\r\n");
        List<String> parts = new ArrayList<>(Arrays.asList((end < 0 ? s : s.substring(0, end)).split("\r\n", -1)));
        parts.add(end < 0 ? null : s.substring(end));
        return parts;
    }

    static byte[] join(List<String> parts) {
        String tail = parts.get(parts.size() - 1);
        String head = String.join("\r\n", parts.subList(0, parts.size() - 1));
        return str(tail == null ? head : head + tail);
    }

    static byte[] duplicateLine(byte[] b, int p) {
        List<String> parts = lines(b);
        if (parts.size() < 3) {
            return b;
        }
        int i = 1 + p % (parts.size() - 2);
        parts.add(i, parts.get(i));
        return join(parts);
    }

    static byte[] removeLine(byte[] b, int p) {
        List<String> parts = lines(b);
        if (parts.size() < 3) {
            return b;
        }
        parts.remove(1 + p % (parts.size() - 2));
        return join(parts);
    }

    static byte[] recaseName(byte[] b, int p, long bits) {
        List<String> parts = lines(b);
        if (parts.size() < 3) {
            return b;
        }
        int i = 1 + p % (parts.size() - 2);
        String line = parts.get(i);
        int colon = line.indexOf(':');
        if (colon > 0) {
            parts.set(i, randomCase(line.substring(0, colon), bits) + line.substring(colon));
        }
        return join(parts);
    }

    static byte[] replaceValue(byte[] b, int p, String v) {
        List<String> parts = lines(b);
        if (parts.size() < 3) {
            return b;
        }
        int i = 1 + p % (parts.size() - 2);
        String line = parts.get(i);
        int colon = line.indexOf(':');
        if (colon > 0) {
            parts.set(i, line.substring(0, colon + 1) + " " + v);
        }
        return join(parts);
    }

    static byte[] addLine(byte[] b, int p, String line) {
        List<String> parts = lines(b);
        parts.add(1 + p % (parts.size() - 1), line);
        return join(parts);
    }

    static byte[] replaceMethod(byte[] b, String m) {
        String s = new String(b, ISO_8859_1);
        int sp = s.indexOf(' ');
        return sp < 0 ? b : str(m + s.substring(sp));
    }

    static byte[] replaceVersion(byte[] b, String v) {
        String s = new String(b, ISO_8859_1);
        int eol = s.indexOf("\r\n");
        int sp = eol < 0 ? -1 : s.lastIndexOf(' ', eol);
        return sp < 0 ? b : str(s.substring(0, sp + 1) + v + s.substring(eol));
    }
}
