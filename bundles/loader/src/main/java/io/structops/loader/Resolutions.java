package io.structops.loader;

import java.util.List;
import java.util.OptionalLong;

/**
 * What an object's externs and CO-RE relocations resolve to on the running kernel, worked out as a load would
 * without creating anything in the kernel.
 *
 * @param externs every extern, in the object's order
 * @param coreRelocations every CO-RE relocation, by section and instruction
 */
public record Resolutions(List<Extern> externs, List<CoreRelocation> coreRelocations) {
    public Resolutions {
        externs = List.copyOf(externs);
        coreRelocations = List.copyOf(coreRelocations);
    }

    /**
     * One extern.
     *
     * @param kind {@code kfunc}, {@code ksym} (a variable) or {@code kconfig}
     * @param resolved whether it resolved on this kernel
     * @param resolution what it resolves to (a BTF id, an address, a config value), or why a load would fail or
     *     what a weak one becomes
     */
    public record Extern(String name, String kind, boolean weak, boolean resolved, String resolution) {}

    /**
     * One CO-RE relocation.
     *
     * @param instruction the instruction's index in its section
     * @param type the local root type the access starts from
     * @param access the access string: member indexes (fields), or an enumerator index
     * @param path the access spelled out in C: {@code sock.__sk_common.skc_state}, {@code tcp_ca_state::TCP_CA_Loss}
     * @param local the value compiled into the instruction
     * @param kernel the kernel's value, or empty if no kernel type satisfies it (the instruction is poisoned)
     */
    public record CoreRelocation(
            String section,
            int instruction,
            String kind,
            String type,
            String access,
            String path,
            long local,
            OptionalLong kernel) {}
}
