package io.structops.kernel.btf;

/**
 * A struct_ops type the kernel offers: a {@code bpf_struct_ops_<name>} wrapper in vmlinux or a module.
 *
 * @param name the ops struct, e.g. {@code tcp_congestion_ops}
 * @param module {@code vmlinux} or the module whose BTF holds it
 * @param typeId the ops struct's type id (a program's {@code attach_btf_id})
 * @param wrapperTypeId the wrapper's type id (the map's {@code btf_vmlinux_value_type_id})
 * @param valueSize the wrapper's size: the map's value size
 * @param dataOffset byte offset of the wrapper's {@code data} member, where the ops struct starts
 */
public record StructOpsType(
        String name, String module, int typeId, int wrapperTypeId, long valueSize, long dataOffset) {}
