package org.l3ha.common;

import java.util.Optional;
import java.util.function.Supplier;

import org.slf4j.Logger;

/**
 * What every component does with a bad configuration, in one place. At activation it is logged at
 * ERROR as {@code <component> not started: <reason>} and the {@link ConfigException} rethrown, so
 * Declarative Services leaves the component inactive until the configuration changes. On a
 * modification it is logged at ERROR as {@code <reason>; keeping <what is kept>} and the component
 * keeps running with its previous configuration.
 */
public final class ConfigGate {
    private ConfigGate() {
    }

    /**
     * @param component the component's name in the log line ("Batch notifier")
     * @param parse parses and validates the configuration
     * @return what {@code parse} returned
     * @throws ConfigException what {@code parse} threw, after logging it
     */
    public static <S> S atStart(Logger log, String component, Supplier<S> parse) {
        try {
            return parse.get();
        } catch (ConfigException e) {
            log.error("{} not started: {}", component, e.getMessage());
            throw e;
        }
    }

    /**
     * @param parse parses and validates the new configuration
     * @param kept names what stays in effect when it is bad ("the previous configuration",
     *        "batch_interval 2000 ms"); asked only then
     * @return the new settings, or empty when they were bad (logged)
     */
    public static <S> Optional<S> onModify(Logger log, Supplier<S> parse, Supplier<String> kept) {
        try {
            return Optional.of(parse.get());
        } catch (ConfigException e) {
            log.error("{}; keeping {}", e.getMessage(), kept.get());
            return Optional.empty();
        }
    }
}
