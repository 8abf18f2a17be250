package io.structops.kernel.objects;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfType;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bytes typed through BTF, and back: the one place structops turns a key, a value, a global or a struct_ops member
 * into a {@link Value} and a {@link Value} into the bytes a map update takes. Native byte order, as the kernel's.
 */
public final class BtfValues {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private BtfValues() {}

    /**
     * {@code size} bytes at {@code off} of {@code bytes} as a value of BTF type {@code type}: integers and enums as
     * numbers (enums with their enumerator's name), structs and unions by member (bitfields too, anonymous members'
     * fields in their parent), arrays as lists, a {@code char} array as text only when it holds text (printable up
     * to a NUL, nothing but NULs after), pointers as addresses. What cannot be typed is {@link Value.Raw}.
     */
    public static Value decode(Btf btf, int type, byte[] bytes, int off, int size) {
        try {
            if (off < 0 || size < 0 || off + size > bytes.length) {
                return raw(bytes, Math.max(0, off), 0);
            }
            return typed(btf, type, bytes, off, size);
        } catch (BtfException | RuntimeException e) {
            return raw(bytes, off, Math.min(size, Math.max(0, bytes.length - off)));
        }
    }

    /** All of {@code bytes} as a value of {@code type}. */
    public static Value decode(Btf btf, int type, byte[] bytes) {
        return decode(btf, type, bytes, 0, bytes.length);
    }

    private static Value typed(Btf btf, int type, byte[] bytes, int off, int size) throws BtfException {
        BtfType t = btf.type(btf.resolve(type));
        return switch (t) {
            case BtfType.Composite c -> {
                Map<String, Value> fields = new LinkedHashMap<>();
                members(btf, c, bytes, off, size, fields);
                yield new Value.Struct(fields);
            }
            case BtfType.Array a -> array(btf, a, bytes, off, size);
            case BtfType.Int i when isBool(i) && size == 1 -> new Value.Bool(bytes[off] != 0);
            case BtfType.Int i -> new Value.Int(integer(bytes, off, size, i.signed()));
            case BtfType.Enumeration e ->
                enumeration(e, integer(bytes, off, size, e.signed()).longValue());
            case BtfType.FloatType f
            when size == 4 -> new Value.Float(buffer(bytes, off, size).getFloat());
            case BtfType.FloatType f
            when size == 8 -> new Value.Float(buffer(bytes, off, size).getDouble());
            case BtfType.Reference r
            when size == 8 -> new Value.Pointer(buffer(bytes, off, size).getLong());
            default -> raw(bytes, off, size);
        };
    }

    private static void members(
            Btf btf, BtfType.Composite c, byte[] bytes, int off, int size, Map<String, Value> fields)
            throws BtfException {
        for (BtfType.Member m : c.members()) {
            int at = off + (int) (m.bitOffset() / 8);
            if (m.isBitfield()) {
                fields.put(m.name(), Value.Int.of(bitfield(m, bytes, off)));
                continue;
            }
            int memberSize = (int) Math.min(btf.size(m.type()), Math.max(0, off + size - at));
            if (m.name().isEmpty() && btf.type(btf.resolve(m.type())) instanceof BtfType.Composite inner) {
                members(btf, inner, bytes, at, memberSize, fields);
            } else {
                fields.put(m.name(), typed(btf, m.type(), bytes, at, memberSize));
            }
        }
    }

    private static Value array(Btf btf, BtfType.Array a, byte[] bytes, int off, int size) throws BtfException {
        int elementType = btf.resolve(a.elementType());
        int element = (int) btf.size(elementType);
        if (element == 1 && btf.type(elementType) instanceof BtfType.Int i && !isBool(i) && isText(bytes, off, size)) {
            int end = off;
            while (end < off + size && bytes[end] != 0) {
                end++;
            }
            return new Value.Text(new String(bytes, off, end - off, StandardCharsets.UTF_8));
        }
        List<Value> elements = new ArrayList<>();
        long count = a.countUnsigned();
        for (int i = 0; element > 0 && i < count && (i + 1) * element <= size; i++) {
            elements.add(typed(btf, elementType, bytes, off + i * element, element));
        }
        return new Value.Array(elements);
    }

    private static boolean isBool(BtfType.Int i) {
        return (i.encoding() & BtfType.Int.BOOL) != 0;
    }

    private static Value enumeration(BtfType.Enumeration e, long n) {
        for (BtfType.EnumValue ev : e.values()) {
            if (ev.value() == n) {
                return new Value.Enum(ev.name(), n);
            }
        }
        return new Value.Enum("", n);
    }

    private static long bitfield(BtfType.Member m, byte[] bytes, int off) {
        // Little-endian bit numbering, as on the machines structops runs on.
        long bits = 0;
        int first = (int) (m.bitOffset() / 8);
        int last = (int) ((m.bitOffset() + m.bitfieldSize() - 1) / 8);
        for (int i = last; i >= first; i--) {
            bits = (bits << 8) | (bytes[off + i] & 0xff);
        }
        bits >>>= m.bitOffset() % 8;
        return m.bitfieldSize() >= 64 ? bits : bits & ((1L << m.bitfieldSize()) - 1);
    }

    private static BigInteger integer(byte[] bytes, int off, int size, boolean signed) {
        byte[] big = new byte[size];
        for (int i = 0; i < size; i++) {
            big[i] = bytes[off + (ORDER == ByteOrder.LITTLE_ENDIAN ? size - 1 - i : i)];
        }
        return signed ? new BigInteger(big) : new BigInteger(1, big);
    }

    private static ByteBuffer buffer(byte[] bytes, int off, int size) {
        return ByteBuffer.wrap(bytes, off, size).slice().order(ORDER);
    }

    private static Value.Raw raw(byte[] bytes, int off, int size) {
        byte[] b = new byte[size];
        System.arraycopy(bytes, off, b, 0, size);
        return new Value.Raw(b);
    }

    /** Whether {@code len} bytes from {@code from} are all zero: a member a struct leaves unset. */
    public static boolean isZero(byte[] bytes, int from, int len) {
        for (int i = from; i < from + len && i < bytes.length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Printable characters up to a NUL, and nothing but NULs after it (a byte buffer is not text). */
    public static boolean isText(byte[] bytes, int off, int size) {
        int end = off;
        while (end < off + size && bytes[end] != 0) {
            int c = bytes[end] & 0xff;
            if (c < 0x20 && c != '\n' && c != '\t' || c == 0x7f) {
                return false;
            }
            end++;
        }
        for (int i = end; i < off + size; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The bytes of {@code value} as BTF type {@code type}, {@code size} of them. Integers must fit their type; an
     * enum takes an enumerator's name or a number; text fits a {@code char} array with room for its NUL; a struct
     * takes its members by name (those left out are zero, an unknown name is refused); an array takes at most its
     * length.
     *
     * @throws IllegalArgumentException naming the member and why the value does not fit
     */
    public static byte[] encode(Btf btf, int type, Value value) {
        try {
            byte[] out = new byte[(int) btf.size(type)];
            put(btf, type, value, out, 0, "value");
            return out;
        } catch (BtfException e) {
            throw new IllegalArgumentException("the type cannot be sized: " + e.getMessage(), e);
        }
    }

    private static void put(Btf btf, int type, Value v, byte[] out, int off, String where) throws BtfException {
        BtfType t = btf.type(btf.resolve(type));
        int size = (int) btf.size(type);
        switch (t) {
            case BtfType.Composite c -> putStruct(btf, c, v, out, off, where);
            case BtfType.Array a -> putArray(btf, a, v, out, off, size, where);
            case BtfType.Enumeration e -> putInteger(enumValue(e, v, where), size, e.signed(), out, off, where);
            case BtfType.Int i -> putInteger(number(v, where), size, i.signed(), out, off, where);
            case BtfType.FloatType f -> {
                double d = switch (v) {
                    case Value.Float fl -> fl.value();
                    case Value.Text text
                    when text.value().strip().matches("-?[0-9.]+([eE][-+]?\\d+)?") ->
                        Double.parseDouble(text.value().strip());
                    default -> number(v, where).doubleValue();
                };
                ByteBuffer b = ByteBuffer.wrap(out, off, size).order(ORDER);
                if (size == 4) {
                    b.putFloat((float) d);
                } else {
                    b.putDouble(d);
                }
            }
            case BtfType.Reference r
            when size == 8 ->
                putInteger(
                        v instanceof Value.Pointer p ? BigInteger.valueOf(p.address()) : number(v, where),
                        8,
                        false,
                        out,
                        off,
                        where);
            default -> {
                if (!(v instanceof Value.Raw raw) || raw.bytes().length != size) {
                    throw new IllegalArgumentException(where + ": a " + t.kind() + " takes " + size + " raw bytes");
                }
                System.arraycopy(raw.bytes(), 0, out, off, size);
            }
        }
    }

    private static void putStruct(Btf btf, BtfType.Composite c, Value v, byte[] out, int off, String where)
            throws BtfException {
        if (!(v instanceof Value.Struct s)) {
            throw new IllegalArgumentException(where + ": " + describe(c) + " takes its members by name, not " + v);
        }
        Map<String, Value> left = new LinkedHashMap<>(s.fields());
        putMembers(btf, c, left, out, off, where);
        if (!left.isEmpty()) {
            throw new IllegalArgumentException(
                    where + ": " + describe(c) + " has no member " + String.join(", ", left.keySet()));
        }
    }

    private static void putMembers(
            Btf btf, BtfType.Composite c, Map<String, Value> left, byte[] out, int off, String where)
            throws BtfException {
        for (BtfType.Member m : c.members()) {
            int at = off + (int) (m.bitOffset() / 8);
            if (m.name().isEmpty() && btf.type(btf.resolve(m.type())) instanceof BtfType.Composite inner) {
                putMembers(btf, inner, left, out, at, where);
                continue;
            }
            Value field = left.remove(m.name());
            if (field == null) {
                continue;
            }
            if (m.isBitfield()) {
                putBits(m, number(field, where + "." + m.name()), out, off, where + "." + m.name());
            } else {
                put(btf, m.type(), field, out, at, where + "." + m.name());
            }
        }
    }

    private static void putArray(Btf btf, BtfType.Array a, Value v, byte[] out, int off, int size, String where)
            throws BtfException {
        int element = (int) btf.size(a.elementType());
        if (v instanceof Value.Text text && element == 1) {
            byte[] b = text.value().getBytes(StandardCharsets.UTF_8);
            if (b.length >= size) {
                throw new IllegalArgumentException(where + ": \"" + text.value() + "\" is " + b.length
                        + " bytes; the array holds " + (size - 1) + " and a NUL");
            }
            System.arraycopy(b, 0, out, off, b.length);
            return;
        }
        if (!(v instanceof Value.Array list)) {
            throw new IllegalArgumentException(
                    where + ": an array of " + a.countUnsigned() + " takes a list, not " + v);
        }
        if (list.elements().size() > a.countUnsigned()) {
            throw new IllegalArgumentException(
                    where + ": " + list.elements().size() + " elements; the array holds " + a.countUnsigned());
        }
        for (int i = 0; i < list.elements().size(); i++) {
            put(btf, a.elementType(), list.elements().get(i), out, off + i * element, where + "[" + i + "]");
        }
    }

    /**
     * {@code v} (a number, or text spelling one) as an integer of {@code size} bytes, for keys and values a map
     * does not type.
     *
     * @throws IllegalArgumentException if it is not a number or does not fit
     */
    public static byte[] encodeInteger(Value v, int size, boolean signed) {
        byte[] out = new byte[size];
        putInteger(number(v, "value"), size, signed, out, 0, "value");
        return out;
    }

    private static BigInteger enumValue(BtfType.Enumeration e, Value v, String where) {
        String name = v instanceof Value.Enum en ? en.name() : v instanceof Value.Text t ? t.value() : null;
        if (name != null && !name.isEmpty()) {
            for (BtfType.EnumValue ev : e.values()) {
                if (ev.name().equals(name)) {
                    return BigInteger.valueOf(ev.value());
                }
            }
            if (!(v instanceof Value.Text t && isNumber(t.value()))) {
                throw new IllegalArgumentException(where + ": " + describe(e) + " has no enumerator " + name);
            }
        }
        if (v instanceof Value.Enum en) {
            return BigInteger.valueOf(en.value());
        }
        return number(v, where);
    }

    private static boolean isNumber(String s) {
        return s.strip().matches("-?(0[xX][0-9a-fA-F]+|\\d+)");
    }

    private static BigInteger number(Value v, String where) {
        return switch (v) {
            case Value.Int i -> i.value();
            case Value.Bool b -> b.value() ? BigInteger.ONE : BigInteger.ZERO;
            case Value.Enum e -> BigInteger.valueOf(e.value());
            case Value.Pointer p -> BigInteger.valueOf(p.address());
            case Value.Text t
            when isNumber(t.value()) -> {
                String s = t.value().strip();
                boolean negative = s.startsWith("-");
                String digits = negative ? s.substring(1) : s;
                BigInteger n = digits.startsWith("0x") || digits.startsWith("0X")
                        ? new BigInteger(digits.substring(2), 16)
                        : new BigInteger(digits);
                yield negative ? n.negate() : n;
            }
            default -> throw new IllegalArgumentException(where + ": a number is needed, not " + v);
        };
    }

    private static void putInteger(BigInteger n, int size, boolean signed, byte[] out, int off, String where) {
        BigInteger min = signed ? BigInteger.ONE.shiftLeft(8 * size - 1).negate() : BigInteger.ZERO;
        BigInteger max = signed
                ? BigInteger.ONE.shiftLeft(8 * size - 1).subtract(BigInteger.ONE)
                : BigInteger.ONE.shiftLeft(8 * size).subtract(BigInteger.ONE);
        if (n.compareTo(min) < 0 || n.compareTo(max) > 0) {
            throw new IllegalArgumentException(where + ": " + n + " does not fit "
                    + (signed ? "a signed" : "an unsigned") + " " + 8 * size + "-bit integer");
        }
        for (int i = 0; i < size; i++) {
            byte b = n.shiftRight(8 * i).byteValue();
            out[off + (ORDER == ByteOrder.LITTLE_ENDIAN ? i : size - 1 - i)] = b;
        }
    }

    private static void putBits(BtfType.Member m, BigInteger n, byte[] out, int off, String where) {
        if (n.signum() < 0 || n.bitLength() > m.bitfieldSize()) {
            throw new IllegalArgumentException(where + ": " + n + " does not fit " + m.bitfieldSize() + " bits");
        }
        long bits = n.longValue();
        for (int i = 0; i < m.bitfieldSize(); i++) {
            long bit = m.bitOffset() + i;
            int at = off + (int) (bit / 8);
            int mask = 1 << (bit % 8);
            out[at] = (byte) (((bits >>> i) & 1) != 0 ? out[at] | mask : out[at] & ~mask);
        }
    }

    private static String describe(BtfType t) {
        return t.kind().toString().toLowerCase() + (t.name().isEmpty() ? "" : " " + t.name());
    }
}
