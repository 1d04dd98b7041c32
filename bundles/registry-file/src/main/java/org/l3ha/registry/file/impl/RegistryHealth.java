package org.l3ha.registry.file.impl;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.l3ha.api.HealthResult;
import org.l3ha.common.LogText;
import org.l3ha.common.SafeFiles;

/**
 * The registry's health: whether {@code routers_dir} can be read, whether another account can
 * change it, and which documents are bad or incomplete.
 *
 * <p>{@link #checkOwnership} (at activation and on every configuration change) checks the
 * directory and those above it ({@link SafeFiles#writableByOthers}); if an account other than root
 * and l3ha's own can change them, one WARN line says so and {@link #check} stays at WARN with that
 * finding: that account decides which routers this agent manages.
 */
final class RegistryHealth {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryHealth.class);
    /** Most bad or incomplete file names listed in the health message. */
    static final int MAX_NAMES_IN_HEALTH = 10;

    /* who else can change routers_dir (log-safe, from SafeFiles.writableByOthers), null if nobody */
    private volatile String writableByOthers;

    /** Checks who else can change {@code dir}; logs one WARN line if another account can. */
    void checkOwnership(Path dir) {
        String finding = SafeFiles.writableByOthers(dir).orElse(null);
        writableByOthers = finding;
        if (finding == null) {
            return;
        }
        String self = SafeFiles.self();
        LOG.warn("routers_dir {} {} another account: {}. Whoever can write there decides which routers this agent "
                + "manages (links and special files in it are never read, but documents can be added, changed or "
                + "removed); give it and the directories above it to {}, without group or other write access",
                LogText.path(dir), finding.startsWith("cannot be checked") ? "may be writable by" : "is writable by",
                finding, "root".equals(self) ? "root" : "root or " + LogText.escape(self));
    }

    /**
     * CRITICAL if routers_dir does not exist or cannot be opened (for example a link another
     * account owns); WARN if another account can change it, or some documents are bad or were
     * loaded without a subnet; else OK. File names are escaped.
     *
     * @param s the snapshot published now
     */
    HealthResult check(Snapshot s) {
        String dir = LogText.path(s.dir());
        try (SecureDirectoryStream<Path> d = SafeFiles.openDirectory(s.dir())) {
            // it can be listed
        } catch (NoSuchFileException | NotDirectoryException e) {
            return HealthResult.critical("routers_dir " + dir + " does not exist: no router is managed");
        } catch (IOException e) {
            return HealthResult.critical("routers_dir " + dir + " cannot be read (" + Reasons.reason(e)
                    + "): no router is managed from it");
        }
        StringBuilder m = new StringBuilder().append(s.routers().size()).append(" routers from ").append(dir);
        String others = writableByOthers;
        if (others != null) {
            m.append("; ").append(others).append(": another account decides which routers are managed");
        }
        if (!s.badFiles().isEmpty()) {
            m.append("; ").append(s.badFiles().size()).append(" bad documents skipped: ").append(names(s.badFiles()));
        }
        if (!s.incompleteFiles().isEmpty()) {
            m.append("; ").append(s.incompleteFiles().size())
                    .append(" documents loaded without subnets radvd cannot advertise: ").append(names(s.incompleteFiles()));
        }
        if (others != null || !s.badFiles().isEmpty() || !s.incompleteFiles().isEmpty()) {
            return HealthResult.warn(m.toString());
        }
        return HealthResult.ok(m.toString());
    }

    private static String names(Map<String, String> files) {
        StringBuilder b = new StringBuilder();
        int n = 0;
        for (String name : files.keySet()) {   // sorted
            if (n == MAX_NAMES_IN_HEALTH) {
                return b.append(", ... (").append(files.size() - n).append(" more)").toString();
            }
            b.append(n++ == 0 ? "" : ", ").append(LogText.escape(name));
        }
        return b.toString();
    }
}
