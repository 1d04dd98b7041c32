package org.l3ha.reporter.oslo.impl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.List;

import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

import org.l3ha.oslo.OsloSettings;
import org.l3ha.oslo.TransportUrl;

/**
 * Hides the broker password of PID {@value OsloSettings#PID} from whoever reads the configuration
 * without being its consumer: Config Admin runs this plugin for
 * {@code Configuration.getProcessedProperties(null)}, which Karaf's {@code config:list} prints, with
 * a null service reference, and there every password in {@code transport_url} becomes
 * {@value TransportUrl#REDACTED} ({@link TransportUrl#redactPasswords}). A delivery to a consumer
 * (the reporter's {@code ManagedService}) comes with that consumer's reference and is left alone,
 * so the reporter gets the real value.
 *
 * <p>{@code cm.target} limits it to that PID; {@code service.cmRanking} 1000 is the highest
 * ranking whose changes Config Admin keeps, so it runs after plugins that resolve a value (it sees
 * and hides the resolved password). A tool that writes the redacted value back makes the reporter
 * reject it with an error saying so. Stateless and thread-safe; never throws.
 */
@Component(name = "org.l3ha.reporter.oslo.redaction", immediate = true,
        configurationPolicy = ConfigurationPolicy.IGNORE, service = ConfigurationPlugin.class,
        property = {
            ConfigurationPlugin.CM_TARGET + "=" + OsloSettings.PID,
            ConfigurationPlugin.CM_RANKING + ":Integer=" + TransportUrlRedaction.RANKING,
            "service.description=l3ha: hides the password of transport_url in config:list"})
public final class TransportUrlRedaction implements ConfigurationPlugin {
    /** The highest {@code service.cmRanking} whose modifications Config Admin applies. */
    static final int RANKING = 1000;

    @Override
    public void modifyConfiguration(ServiceReference<?> reference, Dictionary<String, Object> properties) {
        if (reference != null || properties == null) {
            return; // a consumer's delivery: the real value
        }
        Object value = properties.get(OsloSettings.TRANSPORT_URL);
        Object redacted = redact(value);
        if (redacted != value) {
            properties.put(OsloSettings.TRANSPORT_URL, redacted);
        }
    }

    /** @return the value with every password hidden; the same object if there is nothing to hide */
    static Object redact(Object value) {
        if (value instanceof String) {
            String s = (String) value;
            String r = TransportUrl.redactPasswords(s);
            return r.equals(s) ? value : r;
        }
        if (value instanceof String[]) {
            String[] in = (String[]) value;
            String[] out = new String[in.length];
            for (int i = 0; i < in.length; i++) {
                out[i] = in[i] == null ? null : TransportUrl.redactPasswords(in[i]);
            }
            return out;
        }
        if (value instanceof Collection) {
            List<Object> out = new ArrayList<>();
            for (Object o : (Collection<?>) value) {
                out.add(redact(o));
            }
            return out;
        }
        return value;
    }
}
