package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads numbers and C strings out of raw bytes laid out by a BTF type, for handlers: anything that does not fit the
 * type, or lies outside the bytes, is "no value" rather than an exception.
 */
final class TypedValues {
    private TypedValues() {}

    /** The non-bitfield member {@code name} of struct or union {@code type}. */
    static Optional<BtfType.Member> member(Btf btf, int type, String name) {
        try {
            return btf.members(btf.resolve(type)).stream()
                    .filter(m -> m.name().equals(name) && !m.isBitfield())
                    .findFirst();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** An integer, enum or bool of BTF type {@code type} at {@code at}. */
    static OptionalLong integer(Btf btf, int type, byte[] value, int at) {
        try {
            int t = btf.resolve(type);
            BtfKind kind = btf.kind(t);
            if (kind != BtfKind.INT && kind != BtfKind.ENUM && kind != BtfKind.ENUM64) {
                return OptionalLong.empty();
            }
            boolean signed = btf.type(t) instanceof BtfType.Int i
                    ? i.signed()
                    : btf.type(t) instanceof BtfType.Enumeration e && e.signed();
            ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
            return OptionalLong.of(
                    switch ((int) btf.size(t)) {
                        case 1 -> signed ? b.get(at) : Byte.toUnsignedLong(b.get(at));
                        case 2 -> signed ? b.getShort(at) : Short.toUnsignedLong(b.getShort(at));
                        case 4 -> signed ? b.getInt(at) : Integer.toUnsignedLong(b.getInt(at));
                        case 8 -> b.getLong(at);
                        default -> throw new IllegalStateException("not a scalar size");
                    });
        } catch (BtfException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** A {@code char[N]} of BTF type {@code type} at {@code at}, up to its first NUL. */
    static Optional<String> string(Btf btf, int type, byte[] value, int at) {
        try {
            int t = btf.resolve(type);
            if (!(btf.type(t) instanceof BtfType.Array a)
                    || !(btf.type(btf.resolve(a.elementType())) instanceof BtfType.Int i)
                    || i.size() != 1) {
                return Optional.empty();
            }
            int end = at;
            while (end < at + a.count() && end < value.length && value[end] != 0) {
                end++;
            }
            return Optional.of(new String(value, at, Math.max(0, end - at), StandardCharsets.ISO_8859_1));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    static OptionalLong integerMember(Btf btf, int type, byte[] value, int base, String name) {
        Optional<BtfType.Member> m = member(btf, type, name);
        return m.isEmpty()
                ? OptionalLong.empty()
                : integer(btf, m.get().type(), value, base + (int) m.get().byteOffset());
    }

    static Optional<String> stringMember(Btf btf, int type, byte[] value, int base, String name) {
        Optional<BtfType.Member> m = member(btf, type, name);
        return m.isEmpty()
                ? Optional.empty()
                : string(btf, m.get().type(), value, base + (int) m.get().byteOffset());
    }
}
