package org.l3ha.common.testing;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;

import org.l3ha.common.PropertyTypes;

/**
 * A component property type (such as {@code AgentConfig}) backed by a map of properties, as
 * Declarative Services hands one to a component: a member whose property is in the map returns its
 * value as text, any other its default. For unit tests that activate a component by hand.
 */
public final class PropertyTypeProxies {
    private PropertyTypeProxies() {
    }

    /** @return an instance of {@code type} reading {@code props} (may be empty: every default) */
    public static <A> A of(Class<A> type, Map<String, ?> props) {
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            switch (method.getName()) {
                case "annotationType":
                    return type;
                case "toString":
                    return type.getSimpleName() + props;
                case "hashCode":
                    return System.identityHashCode(self);
                case "equals":
                    return self == args[0];
                default:
                    return value(method, props);
            }
        });
        return type.cast(proxy);
    }

    private static Object value(Method method, Map<String, ?> props) {
        Object v = props.get(PropertyTypes.key(method.getName()));
        if (v == null) {
            return method.getDefaultValue();
        }
        if (method.getReturnType() == String.class) {
            return String.valueOf(v);
        }
        throw new IllegalArgumentException("only String members are supported, not " + method);
    }
}
