package org.l3ha.reporter.journal.impl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;

import org.l3ha.api.HealthCheck;
import org.l3ha.api.HealthResult;
import org.l3ha.api.StateReporter;
import org.l3ha.api.StatsProvider;
import org.l3ha.common.AgentSettings;
import org.l3ha.common.ConfigException;
import org.l3ha.common.ConfigGate;
import org.l3ha.common.ConfigReader;
import org.l3ha.common.LogText;
import org.l3ha.common.SafeFiles;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StateReporter} that appends one JSON line per batch to a journal file:
 * <pre>{"time": "2026-11-25T17:13:25.123Z", "host": "node-1", "states": {"&lt;router_id&gt;": "active"}}</pre>
 * byte for byte as Python's {@code json.dumps} writes it (separators {@code ", "} and {@code ": "},
 * everything outside printable ASCII written as a JSON unicode escape in lower-case hex).
 * Each line is written with one append to the file, forced to disk, and the file is closed again,
 * so an operator may rotate the journal by renaming it at any time.
 *
 * <p>The journal lies in {@code state_path}, which another account ({@code neutron}) may write, so
 * it is appended to only if it is a regular file with one name ({@link SafeFiles#append}): a link,
 * a FIFO or a file with other hard links there is never written through; the batch fails with an
 * ERROR naming the path (once, and its recovery once) and the notifier keeps the states and
 * retries. A new journal is created 0644. The health check is WARN while another account can
 * change the journal's directory.
 *
 * <p>Reads {@code state_path} and {@code host} from PID {@code org.l3ha.agent} and {@code path}
 * from PID {@value #PID}.
 */
@Component(name = JournalReporter.PID, configurationPid = {AgentSettings.PID, JournalReporter.PID},
        service = {StateReporter.class, StatsProvider.class, HealthCheck.class},
        property = {StateReporter.NAME + "=journal", StatsProvider.NAME + "=journal", HealthCheck.NAME + "=reporter.journal"},
        immediate = true)
// bnd 7.4.0 rejects @Designate on a component with two configuration PIDs ("a Designate which
// requires exactly one pid"), so Config designates its PID itself: @ObjectClassDefinition(pid = ...)
// makes bnd write <Designate pid="org.l3ha.reporter.journal"> for it.
public final class JournalReporter implements StateReporter, StatsProvider, HealthCheck {
    static final String PID = "org.l3ha.reporter.journal";
    static final String PATH = "path";
    static final String DEFAULT_PATH = "$state_path/ha-states.jsonl";

    /** The options of PID {@value JournalReporter#PID}. */
    @ObjectClassDefinition(pid = PID, name = "l3ha journal reporter",
            description = "Appends one JSON line per batch of router states to a journal file."
                    + " state_path and host come from PID org.l3ha.agent.")
    public @interface Config {
        @AttributeDefinition(name = "path",
                description = "Absolute path of the journal file; $state_path is replaced by state_path of"
                        + " PID org.l3ha.agent. The parent directory is created if missing.")
        String path() default DEFAULT_PATH;
    }

    private static final Logger LOG = LoggerFactory.getLogger(JournalReporter.class);
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final PythonEscapes ESCAPES = new PythonEscapes();
    /** Routers whose states are shown in the INFO line of a batch. */
    private static final int LOGGED_STATES = 10;
    /** The keys of the merged configuration: this PID's and the agent PID's. */
    static final Set<String> KNOWN_KEYS = known();

    /** Where to write and as whom: replaced as a whole on reconfiguration. */
    record Target(Path path, String host) {
    }

    private final Clock clock;
    /** Escapes like json.dumps(ensure_ascii=True): lower-case hex, see {@link #line}. */
    private final JsonFactory json = JsonFactory.builder()
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
            .build();
    private volatile Target target;
    private final java.util.concurrent.atomic.AtomicLong lines = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private volatile String lastError;
    private volatile long lastWriteMillis;
    /** The failure logged at ERROR, until a line is written again; guarded by {@code this}. */
    private String loggedError;
    private final Object configLock = new Object();
    private volatile String dirWarning;
    private volatile String unknownKeys;

    /**
     * @param props the merged configuration of PIDs {@code org.l3ha.agent} and {@value #PID}
     * @throws ConfigException if it is invalid (logged at ERROR); DS retries when it changes
     */
    @Activate
    public JournalReporter(Map<String, Object> props) {
        this(props, Clock.systemUTC());
    }

    JournalReporter(Map<String, Object> props, Clock clock) {
        this.clock = clock;
        target = ConfigGate.atStart(LOG, "Journal reporter", () -> parse(props));
        LOG.info("Journal reporter active: journal {}, host {}", LogText.path(target.path()), LogText.escape(target.host()));
        checkConfiguration(props, target);
    }

    /** Takes a new {@code path} or {@code host}; an invalid configuration is rejected, the last good one kept. */
    @Modified
    void modified(Map<String, Object> props) {
        Target old = target;
        Optional<Target> parsed = ConfigGate.onModify(LOG, () -> parse(props), () -> "journal " + old.path() + ", host " + old.host());
        if (parsed.isEmpty()) {
            return;
        }
        Target next = parsed.get();
        target = next;
        if (!next.equals(old)) {
            LOG.info("Journal reporter now writes to {} as host {}", LogText.path(next.path()), LogText.escape(next.host()));
        }
        checkConfiguration(props, next);
    }

    /**
     * Names unknown keys (once per configuration that has them) and checks whether another account
     * can change the journal's directory (a WARN line when that is new, an INFO line when it ends).
     */
    private void checkConfiguration(Map<String, Object> props, Target t) {
        synchronized (configLock) {
            checkConfigurationLocked(props, t);
        }
    }

    private void checkConfigurationLocked(Map<String, Object> props, Target t) {
        String keys = ConfigReader.unknownKeysWarning(props, KNOWN_KEYS, PID, PID, AgentSettings.PID);
        if (keys != null && !keys.equals(unknownKeys)) {
            LOG.warn("{}", keys);
        }
        unknownKeys = keys;
        Path dir = t.path().toAbsolutePath().getParent();
        String before = dirWarning;
        String now = dir == null ? null : SafeFiles.writableByOthers(dir).map(f -> "another account can change the"
                + " journal's directory: " + f).orElse(null);
        dirWarning = now;
        if (now != null && !now.equals(before)) {
            LOG.warn("Journal {}: {} (l3ha appends to no link, special file or hard-linked file planted there, but that"
                    + " account can still remove or replace the journal)", LogText.path(t.path()), now);
        } else if (now == null && before != null) {
            LOG.info("Journal {}: only {} can change its directory now", LogText.path(t.path()),
                    "root".equals(SafeFiles.self()) ? "root" : "root and " + SafeFiles.self());
        }
    }

    private static Set<String> known() {
        Set<String> keys = new HashSet<>(AgentSettings.KEYS);
        keys.add(PATH);
        return Set.copyOf(keys);
    }

    static Target parse(Map<String, ?> props) {
        AgentSettings settings = AgentSettings.parse(props);
        ConfigReader reader = new ConfigReader(PID, props);
        Path path = reader.path(PATH, DEFAULT_PATH, settings.statePath());
        reader.done();
        return new Target(path, settings.host());
    }

    /** @return where the journal is written and the host name in it */
    Target target() {
        return target;
    }

    /**
     * Appends one line for the batch.
     *
     * @throws IOException if the line could not be written and synced, or the journal is a link,
     *         a special file or a file with other hard links (then nothing was appended); nothing
     *         was appended unless the failure came after the write (then the batch is written
     *         again later)
     */
    @Override
    public synchronized void report(Map<String, String> states) throws IOException {
        Target t = target;
        byte[] line = line(clock.instant().toEpochMilli(), t.host(), states);
        try {
            append(t.path(), line);
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            String error = LogText.escape(String.valueOf(e));
            lastError = error;
            if (!error.equals(loggedError)) {
                loggedError = error;
                LOG.error("Journal {}: cannot append a line: {}; the notifier keeps the states and retries (nothing is"
                        + " ever appended to a link, a special file or a file with other hard links; logged once until"
                        + " a line is written)", LogText.path(t.path()), error);
            }
            throw e;
        }
        lines.incrementAndGet();
        lastError = null;
        lastWriteMillis = clock.millis();
        if (loggedError != null) {
            loggedError = null;
            LOG.info("Journal {}: lines are written again", LogText.path(t.path()));
        }
        if (LOG.isInfoEnabled()) {
            LOG.info("Journal {}: {} states {}", LogText.path(t.path()), states.size(), preview(states));
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("Journal {}: appended {}", LogText.path(t.path()), new String(line, 0, line.length - 1, StandardCharsets.UTF_8));
        }
    }

    /** @return {@code lines} written and {@code failures} */
    @Override
    public Map<String, Long> counters() {
        return Map.of("lines", lines.get(), "failures", failures.get());
    }

    /**
     * WARN while the last write failed (the notifier retries) or another account can change the
     * journal's directory, else OK with the last write time.
     */
    @Override
    public HealthResult check() {
        String error = lastError;
        Optional<String> dir = Optional.ofNullable(dirWarning);
        String path = LogText.path(target.path());
        if (error != null) {
            return HealthResult.warn("cannot write " + path + ": " + error + dir.map(d -> "; " + d).orElse(""));
        }
        if (dir.isPresent()) {
            return HealthResult.warn(path + ": " + dir.get());
        }
        long t = lastWriteMillis;
        return HealthResult.ok(path + (t == 0 ? ", nothing written yet" : ", last line " + Instant.ofEpochMilli(t)));
    }

    /** @return the JSON line with its trailing newline, UTF-8 (pure ASCII, non-ASCII escaped) */
    byte[] line(long epochMillis, String host, Map<String, String> states) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + states.size() * 52);
        try (JsonGenerator g = json.createGenerator(out, JsonEncoding.UTF8)) {
            g.setPrettyPrinter(new PythonSeparators());
            // json.dumps escapes everything outside printable ASCII, DEL included
            g.setHighestNonEscapedChar(0x7e);
            g.setCharacterEscapes(ESCAPES);
            g.writeStartObject();
            g.writeStringField("time", TIME.format(Instant.ofEpochMilli(epochMillis)));
            g.writeStringField("host", host);
            g.writeObjectFieldStart("states");
            for (Map.Entry<String, String> e : states.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        out.write('\n');
        return out.toByteArray();
    }

    /**
     * Appends {@code line} in one write, synced, creating the file 0644 (and a missing directory
     * 0755) if needed; never through a link, into a special file or into a file with other hard
     * links ({@link SafeFiles#append}).
     */
    private static void append(Path path, byte[] line) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        boolean created;
        try {
            created = SafeFiles.append(path, line, SafeFiles.FILE_0644, true);
        } catch (NoSuchFileException e) {
            // a directory on the way is missing: made (0755) and checked like the others, then once more
            SafeFiles.createDirectories(dir, SafeFiles.DIR_0755);
            LOG.info("Journal reporter created directory {}", LogText.path(dir));
            created = SafeFiles.append(path, line, SafeFiles.FILE_0644, true);
        }
        if (created) {
            syncDirectory(dir);
        }
    }

    /** Makes a new file's directory entry durable too (best effort: not every platform allows it). */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            d.force(true);
        } catch (IOException | RuntimeException e) {
            LOG.debug("Journal reporter could not sync directory {}: {}", LogText.path(dir), LogText.escape(e.toString()));
        }
    }

    private static String preview(Map<String, String> states) {
        StringBuilder sb = new StringBuilder("{");
        int i = 0;
        for (Map.Entry<String, String> e : states.entrySet()) {
            if (i == LOGGED_STATES) {
                sb.append(", ... ").append(states.size() - LOGGED_STATES).append(" more");
                break;
            }
            if (i++ > 0) {
                sb.append(", ");
            }
            printable(sb, e.getKey()).append('=');
            printable(sb, e.getValue());
        }
        return sb.append('}').toString();
    }

    /** Appends {@code s} with control characters replaced, so a log line stays one line. */
    private static StringBuilder printable(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        return sb;
    }
}
