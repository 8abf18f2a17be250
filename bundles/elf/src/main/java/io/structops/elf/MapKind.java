package io.structops.elf;

import java.util.Locale;

/** How a map comes out of an object. */
public enum MapKind {
    /** A BTF-defined map in {@code .maps}; its type and sizes come from the object's BTF. */
    BTF_DEFINED,
    /** Global data ({@code .data}, {@code .rodata}, {@code .bss} and their {@code .*} variants): an array map. */
    GLOBAL_DATA,
    /** A struct_ops variable registered by updating its map ({@code .struct_ops}). */
    STRUCT_OPS,
    /** A struct_ops variable attached through a BPF link ({@code .struct_ops.link}). */
    STRUCT_OPS_LINK;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
