package org.l3ha.radvd.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.l3ha.common.RouterIds;
import org.l3ha.common.SafeFiles;

/**
 * The files in {@code ra_confs}: {@code <id>.radvd.conf}, replaced atomically (a new file under a
 * fresh random name in the same directory, then rename; no link followed) with mode 0444 as
 * Neutron writes it, and removed with every other {@code <id>.*} file when radvd is disabled (Neutron bug
 * #1440699). {@code <id>.radvd.conf.tmp}, which earlier versions used, is removed too.
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
    private static final int UUID_LENGTH = 36;

    private ConfFiles() {
    }

    /** Larger than this is not a radvd configuration l3ha wrote. */
    static final int MAX_BYTES = 1 << 20;

    /**
     * Replaces {@code file} with {@code content} unless it already holds exactly that: written
     * under a fresh random name in the same directory, synced, mode 0444, renamed over
     * {@code file} ({@link SafeFiles#write}: no link followed). The directory is created (0755)
     * if missing. A link or special file at {@code file} counts as different and is replaced.
     *
     * @return whether the file was written (absent or different before)
     */
    static boolean writeIfChanged(Path file, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        byte[] old = readIfExists(file);
        if (old != null && Arrays.equals(old, bytes)) {
            return false;
        }
        SafeFiles.write(file, bytes, READ_ONLY, true, SafeFiles.DIR_0755);
        return true;
    }

    /** @return the bytes of {@code file}, or null if it does not exist or is not a regular file l3ha may read */
    static byte[] readIfExists(Path file) {
        try {
            return SafeFiles.readIfExists(file, MAX_BYTES).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Removes {@code <ra_confs>/<id>.radvd.conf} and its temporary file, and with {@code sweep}
     * every other {@code <ra_confs>/<id>.*} file too (not directories). Links are removed, never
     * what they point to.
     *
     * @return how many files were removed
     */
    static int remove(Path raConfs, String routerId, boolean sweep) throws IOException {
        int removed = 0;
        if (SafeFiles.delete(raConfs.resolve(routerId + CONF_SUFFIX))) {
            removed++;
        }
        if (SafeFiles.delete(raConfs.resolve(routerId + TMP_SUFFIX))) {
            removed++;
        }
        if (sweep) {
            for (String name : SafeFiles.list(raConfs)) {
                if (name.startsWith(routerId + ".") && !name.equals(routerId + CONF_SUFFIX)) {
                    try {
                        if (SafeFiles.delete(raConfs.resolve(name))) {
                            removed++;
                        }
                    } catch (IOException e) {
                        // a directory: left alone
                    }
                }
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
        for (String name : SafeFiles.list(raConfs)) {
            if (name.length() > UUID_LENGTH && name.charAt(UUID_LENGTH) == '.'
                    && RouterIds.isUuid(name.substring(0, UUID_LENGTH))) {
                String rest = name.substring(UUID_LENGTH);
                if (!rest.equals(CONF_SUFFIX) && !rest.equals(TMP_SUFFIX)) {
                    ids.add(name.substring(0, UUID_LENGTH));
                }
            }
        }
        return ids;
    }
}
