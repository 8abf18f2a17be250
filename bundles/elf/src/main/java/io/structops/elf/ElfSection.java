package io.structops.elf;

/** One ELF64 section header, with its name resolved. Offsets and sizes are validated against the file. */
public record ElfSection(
        int index,
        String name,
        int type,
        long flags,
        long offset,
        long size,
        int link,
        int info,
        long addralign,
        long entsize) {

    public static final int SHT_NULL = 0;
    public static final int SHT_PROGBITS = 1;
    public static final int SHT_SYMTAB = 2;
    public static final int SHT_STRTAB = 3;
    public static final int SHT_RELA = 4;
    public static final int SHT_NOBITS = 8;
    public static final int SHT_REL = 9;
    public static final int SHT_SYMTAB_SHNDX = 18;

    public static final long SHF_WRITE = 0x1;
    public static final long SHF_ALLOC = 0x2;
    public static final long SHF_EXECINSTR = 0x4;

    public boolean isExecutable() {
        return (flags & SHF_EXECINSTR) != 0;
    }

    public boolean isWritable() {
        return (flags & SHF_WRITE) != 0;
    }

    /** NOBITS sections (such as {@code .bss}) occupy no bytes in the file. */
    public boolean hasFileData() {
        return type != SHT_NOBITS && type != SHT_NULL;
    }

    /** A short text for messages: {@code section '.maps' (index 5)}. */
    public String describe() {
        return "section '" + name + "' (index " + index + ")";
    }
}
