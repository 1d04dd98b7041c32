package org.l3ha.process.impl;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import org.l3ha.api.DaemonSpec;
import org.l3ha.common.LogText;
import org.l3ha.common.RouterIds;

/**
 * A validated, immutable copy of a {@link DaemonSpec}: what the monitor keeps per registered
 * daemon and what is persisted for adoption after a bundle swap. Value equality.
 */
record DaemonRecord(String service, String uuid, String namespace, Path pidFile, List<String> command,
        Map<String, String> environment, int stopSignal, Duration stopTimeout, Duration startTimeout)
        implements DaemonSpec {

    /** A daemon's identity: Neutron's {@code (uuid, service)} registration key. */
    record Key(String service, String uuid) {
        @Override
        public String toString() {
            return service + " for " + uuid;
        }
    }

    private static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    DaemonRecord {
        require(service != null && SERVICE.matcher(service).matches(), "service", service);
        require(RouterIds.isUuid(uuid), "uuid", uuid);
        uuid = RouterIds.normalize(uuid);
        namespace = namespace == null ? "" : namespace;
        require(plain(namespace) && namespace.indexOf('/') < 0 && !namespace.equals(".") && !namespace.equals(".."),
                "namespace", namespace);
        require(pidFile != null && pidFile.isAbsolute(), "pidFile", pidFile);
        require(command != null && !command.isEmpty() && !command.get(0).isEmpty()
                && command.stream().allMatch(a -> a != null && a.indexOf('\0') < 0), "command", command);
        command = List.copyOf(command);
        environment = environment == null ? Map.of() : environment;
        for (Map.Entry<String, String> e : environment.entrySet()) {
            require(e.getKey() != null && ENV_NAME.matcher(e.getKey()).matches() && e.getValue() != null
                    && e.getValue().indexOf('\0') < 0, "environment", e);
        }
        environment = Map.copyOf(environment);
        require(stopSignal >= 1 && stopSignal <= 64, "stopSignal", stopSignal);
        require(positive(stopTimeout), "stopTimeout", stopTimeout);
        require(positive(startTimeout), "startTimeout", startTimeout);
    }

    /**
     * @return a validated copy of {@code spec}
     * @throws IllegalArgumentException naming the first bad field
     */
    static DaemonRecord of(DaemonSpec spec) {
        Objects.requireNonNull(spec, "daemon");
        if (spec instanceof DaemonRecord r) {
            return r;
        }
        return new DaemonRecord(spec.service(), spec.uuid(), spec.namespace(), spec.pidFile(), spec.command(),
                spec.environment(), spec.stopSignal(), spec.stopTimeout(), spec.startTimeout());
    }

    Key key() {
        return new Key(service, uuid);
    }

    /** @return the namespace for a log line or message */
    String namespaceLabel() {
        return namespace.isEmpty() ? "the host namespace" : "namespace " + namespace;
    }

    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean positive(Duration d) {
        return d != null && !d.isNegative() && !d.isZero();
    }

    private static void require(boolean ok, String field, Object value) {
        if (!ok) {
            throw new IllegalArgumentException("invalid daemon spec: " + field + "=" + LogText.quote(String.valueOf(value), 200));
        }
    }
}
