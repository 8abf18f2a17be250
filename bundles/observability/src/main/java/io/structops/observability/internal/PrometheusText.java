package io.structops.observability.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prometheus's text exposition format (version 0.0.4): each family's {@code # HELP} and {@code # TYPE} once, before
 * its samples, and samples with escaped label values. The one place that knows the format's escaping rules.
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** A family's header and its samples, kept together: a sample must follow its own family's TYPE line. */
    private final Map<String, StringBuilder> families = new LinkedHashMap<>();

    /** Starts a family: {@code type} is gauge or counter (a counter's name ends in {@code _total}). */
    PrometheusText family(String name, String type, String help) {
        families.computeIfAbsent(
                name,
                n -> new StringBuilder()
                        .append("# HELP ")
                        .append(n)
                        .append(' ')
                        .append(escapeHelp(help))
                        .append('\n')
                        .append("# TYPE ")
                        .append(n)
                        .append(' ')
                        .append(type)
                        .append('\n'));
        return this;
    }

    /** Labels in the order given (name, value, name, value ...): a scrape lists them the same way every time. */
    static Map<String, String> labels(String... pairs) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            labels.put(pairs[i], pairs[i + 1]);
        }
        return labels;
    }

    /** One sample of a family started before; labels in the map's order. */
    PrometheusText sample(String name, Map<String, String> labels, double value) {
        StringBuilder out = families.get(name);
        if (out == null) {
            throw new IllegalStateException("metric " + name + " has no family");
        }
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{');
            String sep = "";
            for (Map.Entry<String, String> l : labels.entrySet()) {
                out.append(sep)
                        .append(l.getKey())
                        .append("=\"")
                        .append(escapeLabel(l.getValue()))
                        .append('"');
                sep = ",";
            }
            out.append('}');
        }
        out.append(' ').append(number(value)).append('\n');
        return this;
    }

    static String escapeLabel(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String escapeHelp(String text) {
        return text.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    @Override
    public String toString() {
        StringBuilder all = new StringBuilder();
        families.values().forEach(all::append);
        return all.toString();
    }
}
