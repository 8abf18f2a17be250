package io.structops.btf;

import java.util.List;
import java.util.Optional;

/**
 * One BTF type, decoded. Values are immutable snapshots; {@code nameOffset} is kept next to the decoded name so that
 * encoding reproduces the original bytes. Unsigned 32-bit fields of the format are held in {@code int}s and
 * {@code long}s as noted.
 */
public sealed interface BtfType {

    int id();

    BtfKind kind();

    /** The name, or the empty string for an anonymous type. */
    String name();

    /** The name's offset in the string section (0 for anonymous types). */
    int nameOffset();

    /** {@code kind_flag}: bitfield member offsets, union forwards, signed enums, or tag attributes. */
    default boolean kindFlag() {
        return false;
    }

    default boolean isAnonymous() {
        return name().isEmpty();
    }

    /** Type id 0: void. */
    record Void() implements BtfType {
        public int id() {
            return 0;
        }

        public BtfKind kind() {
            return BtfKind.VOID;
        }

        public String name() {
            return "";
        }

        public int nameOffset() {
            return 0;
        }
    }

    /** INT: {@code encoding} bits are {@link #SIGNED}, {@link #CHAR}, {@link #BOOL}. */
    record Int(int id, int nameOffset, String name, int size, int encoding, int bitOffset, int bits)
            implements BtfType {
        public static final int SIGNED = 1;
        public static final int CHAR = 2;
        public static final int BOOL = 4;

        public BtfKind kind() {
            return BtfKind.INT;
        }

        public boolean signed() {
            return (encoding & SIGNED) != 0;
        }
    }

    /** PTR, TYPEDEF, VOLATILE, CONST, RESTRICT and TYPE_TAG: a type that refers to one other type. */
    record Reference(BtfKind kind, int id, int nameOffset, String name, boolean kindFlag, int type)
            implements BtfType {}

    record Array(int id, int nameOffset, String name, int elementType, int indexType, int count) implements BtfType {
        public BtfKind kind() {
            return BtfKind.ARRAY;
        }

        /** The element count as the unsigned value it is. */
        public long countUnsigned() {
            return Integer.toUnsignedLong(count);
        }
    }

    /**
     * A struct or union member. {@code bitOffset} is from the start of the enclosing type; {@code bitfieldSize} is
     * 0 unless the member is a bitfield; {@code rawOffset} is the encoded {@code offset} word.
     */
    record Member(int nameOffset, String name, int type, long bitOffset, int bitfieldSize, int rawOffset) {
        public boolean isBitfield() {
            return bitfieldSize != 0;
        }

        /** Byte offset; meaningful when the member starts on a byte boundary. */
        public long byteOffset() {
            return bitOffset / 8;
        }
    }

    /** STRUCT or UNION. */
    record Composite(
            BtfKind kind, int id, int nameOffset, String name, boolean kindFlag, int size, List<Member> members)
            implements BtfType {
        public Composite {
            members = List.copyOf(members);
        }

        public Optional<Member> member(String memberName) {
            return members.stream().filter(m -> m.name().equals(memberName)).findFirst();
        }
    }

    record EnumValue(int nameOffset, String name, long value) {}

    /** ENUM or ENUM64; {@code kindFlag} set means the values are signed. */
    record Enumeration(
            BtfKind kind, int id, int nameOffset, String name, boolean kindFlag, int size, List<EnumValue> values)
            implements BtfType {
        public Enumeration {
            values = List.copyOf(values);
        }

        public boolean signed() {
            return kindFlag;
        }
    }

    /** FWD; {@code kindFlag} set means a union. */
    record Fwd(int id, int nameOffset, String name, boolean kindFlag) implements BtfType {
        public BtfKind kind() {
            return BtfKind.FWD;
        }

        public boolean union() {
            return kindFlag;
        }
    }

    /** FUNC; linkage 0 static, 1 global, 2 extern (held in vlen). */
    record Func(int id, int nameOffset, String name, int proto, int linkage) implements BtfType {
        public static final int STATIC = 0;
        public static final int GLOBAL = 1;
        public static final int EXTERN = 2;

        public BtfKind kind() {
            return BtfKind.FUNC;
        }
    }

    record Param(int nameOffset, String name, int type) {}

    /** FUNC_PROTO; a last parameter of type 0 with no name marks varargs. */
    record FuncProto(int id, int nameOffset, String name, int returnType, List<Param> params) implements BtfType {
        public FuncProto {
            params = List.copyOf(params);
        }

        public BtfKind kind() {
            return BtfKind.FUNC_PROTO;
        }
    }

    /** VAR; linkage 0 static, 1 global, 2 extern. */
    record Var(int id, int nameOffset, String name, int type, int linkage) implements BtfType {
        public static final int STATIC = 0;
        public static final int GLOBAL_ALLOCATED = 1;
        public static final int EXTERN = 2;

        public BtfKind kind() {
            return BtfKind.VAR;
        }
    }

    /** One variable of a DATASEC; offset and size are unsigned 32-bit values. */
    record VarInfo(int type, long offset, long size) {}

    record Datasec(int id, int nameOffset, String name, int size, List<VarInfo> vars) implements BtfType {
        public Datasec {
            vars = List.copyOf(vars);
        }

        public BtfKind kind() {
            return BtfKind.DATASEC;
        }
    }

    record FloatType(int id, int nameOffset, String name, int size) implements BtfType {
        public BtfKind kind() {
            return BtfKind.FLOAT;
        }
    }

    /** DECL_TAG on a type ({@code componentIndex} -1) or on a member or parameter. */
    record DeclTag(int id, int nameOffset, String name, boolean kindFlag, int type, int componentIndex)
            implements BtfType {
        public BtfKind kind() {
            return BtfKind.DECL_TAG;
        }
    }
}
