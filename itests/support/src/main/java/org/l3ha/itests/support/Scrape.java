package org.l3ha.itests.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scrape of a Prometheus endpoint in the text exposition format (version 0.0.4), parsed:
 * every sample with its labels, and every family's {@code # TYPE}. A line that is not valid text
 * format, a {@code # TYPE} given twice and a sample (name and labels) given twice fail the parse
 * with the line.
 */
public final class Scrape {
    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
        @Override
        public String toString() {
            return name + labels + " " + value;
        }
    }

    private final String text;
    private final List<Sample> samples;
    private final Map<String, String> types;

    private Scrape(String text, List<Sample> samples, Map<String, String> types) {
        this.text = text;
        this.samples = samples;
        this.types = types;
    }

    /**
     * GETs {@code http://127.0.0.1:<port>/metrics} and parses it.
     *
     * @throws IOException if nothing answers, or not 200 in the text format
     */
    public static Scrape get(int port, Duration timeout) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/metrics").openConnection();
        c.setConnectTimeout((int) timeout.toMillis());
        c.setReadTimeout((int) timeout.toMillis());
        try {
            int status = c.getResponseCode();
            String type = c.getContentType();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (status != 200) {
                    throw new IOException("GET /metrics: HTTP " + status + ": " + body);
                }
                if (type == null || !type.startsWith("text/plain; version=0.0.4")) {
                    throw new IOException("GET /metrics: Content-Type " + type);
                }
                return parse(body);
            }
        } finally {
            c.disconnect();
        }
    }

    /** @throws IllegalArgumentException naming the line that is not text format */
    public static Scrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] p = line.split(" ", 4);
                if (p.length >= 4 && p[1].equals("TYPE") && types.put(p[2], p[3].trim()) != null) {
                    throw new IllegalArgumentException("TYPE repeated: '" + line + "'");
                }
                continue;
            }
            Sample sample;
            try {
                sample = sample(line);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("not text format: '" + line + "': " + e.getMessage(), e);
            }
            if (!seen.add(sample.name() + sample.labels())) {
                throw new IllegalArgumentException("sample repeated: '" + line + "'");
            }
            samples.add(sample);
        }
        return new Scrape(text, Collections.unmodifiableList(samples), types);
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("bad name " + name);
        }
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq).trim();
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value not quoted");
                }
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char ch = line.charAt(j);
                    if (ch == '\\') {
                        char n = line.charAt(++j);
                        v.append(n == 'n' ? '\n' : n);
                    } else {
                        v.append(ch);
                    }
                }
                if (labels.put(key, v.toString()) != null) {
                    throw new IllegalArgumentException("label " + key + " twice");
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).trim().split(" ");
        return new Sample(name, Collections.unmodifiableMap(labels), number(rest[0]));
    }

    private static double number(String s) {
        switch (s) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                return Double.parseDouble(s);
        }
    }

    public String text() {
        return text;
    }

    public List<Sample> samples() {
        return samples;
    }

    /** @return the {@code # TYPE} of a family (e.g. {@code counter}, {@code histogram}), or null */
    public String type(String family) {
        return types.get(family);
    }

    /**
     * @param labels name, value, name, value... that a sample must have (among others)
     * @return the samples of {@code name} having those labels
     */
    public List<Sample> all(String name, String... labels) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && has(s, labels)) {
                out.add(s);
            }
        }
        return out;
    }

    /** @return the value of the one sample of {@code name} with exactly these labels; fails if there is none */
    public double value(String name, String... labels) {
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().size() == labels.length / 2 && has(s, labels)) {
                return s.value();
            }
        }
        throw new AssertionError("no sample " + name + " " + List.of(labels) + " in the scrape; samples of that name: "
                + all(name));
    }

    /** @return the sum of the samples of {@code name} having these labels (among others), 0 if none */
    public double sum(String name, String... labels) {
        return all(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    private static boolean has(Sample s, String... labels) {
        for (int k = 0; k < labels.length; k += 2) {
            if (!labels[k + 1].equals(s.labels().get(labels[k]))) {
                return false;
            }
        }
        return true;
    }
}
