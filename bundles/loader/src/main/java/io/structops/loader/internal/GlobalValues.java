package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfEditor;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import io.structops.elf.BpfObject;
import io.structops.elf.MapKind;
import io.structops.loader.LoadException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes {@code load --set NAME=VALUE} overrides into a global data section's initial bytes before its map is
 * created, so that a {@code const volatile} tunable in {@code .rodata} reaches the verifier with the user's value.
 * Values are typed through the variable's BTF; anything that would silently truncate is refused.
 */
final class GlobalValues {
    private GlobalValues() {}

    /**
     * Applies the overrides naming variables of {@code section}; names it consumed are added to {@code applied}.
     */
    static void apply(
            String object,
            Btf btf,
            String section,
            byte[] value,
            ByteOrder order,
            Map<String, String> overrides,
            Set<String> applied)
            throws LoadException {
        if (overrides.isEmpty()) {
            return;
        }
        int datasec = btf.find(section, BtfKind.DATASEC).orElse(0);
        if (datasec == 0) {
            return;
        }
        for (BtfType.VarInfo vi : ((BtfType.Datasec) btf.type(datasec)).vars()) {
            if (!(btf.type(vi.type()) instanceof BtfType.Var var) || !overrides.containsKey(var.name())) {
                continue;
            }
            String text = overrides.get(var.name());
            String where = object + ": --set " + var.name() + "=" + text + " (" + section + ")";
            if (vi.offset() + vi.size() > value.length) {
                throw new LoadException(where + ": the variable lies outside its section", null, null);
            }
            byte[] encoded = encode(btf, var.type(), text, (int) vi.size(), order, where);
            System.arraycopy(encoded, 0, value, (int) vi.offset(), encoded.length);
            applied.add(var.name());
        }
    }

    /** Fails naming the overrides no section consumed, and what could have been set instead. */
    static void requireAllApplied(String object, Btf btf, Map<String, String> overrides, Set<String> applied)
            throws LoadException {
        List<String> unknown = new ArrayList<>();
        for (String name : overrides.keySet()) {
            if (!applied.contains(name)) {
                unknown.add(name);
            }
        }
        if (unknown.isEmpty()) {
            return;
        }
        Set<String> known = names(btf);
        throw new LoadException(
                object + ": --set: no global variable " + String.join(", ", unknown)
                        + (known.isEmpty()
                                ? " (the object has no global variables)"
                                : "; its globals are " + String.join(", ", known)),
                null,
                null);
    }

    /**
     * Sizes the global arrays named in {@code counts} ({@code load --resize}): each must be the last variable of its
     * global data section, which grows (or shrinks) with it. Names of the object's {@code .maps} maps are theirs
     * ({@code maxEntries}, applied when the map is created).
     */
    static void resizeArrays(BpfObject object, Btf btf, BtfEditor edit, Map<String, Integer> counts)
            throws LoadException, BtfException {
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            Optional<String> section = sectionOf(btf, e.getKey());
            if (section.isPresent()) {
                edit.resizeArray(section.get(), e.getKey(), e.getValue());
            } else if (object.maps().stream()
                    .noneMatch(m -> m.kind() == MapKind.BTF_DEFINED && m.name().equals(e.getKey()))) {
                throw new LoadException(
                        object.name() + ": --resize " + e.getKey() + ": the object has no global"
                                + " variable or map of that name",
                        null,
                        null);
            }
        }
    }

    private static Optional<String> sectionOf(Btf btf, String variable) {
        for (int id = btf.firstId(); id < btf.typeCount(); id++) {
            if (btf.kind(id) == BtfKind.DATASEC && isGlobalData(btf.name(id))) {
                for (BtfType.VarInfo vi : ((BtfType.Datasec) btf.type(id)).vars()) {
                    if (btf.type(vi.type()) instanceof BtfType.Var var
                            && var.name().equals(variable)) {
                        return Optional.of(btf.name(id));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** The object's global variables, sorted: every variable of a global data section. */
    static Set<String> names(Btf btf) {
        Set<String> known = new TreeSet<>();
        for (int id = btf.firstId(); id < btf.typeCount(); id++) {
            if (btf.kind(id) == BtfKind.DATASEC && isGlobalData(btf.name(id))) {
                for (BtfType.VarInfo vi : ((BtfType.Datasec) btf.type(id)).vars()) {
                    if (btf.type(vi.type()) instanceof BtfType.Var var) {
                        known.add(var.name());
                    }
                }
            }
        }
        return known;
    }

    static boolean isGlobalData(String section) {
        return section.equals(".data")
                || section.equals(".rodata")
                || section.equals(".bss")
                || section.startsWith(".data.")
                || section.startsWith(".rodata.");
    }

    /** The bytes of {@code text} as a value of the BTF type, refusing what does not fit. */
    static byte[] encode(Btf btf, int typeId, String text, int size, ByteOrder order, String where)
            throws LoadException {
        int resolved = btf.resolve(typeId);
        BtfType t = btf.type(resolved);
        try {
            switch (t) {
                case BtfType.Int i
                when (i.encoding() & BtfType.Int.BOOL) != 0 -> {
                    return switch (text) {
                        case "true", "1" -> integer(BigInteger.ONE, i.size(), order);
                        case "false", "0" -> integer(BigInteger.ZERO, i.size(), order);
                        default -> throw new LoadException(where + ": a bool takes true or false", null, null);
                    };
                }
                case BtfType.Int i
                when i.bitOffset() == 0 && i.bits() == i.size() * 8 -> {
                    return integer(checked(parse(text), i.bits(), i.signed(), where, "int"), i.size(), order);
                }
                case BtfType.Enumeration e -> {
                    for (BtfType.EnumValue v : e.values()) {
                        if (v.name().equals(text)) {
                            return integer(BigInteger.valueOf(v.value()), e.size(), order);
                        }
                    }
                    return integer(
                            checked(parse(text), e.size() * 8, e.signed(), where, "enum " + e.name()), e.size(), order);
                }
                case BtfType.FloatType f
                when f.size() == 4 || f.size() == 8 -> {
                    double d = Double.parseDouble(text);
                    ByteBuffer b = ByteBuffer.allocate(f.size()).order(order);
                    if (f.size() == 4) {
                        b.putFloat((float) d);
                    } else {
                        b.putDouble(d);
                    }
                    return b.array();
                }
                case BtfType.Array a
                when isChar(btf, a.elementType()) -> {
                    byte[] s = text.getBytes(StandardCharsets.UTF_8);
                    if (s.length >= a.count()) {
                        throw new LoadException(
                                where + ": " + s.length + " bytes do not fit in char[" + a.count()
                                        + "] with its terminating NUL",
                                null,
                                null);
                    }
                    return Arrays.copyOf(s, size);
                }
                case BtfType.Array a -> {
                    return array(btf, a, text, size, order, where);
                }
                default ->
                    throw new LoadException(
                            where + ": a " + t.kind() + " global cannot be set from text"
                                    + " (ints, bools, enums, floats, char arrays and arrays of those can)",
                            null,
                            null);
            }
        } catch (NumberFormatException e) {
            throw new LoadException(where + ": not a number", null, e);
        }
    }

    /**
     * {@code [V, V, ...]}: one value for each element, as a scheduler's userspace fills a {@code .rodata} table
     * (scx_pair's CPU pairing); fewer or more values than elements are refused rather than guessed at.
     */
    private static byte[] array(Btf btf, BtfType.Array a, String text, int size, ByteOrder order, String where)
            throws LoadException {
        String t = text.strip();
        if (!t.startsWith("[") || !t.endsWith("]")) {
            throw new LoadException(
                    where + ": an array takes [VALUE, ...], one value for each of its " + a.count() + " elements",
                    null,
                    null);
        }
        String inner = t.substring(1, t.length() - 1).strip();
        String[] values = inner.isEmpty() ? new String[0] : inner.split(",", -1);
        if (a.count() == 0 || values.length != a.count()) {
            throw new LoadException(
                    where + ": " + values.length + " values for an array of " + a.count() + " elements", null, null);
        }
        int element = size / a.count();
        byte[] out = new byte[size];
        for (int i = 0; i < values.length; i++) {
            byte[] v = encode(btf, a.elementType(), values[i].strip(), element, order, where + " [" + i + "]");
            System.arraycopy(v, 0, out, i * element, v.length);
        }
        return out;
    }

    private static boolean isChar(Btf btf, int element) {
        return btf.type(btf.resolve(element)) instanceof BtfType.Int i && i.size() == 1;
    }

    private static BigInteger parse(String text) {
        String s = text.strip();
        boolean negative = s.startsWith("-");
        String digits = negative ? s.substring(1) : s;
        BigInteger v = digits.startsWith("0x") || digits.startsWith("0X")
                ? new BigInteger(digits.substring(2), 16)
                : new BigInteger(digits);
        return negative ? v.negate() : v;
    }

    private static BigInteger checked(BigInteger v, int bits, boolean signed, String where, String what)
            throws LoadException {
        BigInteger min = signed ? BigInteger.ONE.shiftLeft(bits - 1).negate() : BigInteger.ZERO;
        BigInteger max = signed
                ? BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE)
                : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
        if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
            throw new LoadException(
                    where + ": does not fit in " + (signed ? "a signed " : "an unsigned ") + bits + "-bit " + what
                            + " (" + min + " to " + max + ")",
                    null,
                    null);
        }
        return v;
    }

    private static byte[] integer(BigInteger v, int size, ByteOrder order) {
        byte[] out = new byte[size];
        long bits = v.longValue();
        for (int i = 0; i < size; i++) {
            int shift = order == ByteOrder.LITTLE_ENDIAN ? i : size - 1 - i;
            out[i] = (byte) (bits >>> (8 * shift));
        }
        return out;
    }
}
