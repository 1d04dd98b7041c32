package org.l3ha.common;

import java.util.List;

/**
 * A configuration that cannot be used. The message names every bad key with its value and the
 * reason, on one line, so that an operator can fix the file it came from.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> problems;

    public ConfigException(String pid, List<String> problems) {
        super("invalid configuration " + pid + ": " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** @return one entry per bad key, each naming key, value and reason */
    public List<String> problems() {
        return problems;
    }
}
