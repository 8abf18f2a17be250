package io.structops.elf;

/**
 * One relocation applied to {@code targetSection} at byte {@code offset}. BPF objects use SHT_REL, whose addend is
 * implicit in the relocated bytes; {@code addend} is then 0 and {@code explicitAddend} false.
 */
public record ElfRelocation(
        int targetSection, long offset, int type, ElfSymbol symbol, long addend, boolean explicitAddend) {

    /** {@code ld_imm64}: map fd, map value, subprogram or ksym address. */
    public static final int R_BPF_64_64 = 1;
    /** 64-bit absolute data, as in {@code .struct_ops} function-pointer slots and {@code .maps} inner maps. */
    public static final int R_BPF_64_ABS64 = 2;

    public static final int R_BPF_64_ABS32 = 3;
    public static final int R_BPF_64_NODYLD32 = 4;
    /** {@code call} to a subprogram or kfunc. */
    public static final int R_BPF_64_32 = 10;
}
