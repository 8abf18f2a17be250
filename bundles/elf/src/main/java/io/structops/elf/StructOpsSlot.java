package io.structops.elf;

/**
 * A function-pointer member of a struct_ops variable, found from a relocation in {@code .rel.struct_ops*}.
 *
 * @param offset byte offset of the pointer inside the variable
 * @param program the program it points to
 */
public record StructOpsSlot(long offset, BpfProgram program) {}
