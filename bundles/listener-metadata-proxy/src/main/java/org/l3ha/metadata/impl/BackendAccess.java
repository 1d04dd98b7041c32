package org.l3ha.metadata.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.l3ha.common.DaemonAccount;
import org.l3ha.common.LogText;

/**
 * Whether haproxy, running as its {@link DaemonAccount}, can connect to the metadata agent's
 * unix socket: connecting needs write permission on the socket and search permission on every
 * directory above it. When it cannot, haproxy starts and listens but answers every instance's
 * metadata request {@code 503}, which nothing else would explain to the operator.
 *
 * <p>The account's groups are its group, its primary group in {@code /etc/passwd} and the groups
 * that list it as a member in {@code /etc/group} (haproxy sets them when it drops privileges).
 * A socket that does not exist yet (the metadata agent not started) is not a problem of access.
 */
final class BackendAccess {
    private BackendAccess() {
    }

    /**
     * @return why {@code account} cannot connect to {@code socket}, or empty if it can (or the
     *         socket does not exist, or the account's ids cannot be found)
     */
    static Optional<String> problem(Path socket, DaemonAccount account, DaemonAccount.Databases db) {
        try {
            Optional<DaemonAccount.Ids> ids = account.ids(db);
            if (ids.isEmpty() || ids.get().uid() == 0) {
                return Optional.empty();
            }
            int uid = ids.get().uid();
            Set<Integer> gids = ids.get().gids();
            Path abs = socket.toAbsolutePath();
            for (Path dir = abs.getParent(); dir != null; dir = dir.getParent()) {
                if (!permits(dir, uid, gids, PosixFilePermission.OWNER_EXECUTE,
                        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE)) {
                    return Optional.of("haproxy runs as " + account + ", which cannot reach the metadata agent's socket "
                            + LogText.path(abs) + ": directory " + LogText.path(dir) + " (" + describe(dir)
                            + ") does not let it through");
                }
            }
            if (!permits(abs, uid, gids, PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.OTHERS_WRITE)) {
                return Optional.of("haproxy runs as " + account + ", which cannot connect to the metadata agent's socket "
                        + LogText.path(abs) + " (" + describe(abs) + ")");
            }
            return Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // cannot tell: say nothing rather than something wrong
        }
    }

    private static boolean permits(Path p, int uid, Set<Integer> gids, PosixFilePermission owner,
            PosixFilePermission group, PosixFilePermission others) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> perms = permissions((Integer) a.get("mode"));
        if ((Integer) a.get("uid") == uid) {
            return perms.contains(owner);
        }
        if (gids.contains((Integer) a.get("gid"))) {
            return perms.contains(group);
        }
        return perms.contains(others);
    }

    private static String describe(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
        return "mode " + PosixFilePermissions.toString(permissions((Integer) a.get("mode"))) + ", uid " + a.get("uid")
                + ", gid " + a.get("gid");
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = new HashSet<>();
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                s.add(order[bit]);
            }
        }
        return s;
    }
}
