package org.l3ha.engine.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedDirectoryStreamException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.l3ha.api.HaState;
import org.l3ha.common.HeldDirectory;
import org.l3ha.common.LogText;
import org.l3ha.common.RouterIds;
import org.l3ha.common.SafeFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-router state files Neutron keeps, {@code <ha_confs_path>/<router_id>/state}: the bare
 * word, no newline, file 0644 in a directory 0755. {@code ha_confs_path} lies in {@code state_path},
 * which another account ({@code neutron}) may write, so nothing here follows a link that account
 * could have planted ({@link SafeFiles}): a state file is replaced through a fresh name created
 * exclusively and renamed over it (neither Neutron's tools nor a crash ever see half a word, and a
 * link planted at {@code state} is replaced, never written through); a router directory that is a
 * link of another account is not entered. Writes go through {@code ha_confs_path} held open
 * ({@link HeldDirectory}: walked once, then one {@code stat} per write to check that the path
 * still leads there); a router directory that is a link, or anything unusual, is left to the
 * whole walk of {@link SafeFiles#write}, which follows a link of root's and refuses another
 * account's. Read tolerantly (trimmed, any case, legacy
 * {@code master}; junk is unknown), but only regular files, and no router directory or state file
 * that is a link.
 */
final class StateFiles {
    static final String FILE_NAME = "state";
    /** A state file holds one word; a longer one is junk (read as unknown), never read whole. */
    static final int MAX_BYTES = 4096;
    /** Skipped links named one by one at start; the rest are counted in one line. */
    static final int SKIPPED_NAMED = 10;

    private static final Logger LOG = LoggerFactory.getLogger(StateFiles.class);
    private static final Path STATE = Path.of(FILE_NAME);
    /** The temporary names {@link SafeFiles#write(Path, byte[], Set, boolean)} gives a new state file before renaming it. */
    private static final java.util.regex.Pattern TEMPORARY = java.util.regex.Pattern.compile("\\.state\\.[0-9a-f]{16}\\.tmp");

    /** What {@link #remove} found and did. */
    enum Removal {
        /** No router directory. */
        NOTHING,
        /** The state file and the directory, then empty, were removed. */
        DIRECTORY_REMOVED,
        /** The state file (if any) was removed; the directory was kept: other files are in it. */
        DIRECTORY_KEPT,
        /** The router's directory is a symbolic link or not a directory: left alone, not followed. */
        NOT_A_DIRECTORY
    }

    private final Path haConfsPath;
    /** {@code ha_confs_path} held open for {@link #write}: one walk, then one stat per write. */
    private final HeldDirectory confs;

    StateFiles(Path haConfsPath) {
        this.haConfsPath = haConfsPath;
        this.confs = new HeldDirectory(haConfsPath, SafeFiles.DIR_0755);
    }

    Path root() {
        return haConfsPath;
    }

    Path file(String routerId) {
        return haConfsPath.resolve(routerId).resolve(FILE_NAME);
    }

    /**
     * Replaces the state file of {@code routerId} with {@code state}'s word, atomically; missing
     * directories are created 0755.
     *
     * @throws IOException if the file could not be written, for example because the router's
     *         directory is a link another account owns (the message names it)
     */
    void write(String routerId, HaState state) throws IOException {
        String id = RouterIds.normalize(routerId);
        byte[] word = state.word().getBytes(StandardCharsets.US_ASCII);
        try {
            if (confs.use(dir -> writeIn(dir, Path.of(id), word))) {
                return;
            }
        } catch (ClosedDirectoryStreamException e) {
            // closed (ha_confs_path changed, the engine stopped) while this write was on its way: written as below
        } catch (NoSuchFileException e) {
            // the directory went away twice in a row: the walk below creates what is missing, or says why not
        }
        // a router directory that is a link or not a directory, or the handle closed: the whole
        // path is walked, as SafeFiles does (a link of root's is followed, another account's refused)
        SafeFiles.write(file(id), word, SafeFiles.FILE_0644, false, SafeFiles.DIR_0755);
    }

    /**
     * Writes the router's state file relative to the held {@code ha_confs_path}: the router's
     * directory is opened without following a link (created 0755 if missing, by
     * {@link SafeFiles#createDirectory}), and the file replaced there ({@link SafeFiles#write(SecureDirectoryStream,
     * Path, byte[], Set, boolean)}). About 14 system calls, where the walk from {@code /} takes
     * four times as many.
     *
     * @return false if the router's directory is a link or not a directory: left to the walk
     * @throws NoSuchFileException if a directory made for the router is not in the held one (that
     *         was removed meanwhile, and the path leads elsewhere): {@link HeldDirectory} walks again
     */
    private boolean writeIn(SecureDirectoryStream<Path> dir, Path name, byte[] word) throws IOException {
        // looked at first: opening a FIFO planted there would block
        Optional<PosixFileAttributes> a = SafeFiles.attributes(dir, name);
        if (a.isPresent() && !a.get().isDirectory()) {
            return false;
        }
        try (SecureDirectoryStream<Path> router = a.isEmpty()
                ? SafeFiles.createDirectory(dir, confs.path(), name, SafeFiles.DIR_0755)
                : dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            SafeFiles.write(router, STATE, word, SafeFiles.FILE_0644, false);
        }
        return true;
    }

    /** Closes the held handle on {@code ha_confs_path}; a later write walks the whole path. Idempotent. */
    void close() {
        confs.close();
    }

    /**
     * Reads every state file under {@code ha_confs_path} whose directory name is a router id,
     * through one handle on {@code ha_confs_path}. A router directory or state file that is a link
     * is skipped with a WARN naming it (the first {@value #SKIPPED_NAMED}, then one line with how
     * many more); a file that cannot be read is a WARN too.
     *
     * @return router id (lower case) to the state its file holds; junk and unknown are left out
     */
    Map<String, HaState> readAll() {
        Map<String, HaState> states = new HashMap<>();
        int skipped = 0;
        try (SecureDirectoryStream<Path> confs = SafeFiles.openDirectory(haConfsPath)) {
            for (Path entry : confs) {
                Path name = entry.getFileName();
                if (!RouterIds.isUuid(name.toString())) {
                    continue;
                }
                Optional<String> problem;
                try {
                    problem = readOne(confs, name, states);
                } catch (IOException | RuntimeException e) {
                    problem = Optional.of(LogText.path(file(name.toString())) + " cannot be read: "
                            + LogText.escape(String.valueOf(e)));
                }
                if (problem.isPresent() && ++skipped <= SKIPPED_NAMED) {
                    LOG.warn("State file skipped: {}", problem.get());
                }
            }
        } catch (NoSuchFileException e) {
            return states;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot read the state files in {}: {}", LogText.path(haConfsPath), LogText.escape(String.valueOf(e)));
        }
        if (skipped > SKIPPED_NAMED) {
            LOG.warn("State files skipped: {} more in {} (links or unreadable files; only the first {} are named)",
                    skipped - SKIPPED_NAMED, LogText.path(haConfsPath), SKIPPED_NAMED);
        }
        return states;
    }

    /** @return why the router's state was skipped, or empty if it was read (or there is none) */
    private Optional<String> readOne(SecureDirectoryStream<Path> confs, Path name, Map<String, HaState> states)
            throws IOException {
        Path dir = haConfsPath.resolve(name);
        Optional<PosixFileAttributes> d = SafeFiles.attributes(confs, name);
        if (d.isEmpty()) {
            return Optional.empty(); // removed meanwhile
        }
        if (d.get().isSymbolicLink()) {
            return Optional.of(LogText.path(dir) + " is a symbolic link (owned by " + LogText.escape(d.get().owner().getName())
                    + "), not a router directory: not followed; the router's state comes from its next notification");
        }
        if (!d.get().isDirectory()) {
            return Optional.empty();
        }
        try (SecureDirectoryStream<Path> router = confs.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            Optional<PosixFileAttributes> f = SafeFiles.attributes(router, STATE);
            if (f.isEmpty()) {
                return Optional.empty(); // a router directory without a state yet
            }
            if (f.get().isSymbolicLink()) {
                return Optional.of(LogText.path(dir.resolve(STATE)) + " is a symbolic link (owned by "
                        + LogText.escape(f.get().owner().getName()) + "): not followed; the router's state comes from"
                        + " its next notification");
            }
            if (!f.get().isRegularFile()) {
                return Optional.of(LogText.path(dir.resolve(STATE)) + " is not a regular file: not read");
            }
            readWord(router).flatMap(StateFiles::parse).ifPresent(s -> states.put(RouterIds.normalize(name.toString()), s));
            return Optional.empty();
        }
    }

    /** @return the content of {@code state} in {@code dir} (not following a link), or empty if it is too large to be a word */
    private static Optional<String> readWord(SecureDirectoryStream<Path> dir) throws IOException {
        try (SeekableByteChannel ch = dir.newByteChannel(STATE, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            ByteBuffer buf = ByteBuffer.allocate(MAX_BYTES + 1);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // read until full or end of file
            }
            if (!buf.hasRemaining()) {
                return Optional.empty();
            }
            return Optional.of(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
        }
    }

    /**
     * @return whether the router's directory (not a link) holds a {@code state} entry, whatever
     *         it is; false if it cannot be told (logged at DEBUG)
     */
    boolean exists(String routerId) {
        Path name = Path.of(RouterIds.normalize(routerId));
        try (SecureDirectoryStream<Path> confs = SafeFiles.openDirectory(haConfsPath)) {
            Optional<PosixFileAttributes> d = SafeFiles.attributes(confs, name);
            if (d.isEmpty() || !d.get().isDirectory()) {
                return false;
            }
            try (SecureDirectoryStream<Path> router = confs.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                return SafeFiles.attributes(router, STATE).isPresent();
            }
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException | RuntimeException e) {
            LOG.debug("Cannot tell whether {} exists: {}", LogText.path(file(name.toString())), e.toString());
            return false;
        }
    }

    /**
     * Removes what l3ha keeps for a router that left the node, as the class comment says: in
     * {@code <ha_confs_path>/<id>/} the {@code state} entry (unless it is a directory; a link is
     * removed, never what it points to) and l3ha's temporary files, then the directory if it is
     * empty. Every step works on directory handles opened without following links, so an account
     * that can write {@code ha_confs_path} cannot make it remove anything elsewhere.
     *
     * @throws IOException if something could not be removed (the message names it)
     */
    Removal remove(String routerId) throws IOException {
        Path name = Path.of(RouterIds.normalize(routerId));
        try (SecureDirectoryStream<Path> confs = SafeFiles.openDirectory(haConfsPath)) {
            Optional<PosixFileAttributes> d = SafeFiles.attributes(confs, name);
            if (d.isEmpty()) {
                return Removal.NOTHING;
            }
            if (!d.get().isDirectory()) {
                return Removal.NOT_A_DIRECTORY;
            }
            int others = 0;
            try (SecureDirectoryStream<Path> router = confs.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                List<Path> ours = new ArrayList<>();
                for (Path entry : router) {
                    String n = entry.getFileName().toString();
                    if (n.equals(FILE_NAME) || TEMPORARY.matcher(n).matches()) {
                        ours.add(Path.of(n));
                    } else {
                        others++;
                    }
                }
                for (Path n : ours) {
                    Optional<PosixFileAttributes> a = SafeFiles.attributes(router, n);
                    if (a.isEmpty()) {
                        continue;
                    }
                    if (a.get().isDirectory()) {
                        others++;
                        continue;
                    }
                    try {
                        router.deleteFile(n);
                    } catch (NoSuchFileException e) {
                        // removed meanwhile
                    }
                }
            }
            if (others > 0) {
                return Removal.DIRECTORY_KEPT;
            }
            try {
                confs.deleteDirectory(name);
            } catch (DirectoryNotEmptyException e) {
                return Removal.DIRECTORY_KEPT; // a file was put there meanwhile
            } catch (NoSuchFileException e) {
                // removed meanwhile
            }
            return Removal.DIRECTORY_REMOVED;
        } catch (NoSuchFileException e) {
            return Removal.NOTHING;
        }
    }

    /** Reads a state word as Neutron's monitor or agent wrote it (or an operator by hand). */
    static Optional<HaState> parse(String content) {
        switch (content.trim().toLowerCase(Locale.ROOT)) {
            case "primary":
            case "master":
                return Optional.of(HaState.PRIMARY);
            case "backup":
                return Optional.of(HaState.BACKUP);
            case "fault":
                return Optional.of(HaState.FAULT);
            default:
                return Optional.empty();
        }
    }
}
