package io.structops.elf;

/** What a section means to a BPF loader, decided from its name, type and flags the way libbpf does. */
public enum SectionKind {
    /** Executable section named by {@code SEC("...")}: one or more programs. */
    PROGRAM,
    /** {@code .text}: subprograms called from programs. */
    TEXT,
    /** {@code .struct_ops}: struct_ops variables registered when their map is updated. */
    STRUCT_OPS,
    /** {@code .struct_ops.link}: struct_ops variables attached through a BPF link. */
    STRUCT_OPS_LINK,
    /** {@code .maps}: BTF-defined maps. */
    MAPS,
    LICENSE,
    VERSION,
    /** {@code .data} and {@code .data.*}: writable global data. */
    DATA,
    /** {@code .rodata} and {@code .rodata.*}: read-only globals, including {@code const volatile} tunables. */
    RODATA,
    /** {@code .bss}: zero-initialised global data. */
    BSS,
    BTF,
    BTF_EXT,
    /** SHT_REL/SHT_RELA. */
    RELOCATION,
    SYMBOL_TABLE,
    STRING_TABLE,
    /** DWARF and other sections a loader ignores. */
    OTHER
}
