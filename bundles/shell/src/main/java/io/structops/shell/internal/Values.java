package io.structops.shell.internal;

import io.structops.kernel.objects.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed values for people and back: as a table cell shows them, and from the JSON a user types for a key or value
 * ({@code map update}).
 */
final class Values {
    /** Arrays longer than this are shown by their first elements and a count, as a table cell must stay readable. */
    static final int MAX_ELEMENTS = 256;

    private Values() {}

    /** Integers as numbers, enums by enumerator, text quoted, structs as {@code {a: 1, b: 2}}, bytes as hex. */
    static String text(Value v) {
        return switch (v) {
            case Value.Int i -> i.value().toString();
            case Value.Bool b -> Boolean.toString(b.value());
            case Value.Enum e -> e.name().isEmpty() ? Long.toString(e.value()) : e.name();
            case Value.Float f -> Double.toString(f.value());
            case Value.Text t -> "\"" + t.value() + "\"";
            case Value.Pointer p -> "0x" + Long.toHexString(p.address());
            case Value.Raw r -> hex(r.bytes());
            case Value.Struct s -> {
                List<String> fields = new ArrayList<>();
                s.fields().forEach((k, f) -> fields.add(k + ": " + text(f)));
                yield "{" + String.join(", ", fields) + "}";
            }
            case Value.Array a -> {
                List<String> elements = new ArrayList<>();
                for (int i = 0; i < a.elements().size() && i < MAX_ELEMENTS; i++) {
                    elements.add(text(a.elements().get(i)));
                }
                if (a.elements().size() > MAX_ELEMENTS) {
                    elements.add("... " + (a.elements().size() - MAX_ELEMENTS) + " more");
                }
                yield "[" + String.join(", ", elements) + "]";
            }
        };
    }

    static String hex(byte[] bytes) {
        StringBuilder hex = new StringBuilder("0x");
        for (byte b : bytes) {
            hex.append(String.format("%02x", b));
        }
        return hex.toString();
    }

    /**
     * What a user typed for a key or value: JSON (an object for a struct, a list for an array, a string for text or
     * an enumerator, a number), or a bare number or word. Typed against the map's BTF when it is encoded.
     */
    static Value parse(String text) throws CommandFailure {
        String t = text.strip();
        if (t.isEmpty()) {
            throw new CommandFailure("an empty key or value", null);
        }
        char c = t.charAt(0);
        if (c != '{' && c != '[' && c != '"') {
            return t.equals("true") || t.equals("false") ? new Value.Bool(t.equals("true")) : new Value.Text(t);
        }
        try {
            return value(JsonReader.read(t));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("'" + t + "': not JSON: " + e.getMessage(), null);
        }
    }

    private static Value value(Object json) {
        return switch (json) {
            case null -> Value.Int.of(0);
            case String s -> new Value.Text(s);
            case Boolean b -> new Value.Bool(b);
            case Number n -> new Value.Text(n.toString());
            case Map<?, ?> m -> {
                Map<String, Value> fields = new LinkedHashMap<>();
                m.forEach((k, f) -> fields.put(String.valueOf(k), value(f)));
                yield new Value.Struct(fields);
            }
            case List<?> l -> new Value.Array(l.stream().map(Values::value).toList());
            default -> new Value.Text(json.toString());
        };
    }
}
