package io.structops.kernel.objects;

import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A key or value typed through BTF: a tree as bpftool's {@code formatted} output shows it. The same tree is built
 * back into bytes for an update ({@link KernelMap#encodeValue}); there, a {@link Text} may also name an enumerator
 * or spell a number, and fields left out of a {@link Struct} are zero.
 */
public sealed interface Value {

    /** An integer of any width, signed or not as its type says. */
    record Int(BigInteger value) implements Value {
        public static Int of(long v) {
            return new Int(BigInteger.valueOf(v));
        }
    }

    record Bool(boolean value) implements Value {}

    /** An enum's value; {@code name} is empty when no enumerator has it. */
    record Enum(String name, long value) implements Value {}

    record Float(double value) implements Value {}

    /** A {@code char} array holding text (up to its first NUL). */
    record Text(String value) implements Value {}

    /** A pointer, as its address; nothing behind it is read. */
    record Pointer(long address) implements Value {}

    /** A struct's or union's named members in order; anonymous members' fields are flattened in. */
    record Struct(Map<String, Value> fields) implements Value {
        public Struct {
            fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }
    }

    record Array(List<Value> elements) implements Value {
        public Array {
            elements = List.copyOf(elements);
        }
    }

    /** Bytes of a type this cannot show (a bitfield-only union, a type missing from the BTF). */
    record Raw(byte[] bytes) implements Value {
        public Raw {
            bytes = bytes.clone();
        }
    }
}
