package org.l3ha.common;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Declarative Services component property types (annotations such as {@link AgentConfig}) read
 * back as the properties they stand for: each member's property name by the DS rules
 * ({@code state__path()} is {@code state_path}; {@code a_b()} is {@code a.b}; {@code $$} is
 * {@code $}; {@code $_$} is {@code -}), and its value.
 */
public final class PropertyTypes {
    private PropertyTypes() {
    }

    /** @return the property name of member {@code method}, by the DS rules */
    public static String key(String method) {
        StringBuilder out = new StringBuilder(method.length());
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (c == '$' && method.startsWith("$_$", i)) {
                out.append('-');
                i += 2;
            } else if (c == '$' && method.startsWith("$$", i)) {
                out.append('$');
                i++;
            } else if (c == '$') {
                // a lone '$' is dropped
            } else if (c == '_' && method.startsWith("__", i)) {
                out.append('_');
                i++;
            } else if (c == '_') {
                out.append('.');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** @return every member of {@code type} as property name → its value in {@code instance}, in name order */
    public static <A> Map<String, Object> values(Class<A> type, A instance) {
        Map<String, Object> out = new LinkedHashMap<>();
        Method[] members = type.getDeclaredMethods();
        Arrays.sort(members, Comparator.comparing(Method::getName));
        for (Method m : members) {
            if (m.getParameterCount() != 0) {
                continue;
            }
            try {
                out.put(key(m.getName()), m.invoke(instance));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + type.getSimpleName() + "." + m.getName() + ": " + e, e);
            }
        }
        return out;
    }
}
