package io.structops.kernvdata;

import java.util.List;

/**
 * What the running kernel would make of a struct_ops variable, found the way {@link KernVdataBuilder#plan} matches
 * it but without stopping at the first problem: for {@code inspect}, which tells a user everything at once.
 *
 * @param struct the struct the variable fills, without its {@code ___flavour}
 * @param offered whether the kernel has a struct_ops type of that name
 * @param module where it is: {@code vmlinux} or a module's name; null when not offered
 * @param rejected members a load would be refused for: set in the object but missing from the kernel's struct, or of
 *     another kind or size there
 * @param ignored members the kernel's struct lacks that the object leaves unset
 */
public record StructOpsMatch(
        String struct, boolean offered, String module, List<String> rejected, List<String> ignored) {

    public StructOpsMatch {
        rejected = List.copyOf(rejected);
        ignored = List.copyOf(ignored);
    }
}
