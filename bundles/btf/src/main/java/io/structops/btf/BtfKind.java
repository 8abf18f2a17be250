package io.structops.btf;

/** BTF type kinds, by their number in {@code btf_type.info} (bits 24-28). */
public enum BtfKind {
    VOID,
    INT,
    PTR,
    ARRAY,
    STRUCT,
    UNION,
    ENUM,
    FWD,
    TYPEDEF,
    VOLATILE,
    CONST,
    RESTRICT,
    FUNC,
    FUNC_PROTO,
    VAR,
    DATASEC,
    FLOAT,
    DECL_TAG,
    TYPE_TAG,
    ENUM64;

    private static final BtfKind[] BY_NUMBER = values();

    /** The kind with this number, or null if the number is not a BTF kind. */
    public static BtfKind of(int number) {
        return number >= 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
    }

    /** The name bpftool prints ({@code UNKNOWN} for void). */
    public String label() {
        return this == VOID ? "UNKNOWN" : name();
    }
}
