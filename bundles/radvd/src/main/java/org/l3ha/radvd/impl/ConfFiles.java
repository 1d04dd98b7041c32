package org.l3ha.radvd.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.l3ha.common.RouterIds;

/**
 * The files in {@code ra_confs}: {@code <id>.radvd.conf}, replaced atomically (temporary file
 * {@code <id>.radvd.conf.tmp} in the same directory, then rename) with mode 0444 as Neutron writes
 * it, and removed with every other {@code <id>.*} file when radvd is disabled (Neutron bug
 * #1440699).
 *
 * <p>Removing {@code <id>.*} the way Neutron does (a glob) lists the whole directory, which with
 * 100,000 routers costs more than the rest of a transition. Neutron and l3ha only ever write
 * {@code <id>.radvd.conf} (and l3ha its temporary file) there, so those two names are removed
 * directly; other {@code <id>.*} files are found by one listing of the directory when the
 * component activates (or {@code ra_confs} changes), and those routers get the full glob.
 */
final class ConfFiles {

    static final String CONF_SUFFIX = ".radvd.conf";
    static final String TMP_SUFFIX = ".radvd.conf.tmp";
    static final Set<PosixFilePermission> READ_ONLY = PosixFilePermissions.fromString("r--r--r--");
    private static final FileAttribute<Set<PosixFilePermission>> DIR_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"));
    private static final int UUID_LENGTH = 36;

    private ConfFiles() {
    }

    /**
     * Replaces {@code file} with {@code content} unless it already holds exactly that: written to
     * {@code <file>.tmp}, flushed to disk, chmod 0444, renamed over {@code file}. The directory
     * is created (0755) if missing.
     *
     * @return whether the file was written (absent or different before)
     */
    static boolean writeIfChanged(Path file, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        byte[] old = readIfExists(file);
        if (old != null && Arrays.equals(old, bytes)) {
            return false;
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir, DIR_MODE);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp); // left by a crash; it may be 0444 already
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, READ_ONLY);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return true;
    }

    /** @return the bytes of {@code file}, or null if it does not exist */
    static byte[] readIfExists(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Removes {@code <ra_confs>/<id>.radvd.conf} and its temporary file, and with {@code sweep}
     * every other {@code <ra_confs>/<id>.*} file too (not directories).
     *
     * @return how many files were removed
     */
    static int remove(Path raConfs, String routerId, boolean sweep) throws IOException {
        int removed = 0;
        if (Files.deleteIfExists(raConfs.resolve(routerId + CONF_SUFFIX))) {
            removed++;
        }
        if (Files.deleteIfExists(raConfs.resolve(routerId + TMP_SUFFIX))) {
            removed++;
        }
        if (sweep) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(raConfs, routerId + ".*")) {
                for (Path p : ds) {
                    if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(p)) {
                        removed++;
                    }
                }
            } catch (NoSuchFileException | NotDirectoryException e) {
                // no ra_confs directory: nothing to remove
            }
        }
        return removed;
    }

    /**
     * Lists {@code raConfs} once.
     *
     * @return the router ids that have an {@code <id>.*} file other than the two names l3ha writes
     */
    static Set<String> routersWithOtherFiles(Path raConfs) throws IOException {
        Set<String> ids = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(raConfs)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.length() > UUID_LENGTH && name.charAt(UUID_LENGTH) == '.'
                        && RouterIds.isUuid(name.substring(0, UUID_LENGTH))) {
                    String rest = name.substring(UUID_LENGTH);
                    if (!rest.equals(CONF_SUFFIX) && !rest.equals(TMP_SUFFIX)) {
                        ids.add(name.substring(0, UUID_LENGTH));
                    }
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            // nothing there yet
        }
        return ids;
    }
}
