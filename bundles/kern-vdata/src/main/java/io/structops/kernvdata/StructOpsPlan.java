package io.structops.kernvdata;

import io.structops.kernel.btf.StructOpsType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * What the loader needs to create a struct_ops map: the kernel type, the value with every data member in place,
 * and the function-pointer slots to fill with program descriptors once the programs are loaded.
 *
 * @param variable the object's variable (the map's name)
 * @param kernelType the kernel's struct_ops type: ids, value size, where the ops struct starts
 * @param value {@code bpf_struct_ops_<name>} bytes: {@code common} zero, data members copied, slots zero
 * @param slots function pointers to fill, in kernel member order
 * @param ignoredMembers members of the object's struct the kernel lacks, left out because they are zero
 */
public record StructOpsPlan(
        String variable, StructOpsType kernelType, byte[] value, List<Slot> slots, List<String> ignoredMembers) {

    public StructOpsPlan {
        value = value.clone();
        slots = List.copyOf(slots);
        ignoredMembers = List.copyOf(ignoredMembers);
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    /**
     * A function-pointer member bound to a program.
     *
     * @param member the member's name
     * @param memberIndex its index in the kernel's struct: the program's {@code expected_attach_type}
     * @param valueOffset where in the value the program's descriptor goes (8 bytes)
     * @param program the object's program
     */
    public record Slot(String member, int memberIndex, long valueOffset, String program) {}

    /** The value with each slot holding its program's descriptor. */
    public byte[] valueWith(ToIntFunction<Slot> fds, ByteOrder order) {
        ByteBuffer b = ByteBuffer.wrap(value.clone()).order(order);
        for (Slot s : slots) {
            b.putLong((int) s.valueOffset(), fds.applyAsInt(s));
        }
        return b.array();
    }
}
