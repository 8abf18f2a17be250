package io.structops.elf;

/**
 * An undefined global symbol the loader must resolve: a {@code __ksym} kernel function or variable, or a
 * {@code __kconfig} value.
 *
 * @param name symbol name
 * @param weak declared {@code __weak}: may be absent from the kernel
 * @param kconfig a {@code .kconfig} value ({@code CONFIG_*}, {@code LINUX_*}) rather than a kernel symbol; decided by
 *        name until BTF's DATASEC says which
 */
public record BpfExtern(String name, boolean weak, boolean kconfig) {}
