/**
 * Reading clang-built BPF ELF objects: the raw ELF model ({@link io.structops.elf.ElfFile}) and its BPF meaning
 * ({@link io.structops.elf.BpfObject}): programs, maps, global data, struct_ops variables and the program bound to
 * each of their function-pointer slots. Obtain a {@link io.structops.elf.BpfObjectReader} from the service registry.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.structops.elf;
