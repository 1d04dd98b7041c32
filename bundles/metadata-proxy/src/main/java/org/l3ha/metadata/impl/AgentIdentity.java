package org.l3ha.metadata.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The agent's effective user and group names, which haproxy is told to run as (Neutron's default
 * for an empty {@code metadata_proxy_user}/{@code metadata_proxy_group}): the effective uid and gid
 * from {@code /proc/self/status}, their names from {@code /etc/passwd} and {@code /etc/group}.
 *
 * @param user the user name
 * @param group the group name
 */
record AgentIdentity(String user, String group) {

    /**
     * @return the names of this process's effective uid and gid
     * @throws IOException if a file cannot be read or an id has no name there (the message says which)
     */
    static AgentIdentity effective() throws IOException {
        return resolve(Path.of("/proc/self/status"), Path.of("/etc/passwd"), Path.of("/etc/group"));
    }

    static AgentIdentity resolve(Path status, Path passwd, Path group) throws IOException {
        List<String> lines = Files.readAllLines(status, StandardCharsets.UTF_8);
        String uid = effectiveId(lines, "Uid:", status);
        String gid = effectiveId(lines, "Gid:", status);
        return new AgentIdentity(name(passwd, uid, "user"), name(group, gid, "group"));
    }

    /** "Uid:\treal\teffective\tsaved\tfs": the second number. */
    private static String effectiveId(List<String> lines, String field, Path status) throws IOException {
        for (String line : lines) {
            if (line.startsWith(field)) {
                String[] ids = line.substring(field.length()).strip().split("\\s+");
                if (ids.length >= 2 && ids[1].matches("\\d+")) {
                    return ids[1];
                }
            }
        }
        throw new IOException("no effective " + field.substring(0, 3) + " in " + status);
    }

    /** "name:password:id:...": the name of the first entry with {@code id}. */
    private static String name(Path db, String id, String what) throws IOException {
        for (String line : Files.readAllLines(db, StandardCharsets.UTF_8)) {
            String[] f = line.split(":", -1);
            if (f.length >= 3 && f[2].equals(id) && !f[0].isEmpty()) {
                return f[0];
            }
        }
        throw new IOException("the agent's effective " + what + " id " + id + " has no name in " + db);
    }
}
