package org.l3ha.engine.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;

import org.l3ha.api.HaState;
import org.l3ha.common.LogText;
import org.l3ha.common.RouterIds;
import org.l3ha.common.SafeFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hand-over file {@code <state_path>/l3ha-engine.pending}: the transitions a stopping engine
 * had not applied, one line per router, {@code <router_id> <primary|backup|fault> <epoch millis it
 * became desired>}, and the removals the registry asked for that it had not carried out,
 * {@code <router_id> removed <epoch millis>}, for the next engine instance to carry on with.
 *
 * <p>{@code state_path} may belong to another account, so the file is written 0600 under a fresh
 * name and renamed into place ({@link SafeFiles#write}); and it is taken only if it is what l3ha
 * wrote: a regular file of root or l3ha's account with one name. A link, a FIFO or any other file
 * there is refused with an ERROR and left in place (never opened, so a FIFO cannot block); inside
 * a file that is taken, every line must be a router id, a state word and a time, and a bad line
 * is counted and named by its number, never echoed.
 */
final class PendingFile {
    static final String NAME = "l3ha-engine.pending";
    /** The word of a removal line. */
    static final String REMOVED = "removed";
    /** Far above what an engine writes (about 60 bytes per router); anything larger is refused. */
    static final int MAX_BYTES = 16 << 20;
    /** Bad lines named by number in the log line; the rest are counted. */
    static final int BAD_LINES_NAMED = 10;

    private static final Logger LOG = LoggerFactory.getLogger(PendingFile.class);

    private PendingFile() {
    }

    /**
     * Hands {@code pending} over to the next engine instance in {@code statePath} ({@link #write})
     * and logs that the engine stopped: with how many were handed over, or why they could not be.
     */
    static void handOver(Path statePath, List<Transitions.Pending> pending) {
        Path file = statePath.resolve(NAME);
        try {
            write(file, pending);
            if (pending.isEmpty()) {
                LOG.info("Transition engine stopped; no transition pending");
            } else {
                LOG.info("Transition engine stopped; {} pending transitions handed over in {}", pending.size(),
                        LogText.path(file));
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("Transition engine stopped; cannot hand over {} pending transitions in {}: {}",
                    pending.size(), LogText.path(file), LogText.escape(String.valueOf(e)));
        }
    }

    /** Takes what a previous engine instance handed over in {@code statePath} ({@link #read}). */
    static List<Transitions.Pending> take(Path statePath) {
        return read(statePath.resolve(NAME));
    }

    /** Writes {@code pending} to {@code file} (0600, synced), or removes the file if there is nothing to hand over. */
    static void write(Path file, List<Transitions.Pending> pending) throws IOException {
        if (pending.isEmpty()) {
            SafeFiles.delete(file);
            return;
        }
        StringBuilder sb = new StringBuilder(pending.size() * 64);
        for (Transitions.Pending p : pending) {
            sb.append(p.routerId()).append(' ').append(p.isRemoval() ? REMOVED : p.state().word()).append(' ')
                    .append(p.sinceMillis()).append('\n');
        }
        SafeFiles.write(file, sb.toString().getBytes(StandardCharsets.US_ASCII), SafeFiles.FILE_0600, true,
                SafeFiles.DIR_0755);
    }

    /**
     * Reads and removes the hand-over file; bad lines are counted, logged by number and skipped. A
     * file l3ha did not write is refused (logged at ERROR, nothing taken from it, left in place).
     *
     * @return the valid transitions, in file order; none if there is no file or it was refused
     */
    static List<Transitions.Pending> read(Path file) {
        byte[] content;
        try {
            Optional<String> refusal = refusal(file);
            if (refusal.isPresent()) {
                LOG.error("Pending transitions not taken from {}: {}; nothing is carried over from it and it is left in"
                        + " place (l3ha writes that file itself, as a regular file of {}, mode 0600)",
                        LogText.path(file), refusal.get(), SafeFiles.self());
                return List.of();
            }
            content = SafeFiles.read(file, MAX_BYTES);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException | RuntimeException e) {
            LOG.error("Pending transitions not taken from {}: {}", LogText.path(file), LogText.escape(String.valueOf(e)));
            return List.of();
        }
        try {
            SafeFiles.delete(file);
        } catch (IOException | RuntimeException e) {
            LOG.error("Cannot remove {} after reading it: {}; the next start would carry the same transitions over",
                    LogText.path(file), LogText.escape(String.valueOf(e)));
        }
        return parse(file, content);
    }

    /** @return why the file is not one l3ha wrote, or empty if it is */
    private static Optional<String> refusal(Path file) throws IOException {
        Path abs = file.toAbsolutePath().normalize();
        PosixFileAttributes a;
        try (SecureDirectoryStream<Path> dir = SafeFiles.openDirectory(abs.getParent())) {
            a = SafeFiles.attributes(dir, abs.getFileName()).orElseThrow(() -> new NoSuchFileException(abs.toString()));
        }
        String owner = a.owner().getName();
        if (a.isSymbolicLink()) {
            return Optional.of("it is a symbolic link (owned by " + LogText.escape(owner) + ")");
        }
        if (!a.isRegularFile()) {
            return Optional.of("it is " + (a.isDirectory() ? "a directory" : "a special file (FIFO, socket or device)")
                    + " owned by " + LogText.escape(owner));
        }
        if (!owner.equals("root") && !owner.equals(SafeFiles.self())) {
            return Optional.of("it belongs to " + LogText.escape(owner) + ", not to l3ha");
        }
        Object links = Files.getAttribute(abs, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        if (links instanceof Integer n && n > 1) {
            return Optional.of("it has " + n + " hard links");
        }
        return Optional.empty();
    }

    private static List<Transitions.Pending> parse(Path file, byte[] content) {
        List<Transitions.Pending> pending = new ArrayList<>();
        String[] lines = new String(content, StandardCharsets.US_ASCII).split("\n", -1);
        int bad = 0;
        StringJoiner named = new StringJoiner(", ");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() && i == lines.length - 1) {
                break; // after the last newline
            }
            Transitions.Pending p = line(line);
            if (p != null) {
                pending.add(p);
            } else if (++bad <= BAD_LINES_NAMED) {
                named.add(Integer.toString(i + 1));
            }
        }
        if (bad > 0) {
            LOG.warn("Pending transitions in {}: {} bad line(s) skipped (line {}{}); a line must be '<router id>"
                    + " primary|backup|fault|removed <epoch milliseconds>'", LogText.path(file), bad, named,
                    bad > BAD_LINES_NAMED ? ", ..." : "");
        }
        return pending;
    }

    /** @return the transition on {@code line}, or null if it is not exactly a router id, a state word and a time */
    private static Transitions.Pending line(String line) {
        String[] f = line.split(" ", -1);
        if (f.length != 3 || !RouterIds.isUuid(f[0]) || !isMillis(f[2])) {
            return null;
        }
        if (f[1].equals(REMOVED)) {
            return Transitions.Pending.removal(RouterIds.normalize(f[0]), Long.parseLong(f[2]));
        }
        HaState state = switch (f[1]) {
            case "primary" -> HaState.PRIMARY;
            case "backup" -> HaState.BACKUP;
            case "fault" -> HaState.FAULT;
            default -> null;
        };
        return state == null ? null : new Transitions.Pending(RouterIds.normalize(f[0]), state, Long.parseLong(f[2]));
    }

    private static boolean isMillis(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
