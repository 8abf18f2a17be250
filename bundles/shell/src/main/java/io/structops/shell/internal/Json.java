package io.structops.shell.internal;

import io.structops.kernel.objects.Value;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Writes records, maps, lists, strings, numbers, booleans, null and typed {@link Value}s as JSON: the one JSON
 * formatter of the commands. A record's fields are its components, in declaration order, so a command's JSON is its
 * result record and stays stable for scripts; a map keeps its iteration order.
 */
final class Json {
    private Json() {}

    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    /** On one line, for a stream of JSON objects (one per event). */
    static String line(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, ONE_LINE);
        return sb.toString();
    }

    /** The indent that means: no new lines and no indentation. */
    private static final int ONE_LINE = Integer.MIN_VALUE / 2;

    private static void write(StringBuilder sb, Object value, int indent) {
        switch (value) {
            case null -> sb.append("null");
            case String s -> string(sb, s);
            case Boolean b -> sb.append(b);
            case Number n -> sb.append(n);
            case Value v -> write(sb, plain(v), indent);
            case Record r -> write(sb, components(r), indent);
            case Optional<?> o -> write(sb, o.orElse(null), indent);
            case Map<?, ?> map -> object(sb, map, indent);
            case Collection<?> list -> array(sb, list, indent);
            default -> string(sb, value.toString());
        }
    }

    private static void object(StringBuilder sb, Map<?, ?> map, int indent) {
        if (map.isEmpty()) {
            sb.append("{}");
            return;
        }
        sb.append(indent < 0 ? "{" : "{\n");
        int i = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            pad(sb, indent + 1);
            string(sb, String.valueOf(e.getKey()));
            sb.append(": ");
            write(sb, e.getValue(), indent + 1);
            sb.append(++i < map.size() ? (indent < 0 ? ", " : ",\n") : (indent < 0 ? "" : "\n"));
        }
        pad(sb, indent);
        sb.append('}');
    }

    private static void array(StringBuilder sb, Collection<?> list, int indent) {
        if (list.isEmpty()) {
            sb.append("[]");
            return;
        }
        sb.append(indent < 0 ? "[" : "[\n");
        int i = 0;
        for (Object o : list) {
            pad(sb, indent + 1);
            write(sb, o, indent + 1);
            sb.append(++i < list.size() ? (indent < 0 ? ", " : ",\n") : (indent < 0 ? "" : "\n"));
        }
        pad(sb, indent);
        sb.append(']');
    }

    /** A record as its components by name, in order. */
    static Map<String, Object> components(Record r) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                Method accessor = c.getAccessor();
                accessor.setAccessible(true);
                fields.put(c.getName(), accessor.invoke(r));
            } catch (ReflectiveOperationException | RuntimeException e) {
                fields.put(c.getName(), "?");
            }
        }
        return fields;
    }

    /** A typed value as bpftool's formatted JSON shows it: numbers, names, text, objects and lists. */
    static Object plain(Value v) {
        return switch (v) {
            case Value.Int i -> i.value();
            case Value.Bool b -> b.value();
            case Value.Enum e -> e.name().isEmpty() ? (Object) e.value() : e.name();
            case Value.Float f -> f.value();
            case Value.Text t -> t.value();
            case Value.Pointer p -> Long.toUnsignedString(p.address());
            case Value.Struct s -> s.fields();
            case Value.Array a -> a.elements();
            case Value.Raw r -> Values.hex(r.bytes());
        };
    }

    private static void pad(StringBuilder sb, int indent) {
        if (indent >= 0) {
            sb.append("  ".repeat(indent));
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
