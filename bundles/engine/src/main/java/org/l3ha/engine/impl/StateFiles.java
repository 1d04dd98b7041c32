package org.l3ha.engine.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.l3ha.api.HaState;
import org.l3ha.common.RouterIds;

/**
 * The per-router state files Neutron keeps, {@code <ha_confs_path>/<router_id>/state}: the bare
 * word, no newline. Written atomically (temporary file + rename) so neither Neutron's tools nor
 * a crash ever see half a word; read tolerantly (trimmed, any case, legacy {@code master}).
 */
final class StateFiles {
    static final String FILE_NAME = "state";
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-r--r--");

    private final Path haConfsPath;

    StateFiles(Path haConfsPath) {
        this.haConfsPath = haConfsPath;
    }

    Path root() {
        return haConfsPath;
    }

    Path file(String routerId) {
        return haConfsPath.resolve(routerId).resolve(FILE_NAME);
    }

    /**
     * Replaces the state file of {@code routerId} with {@code state}'s word, atomically.
     *
     * @throws IOException if the file could not be written
     */
    void write(String routerId, HaState state) throws IOException {
        Path dir = haConfsPath.resolve(RouterIds.normalize(routerId));
        createDirectory(haConfsPath);
        createDirectory(dir);
        Path tmp = Files.createTempFile(dir, ".state.", ".l3ha-tmp");
        try {
            Files.write(tmp, state.word().getBytes(StandardCharsets.US_ASCII));
            Files.setPosixFilePermissions(tmp, FILE_MODE);
            try {
                Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * @return the state in {@code routerId}'s file; empty if there is no file or it holds
     *         anything but a state word (junk counts as unknown)
     */
    Optional<HaState> read(String routerId) throws IOException {
        try {
            return parse(Files.readString(file(routerId), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads every state file under {@code ha_confs_path} whose directory name is a router id.
     *
     * @param errors receives one line per unreadable file
     * @return router id (lower case) to the state its file holds; junk and unknown are left out
     */
    Map<String, HaState> readAll(Map<Path, String> errors) {
        Map<String, HaState> states = new HashMap<>();
        if (!Files.isDirectory(haConfsPath)) {
            return states;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(haConfsPath)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (!RouterIds.isUuid(name) || !Files.isDirectory(dir)) {
                    continue;
                }
                Path file = dir.resolve(FILE_NAME);
                try {
                    parse(Files.readString(file, StandardCharsets.UTF_8))
                            .ifPresent(s -> states.put(RouterIds.normalize(name), s));
                } catch (NoSuchFileException e) {
                    // a router directory without a state yet
                } catch (IOException | RuntimeException e) {
                    errors.put(file, String.valueOf(e));
                }
            }
        } catch (IOException e) {
            errors.put(haConfsPath, String.valueOf(e));
        }
        return states;
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

    private static void createDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, DIR_MODE);
        }
    }
}
