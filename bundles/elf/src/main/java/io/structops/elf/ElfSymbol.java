package io.structops.elf;

/** One ELF64 symbol table entry; {@code sectionIndex} is already resolved through SHT_SYMTAB_SHNDX. */
public record ElfSymbol(
        int index, String name, long value, long size, int type, int binding, int visibility, int sectionIndex) {

    public static final int STT_NOTYPE = 0;
    public static final int STT_OBJECT = 1;
    public static final int STT_FUNC = 2;
    public static final int STT_SECTION = 3;
    public static final int STT_FILE = 4;

    public static final int STB_LOCAL = 0;
    public static final int STB_GLOBAL = 1;
    public static final int STB_WEAK = 2;

    /** {@code visibility("hidden")}: global to the object's own code only. */
    public static final int STV_HIDDEN = 2;

    public static final int SHN_UNDEF = 0;
    public static final int SHN_ABS = 0xfff1;
    public static final int SHN_COMMON = 0xfff2;

    public boolean isUndefined() {
        return sectionIndex == SHN_UNDEF;
    }

    public boolean isWeak() {
        return binding == STB_WEAK;
    }

    public boolean isGlobal() {
        return binding == STB_GLOBAL || binding == STB_WEAK;
    }

    /** True for symbols that live in a real section (not undefined, absolute or common). */
    public boolean isInSection() {
        return sectionIndex != SHN_UNDEF && sectionIndex < 0xff00;
    }
}
