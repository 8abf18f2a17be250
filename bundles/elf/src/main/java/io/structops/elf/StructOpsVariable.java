package io.structops.elf;

import java.util.List;

/**
 * A struct_ops variable: a global in {@code .struct_ops} or {@code .struct_ops.link} whose value becomes the kernel
 * struct_ops map's value.
 *
 * @param name the variable's name (also the map's name)
 * @param section the section as written ({@code ?.struct_ops.link} for an optional map)
 * @param offset byte offset of the variable in its section
 * @param size the variable's size in bytes (the size of the user's struct)
 * @param link attached through a BPF link ({@code .struct_ops.link})
 * @param optional {@code ?}-prefixed section: not created unless asked for
 * @param slots function-pointer members bound to programs, by offset
 * @param data initialised bytes outside the slots
 */
public record StructOpsVariable(
        String name,
        String section,
        long offset,
        long size,
        boolean link,
        boolean optional,
        List<StructOpsSlot> slots,
        List<DataRun> data,
        byte[] initialValue) {

    public StructOpsVariable {
        slots = List.copyOf(slots);
        data = List.copyOf(data);
        initialValue = initialValue.clone();
    }

    /** The variable's bytes as in the object (function-pointer slots zero). */
    @Override
    public byte[] initialValue() {
        return initialValue.clone();
    }
}
