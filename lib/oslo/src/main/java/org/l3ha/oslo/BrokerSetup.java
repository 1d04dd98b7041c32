package org.l3ha.oslo;

import java.util.List;
import java.util.Map;

/**
 * Broker settings as a component takes them in: the options of both PIDs merged and validated
 * ({@link OsloSettings}), and, when they ask for TLS, the TLS files read ({@link BrokerTls}). The
 * oslo reporter and the neutron registry load them the same way, and replace their client only
 * when what they load differs from what they use ({@link #sameAs}).
 *
 * @param settings the validated settings
 * @param tls the TLS context, null for plaintext or while the settings are inactive
 */
public record BrokerSetup(OsloSettings settings, BrokerTls tls) {

    /**
     * @param merged the options of PID {@code org.l3ha.agent} and of the broker PID, the latter winning
     * @param warnings receives one line per option that is deprecated or ignored
     * @throws org.l3ha.common.ConfigException naming every bad key and value, or a TLS file that cannot be used
     */
    public static BrokerSetup load(Map<String, ?> merged, List<String> warnings) {
        OsloSettings settings = OsloSettings.parse(merged, warnings);
        BrokerTls tls = settings.active() && settings.tls().enabled() ? BrokerTls.load(settings.tls(), warnings) : null;
        return new BrokerSetup(settings, tls);
    }

    /** @return whether {@code settings} and {@code tls} (its files' contents) are those in use */
    public boolean sameAs(OsloSettings current, BrokerTls currentTls) {
        return settings.equals(current) && (tls == null ? currentTls == null : tls.sameAs(currentTls));
    }
}
