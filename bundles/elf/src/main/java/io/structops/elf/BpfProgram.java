package io.structops.elf;

/**
 * A program: an {@code STT_FUNC} symbol in an executable section other than {@code .text}.
 *
 * @param name the function's name
 * @param section the {@code SEC()} name, as written (with a leading {@code ?} if it is not auto-loaded)
 * @param sectionIndex the ELF section index
 * @param offset byte offset of the first instruction in the section
 * @param instructionCount number of 8-byte instruction slots ({@code ld_imm64} counts as two)
 * @param type the program type the section name asks for
 * @param sleepable {@code .s} sections such as {@code struct_ops.s/}
 * @param autoload false for {@code ?}-prefixed sections, which libbpf does not load unless asked
 */
public record BpfProgram(
        String name,
        String section,
        int sectionIndex,
        long offset,
        int instructionCount,
        ProgramType type,
        boolean sleepable,
        boolean autoload) {

    public static final int INSTRUCTION_SIZE = 8;
}
