package org.l3ha.common;

import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads typed, validated values from Config Admin properties. Values may arrive as strings
 * (from {@code etc/*.cfg}) or typed; blank or absent means "the default". Every problem is
 * collected; {@link #done()} throws one {@link ConfigException} naming all of them.
 */
public final class ConfigReader {
    private final String pid;
    private final Map<String, ?> props;
    private final List<String> problems = new ArrayList<>();

    public ConfigReader(String pid, Map<String, ?> props) {
        this.pid = pid;
        this.props = props == null ? Map.of() : props;
    }

    /** @return the trimmed string value of {@code key}, or {@code null} if absent or blank */
    public String raw(String key) {
        Object v = props.get(key);
        if (v == null) {
            return null;
        }
        String s = String.valueOf(v).trim();
        return s.isEmpty() ? null : s;
    }

    public String string(String key, String def) {
        String s = raw(key);
        return s == null ? def : s;
    }

    public int integer(String key, int def, int min, int max) {
        String s = raw(key);
        if (s == null) {
            return def;
        }
        try {
            int v = Integer.parseInt(s);
            if (v < min || v > max) {
                problem(key, s, "must be between " + min + " and " + max);
                return def;
            }
            return v;
        } catch (NumberFormatException e) {
            problem(key, s, "not an integer");
            return def;
        }
    }

    public boolean bool(String key, boolean def) {
        String s = raw(key);
        if (s == null) {
            return def;
        }
        switch (s.toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                problem(key, s, "must be true or false");
                return def;
        }
    }

    public String choice(String key, String def, Set<String> allowed) {
        String s = raw(key);
        if (s == null) {
            return def;
        }
        if (!allowed.contains(s)) {
            problem(key, s, "must be one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
            return def;
        }
        return s;
    }

    /**
     * A duration given in seconds, decimals allowed ({@code 0.5}).
     *
     * @return the value, or {@code def} if absent
     */
    public Duration seconds(String key, Duration def, Duration max) {
        String s = raw(key);
        if (s == null) {
            return def;
        }
        try {
            BigDecimal seconds = new BigDecimal(s);
            Duration d = Duration.ofNanos(seconds.movePointRight(9).longValueExact());
            if (d.isNegative() || d.compareTo(max) > 0) {
                problem(key, s, "must be between 0 and " + max.toSeconds() + " seconds");
                return def;
            }
            return d;
        } catch (NumberFormatException | ArithmeticException e) {
            problem(key, s, "not a number of seconds");
            return def;
        }
    }

    /**
     * An absolute path; {@code $state_path} and {@code ${state_path}} in it are replaced by
     * {@code statePath} (as oslo.config does for Neutron's options).
     */
    public Path path(String key, String def, Path statePath) {
        String s = string(key, def);
        if (statePath != null) {
            s = s.replace("${state_path}", statePath.toString()).replace("$state_path", statePath.toString());
        }
        try {
            Path p = Path.of(s);
            if (!p.isAbsolute()) {
                problem(key, s, "must be an absolute path");
                return Path.of(def.startsWith("/") ? def : "/");
            }
            return p.normalize();
        } catch (InvalidPathException e) {
            problem(key, s, "not a valid path");
            return Path.of("/");
        }
    }

    /**
     * The keys of a configuration that no l3ha option has: a misspelt or unsupported key would
     * otherwise be silently ignored, and an operator would believe a setting is in effect when it
     * is not. Keys with a dot are the framework's ({@code service.pid},
     * {@code felix.fileinstall.filename}, {@code component.name}, reference targets); l3ha's
     * options never have one.
     *
     * @param props the configuration (may be null)
     * @param known every key the reader of this configuration understands
     * @return the others, sorted, escaped for a log line
     */
    public static List<String> unknownKeys(Map<String, ?> props, Collection<String> known) {
        if (props == null) {
            return List.of();
        }
        return props.keySet().stream().filter(k -> k != null && k.indexOf('.') < 0 && !known.contains(k)).sorted()
                .map(LogText::escape).toList();
    }

    /**
     * @return one WARN-level line naming the unknown keys of the configuration of {@code pids},
     *         or null if there are none
     */
    public static String unknownKeysWarning(Map<String, ?> props, Collection<String> known, String component,
            String... pids) {
        List<String> unknown = unknownKeys(props, known);
        if (unknown.isEmpty()) {
            return null;
        }
        return component + ": unknown configuration key" + (unknown.size() == 1 ? " " : "s ") + "'"
                + String.join("', '", unknown) + "' in PID" + (pids.length == 1 ? " " : "s ") + String.join(" / ", pids)
                + ": ignored (misspelt, or not an option of l3ha)";
    }

    /** @return the exception for one bad value of {@code key} in {@code pid}, worded as {@link #done()} words it */
    public static ConfigException rejected(String pid, String key, String value, String reason) {
        return new ConfigException(pid, List.of(key + "=" + quote(value) + " " + reason));
    }

    /** Records a problem with {@code key}; {@link #done()} will throw. */
    public void problem(String key, String value, String reason) {
        problems.add(key + "=" + quote(value) + " " + reason);
    }

    /** @throws ConfigException if any value read so far was bad */
    public void done() {
        if (!problems.isEmpty()) {
            throw new ConfigException(pid, problems);
        }
    }

    private static String quote(String s) {
        return LogText.quote(s, 200);
    }
}
