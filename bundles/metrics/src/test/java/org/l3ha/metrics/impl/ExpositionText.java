package org.l3ha.metrics.impl;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format (0.0.4) for the tests: every line is a comment
 * ({@code # HELP}, {@code # TYPE}) or a sample {@code name{k="v",...} value}; anything else throws.
 * Samples are keyed {@code name} or {@code name{k="v",...}} with the labels sorted by name.
 */
record ExpositionText(Map<String, String> types, Map<String, Double> samples) {
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    static ExpositionText parse(String text) {
        Map<String, String> types = new TreeMap<>();
        Map<String, Double> samples = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("# HELP ")) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                if (p.length != 4 || types.put(p[2], p[3]) != null) {
                    throw new IllegalArgumentException("bad or repeated TYPE line: " + line);
                }
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a sample: " + line);
            }
            String key = key(m.group(1), m.group(3) == null ? "" : m.group(3), line);
            double value = switch (m.group(4)) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(m.group(4));
            };
            if (samples.put(key, value) != null) {
                throw new IllegalArgumentException("repeated sample: " + line);
            }
        }
        return new ExpositionText(types, samples);
    }

    /** @return the value of {@code key} ({@code name} or {@code name{k="v",...}}, labels sorted), or null */
    Double get(String key) {
        return samples.get(key);
    }

    private static String key(String name, String labels, String line) {
        Map<String, String> sorted = new TreeMap<>();
        Matcher l = LABEL.matcher(labels);
        int end = 0;
        while (l.lookingAt()) {
            sorted.put(l.group(1), l.group(2));
            end = l.end();
            l.region(end, labels.length());
        }
        if (end != labels.length()) {
            throw new IllegalArgumentException("bad labels: " + line);
        }
        if (sorted.isEmpty()) {
            return name;
        }
        StringBuilder sb = new StringBuilder(name).append('{');
        sorted.forEach((k, v) -> sb.append(k).append("=\"").append(v).append("\","));
        sb.setLength(sb.length() - 1);
        return sb.append('}').toString();
    }
}
