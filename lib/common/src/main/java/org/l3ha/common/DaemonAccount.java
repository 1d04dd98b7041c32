package org.l3ha.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The account a daemon l3ha starts (radvd, the haproxy metadata proxy) drops its privileges to.
 *
 * <p>Neutron's rule for an empty {@code radvd_user}, {@code metadata_proxy_user} or
 * {@code metadata_proxy_group} is "the agent's effective user (group)"; Neutron's agent runs as
 * the {@code neutron} account, so its daemons do too. l3ha runs as root, where that rule would
 * leave haproxy, which tenants' instances talk to, and radvd running as root. So an empty value
 * means: the agent's effective user (group) when l3ha does not run as root (Neutron's rule);
 * when it does, the account that owns {@code state_path} (its group for the group), which on a
 * Neutron node is the account Neutron's agents run as and the one the metadata agent lets
 * connect to its socket; and if that is root too, {@code nobody} ({@code nogroup}, or
 * {@code nobody} where there is no {@code nogroup}). Names and numeric ids are resolved with
 * {@code /etc/passwd} and {@code /etc/group}.
 *
 * @param user the user name
 * @param group the group name
 */
public record DaemonAccount(String user, String group) {

    static final String ROOT = "root";
    static final String NOBODY = "nobody";
    static final String NOGROUP = "nogroup";

    /** Where names come from: {@code /etc/passwd}, {@code /etc/group}, and this process's identity. */
    public record Databases(Path passwd, Path group, Path self) {
        public static final Databases SYSTEM = new Databases(Path.of("/etc/passwd"), Path.of("/etc/group"),
                Path.of("/proc/self"));
    }

    /**
     * @param configuredUser the option's value, empty for unset
     * @param configuredGroup the group option's value, empty for unset (haproxy); null for none (radvd)
     * @param statePath {@code state_path}
     * @return the account, names resolved
     * @throws IOException if a name or id cannot be resolved (the message says which)
     */
    public static DaemonAccount resolve(String configuredUser, String configuredGroup, Path statePath, Databases db)
            throws IOException {
        DaemonAccount dflt = null;
        String user = configuredUser == null ? "" : configuredUser;
        String group = configuredGroup == null ? "" : configuredGroup;
        if (user.isEmpty() || group.isEmpty()) {
            dflt = defaultAccount(statePath, db);
        }
        String u = user.isEmpty() ? dflt.user() : name(db.passwd(), user, "user");
        String g = group.isEmpty() ? dflt.group() : name(db.group(), group, "group");
        return new DaemonAccount(u, g);
    }

    /** @return whether {@code user} is root (by name) */
    public boolean isRoot() {
        return ROOT.equals(user);
    }

    @Override
    public String toString() {
        return user + ":" + group;
    }

    /**
     * The numeric identity of an account.
     *
     * @param uid the user's id
     * @param gids its group, its primary group in the passwd database and the groups that list
     *        it as a member (what a daemon that drops privileges by name ends up with)
     */
    public record Ids(int uid, Set<Integer> gids) {
    }

    /**
     * @return this account's ids, or empty if the user is not in {@code db} (or its id is not a number)
     * @throws IOException if a database cannot be read
     */
    public Optional<Ids> ids(Databases db) throws IOException {
        Optional<Integer> uid = Optional.empty();
        Set<Integer> gids = new HashSet<>();
        for (String line : lines(db.passwd())) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && f[0].equals(user)) {
                uid = number(f[2]);
                number(f[3]).ifPresent(gids::add);
                break;
            }
        }
        if (uid.isEmpty()) {
            return Optional.empty();
        }
        for (String line : lines(db.group())) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && (f[0].equals(group) || List.of(f[3].split(",")).contains(user))) {
                number(f[2]).ifPresent(gids::add);
            }
        }
        return Optional.of(new Ids(uid.get(), gids));
    }

    private static Optional<Integer> number(String s) {
        try {
            return Optional.of(Integer.parseInt(s));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static DaemonAccount defaultAccount(Path statePath, Databases db) throws IOException {
        PosixFileAttributes self = Files.readAttributes(db.self(), PosixFileAttributes.class);
        if (!ROOT.equals(self.owner().getName())) {
            return new DaemonAccount(self.owner().getName(), self.group().getName());
        }
        String user = NOBODY;
        String group = exists(db.group(), NOGROUP) ? NOGROUP : NOBODY;
        Optional<PosixFileAttributes> state = attributes(statePath);
        if (state.isPresent() && !ROOT.equals(state.get().owner().getName())) {
            user = state.get().owner().getName();
            String g = state.get().group().getName();
            group = ROOT.equals(g) ? group : g;
        }
        return new DaemonAccount(name(db.passwd(), user, "user"), name(db.group(), group, "group"));
    }

    private static Optional<PosixFileAttributes> attributes(Path p) {
        try {
            return Optional.of(Files.readAttributes(p, PosixFileAttributes.class));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** @return the name of {@code nameOrId} in {@code db} (a name that exists, or the name of a numeric id) */
    static String name(Path db, String nameOrId, String what) throws IOException {
        boolean numeric = nameOrId.chars().allMatch(Character::isDigit);
        for (String line : lines(db)) {
            String[] f = line.split(":", -1);
            if (f.length >= 3 && !f[0].isEmpty() && (numeric ? f[2].equals(nameOrId) : f[0].equals(nameOrId))) {
                return f[0];
            }
        }
        throw new IOException("no " + what + " " + LogText.quote(nameOrId, 40) + " in " + db);
    }

    private static boolean exists(Path db, String name) throws IOException {
        for (String line : lines(db)) {
            if (line.startsWith(name + ":")) {
                return true;
            }
        }
        return false;
    }

    private static List<String> lines(Path db) throws IOException {
        return Files.readAllLines(db, StandardCharsets.UTF_8);
    }
}
