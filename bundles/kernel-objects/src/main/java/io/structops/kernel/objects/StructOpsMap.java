package io.structops.kernel.objects;

/**
 * A struct_ops map in the kernel.
 *
 * @param struct the kernel struct it implements ({@code tcp_congestion_ops}), from its value type's BTF
 * @param btfObjectId the kernel BTF object (vmlinux or a module's) its value type is in
 * @param valueTypeId its value type ({@code bpf_struct_ops_<struct>}) there
 * @param linkId the struct_ops link attaching it; 0 if none (a legacy map, or one not attached)
 */
public record StructOpsMap(MapInfo map, String struct, int btfObjectId, int valueTypeId, int linkId) {

    public int id() {
        return map.id();
    }

    public String name() {
        return map.name();
    }
}
