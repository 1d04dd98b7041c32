package org.l3ha.engine.impl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.l3ha.common.SafeFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether another account can change the directories the engine writes in ({@code state_path},
 * {@code ha_confs_path}), for the health check and one WARN line: l3ha follows no link planted
 * there and writes through no planted name, but that account can still remove or replace what l3ha
 * keeps there. Checked at activation and on every configuration change; the WARN is written when
 * the finding is new or different, and its end once at INFO.
 */
final class WritableDirectories {
    private static final Logger LOG = LoggerFactory.getLogger(WritableDirectories.class);

    private final Function<Path, Optional<String>> probe;
    private volatile String warning;

    WritableDirectories() {
        this(SafeFiles::writableByOthers);
    }

    /** @param probe a line naming the directory and the account or group that can change it, or empty */
    WritableDirectories(Function<Path, Optional<String>> probe) {
        this.probe = probe;
    }

    /**
     * Checks {@code dirs} (option name to directory) and logs as the class comment says.
     *
     * @return the warning, or empty if only root and l3ha's account can change them
     */
    synchronized Optional<String> check(Map<String, Path> dirs) {
        Map<String, List<String>> byFinding = new LinkedHashMap<>();
        dirs.forEach((option, dir) -> probe.apply(dir)
                .ifPresent(f -> byFinding.computeIfAbsent(f, k -> new ArrayList<>()).add(option)));
        List<String> parts = new ArrayList<>();
        byFinding.forEach((finding, options) -> parts.add(String.join(" and ", options) + ": " + finding));
        String now = parts.isEmpty() ? null : "another account can change " + String.join("; ", parts);
        String before = warning;
        warning = now;
        if (now != null && !now.equals(before)) {
            LOG.warn("Transition engine: {} (l3ha follows no link planted there and writes through no planted name, but"
                    + " that account can still remove or replace the state files and hand-over file l3ha keeps there)",
                    now);
        } else if (now == null && before != null) {
            LOG.info("Transition engine: only {} can change state_path and ha_confs_path now", trusted());
        }
        return Optional.ofNullable(now);
    }

    /** @return who may change l3ha's directories: root, and the account l3ha runs as */
    static String trusted() {
        return "root".equals(SafeFiles.self()) ? "root" : "root and " + SafeFiles.self();
    }

    /** @return the warning of the last check, or empty */
    Optional<String> warning() {
        return Optional.ofNullable(warning);
    }
}
