package io.structops.kernel.objects;

/**
 * A map in the kernel, as BPF_OBJ_GET_INFO_BY_FD describes it.
 *
 * @param kind the map type as bpftool names it ({@code hash}, {@code percpu_array}, {@code struct_ops}...)
 * @param btfId the id of the BTF object its key and value types are in; 0 if it has none
 * @param keyTypeId the key's type in that BTF; 0 if untyped
 * @param valueTypeId the value's type in that BTF; 0 if untyped
 */
public record MapInfo(
        int id,
        String name,
        int type,
        String kind,
        int keySize,
        int valueSize,
        int maxEntries,
        int flags,
        int btfId,
        int keyTypeId,
        int valueTypeId) {

    /** Whether lookups return one value per possible CPU. */
    public boolean perCpu() {
        return kind.startsWith("percpu_") || kind.equals("lru_percpu_hash");
    }
}
