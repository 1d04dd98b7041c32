package org.l3ha.metrics.impl;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.l3ha.common.ConfigException;
import org.l3ha.common.ConfigReader;

/**
 * The options of PID {@value #PID}, parsed and validated.
 *
 * @param port the TCP port to serve on, 0 for any free one (tests); -1 when unset: nothing served
 * @param bindAddress a loopback address
 */
record MetricsSettings(int port, InetAddress bindAddress) {
    static final String PID = "org.l3ha.metrics";
    static final String PORT = "port";
    static final String BIND_ADDRESS = "bind_address";
    static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
    static final Set<String> KEYS = Set.of(PORT, BIND_ADDRESS);
    /** {@link #port} when none is configured. */
    static final int UNSET = -1;

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /**
     * @param props the configuration of PID {@value #PID} (null or empty: the defaults)
     * @throws ConfigException naming every bad key with its value
     */
    static MetricsSettings parse(Map<String, ?> props) {
        ConfigReader reader = new ConfigReader(PID, props);
        int port = reader.raw(PORT) == null ? UNSET : reader.integer(PORT, UNSET, 0, 65_535);
        String address = reader.string(BIND_ADDRESS, DEFAULT_BIND_ADDRESS);
        InetAddress bind = loopback(address);
        if (bind == null) {
            reader.problem(BIND_ADDRESS, address, "must be a loopback IP address (127.0.0.0/8 or ::1): metrics are"
                    + " served on loopback only");
        }
        reader.done();
        return new MetricsSettings(port, bind);
    }

    /** @return whether a port is set, i.e. there is something to serve */
    boolean serves() {
        return port != UNSET;
    }

    /** @return {@code http://<address>:<port>/metrics} for {@code actualPort} */
    String url(int actualPort) {
        String host = bindAddress instanceof Inet6Address ? "[" + bindAddress.getHostAddress() + "]"
                : bindAddress.getHostAddress();
        return "http://" + host + ":" + actualPort + "/metrics";
    }

    /** @return the address if {@code text} is a loopback IP literal (never a host name: no lookup), else null */
    static InetAddress loopback(String text) {
        String literal = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (!IPV4.matcher(literal).matches() && literal.indexOf(':') < 0) {
            return null;
        }
        try {
            InetAddress a = InetAddress.getByName(literal);
            return a.isLoopbackAddress() ? a : null;
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }
}
