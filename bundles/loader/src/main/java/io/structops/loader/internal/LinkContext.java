package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfExt;
import io.structops.elf.BpfObject;
import java.util.Map;
import java.util.Optional;

/**
 * What linking a program refers to, the same for every program of one load: the object and its BTF, the created
 * maps, the kernel's BTF for CO-RE, and the resolved externs and kernel functions with their modules' descriptors.
 *
 * @param kernel vmlinux's BTF
 * @param modules the loaded modules' BTF, for CO-RE relocations vmlinux has no candidate for
 * @param functions the object's kernel functions, in vmlinux or in modules
 * @param moduleBtfs the modules' BTF descriptors, in the slots {@code functions} gave them
 */
record LinkContext(
        BpfObject object,
        Btf localBtf,
        Optional<BtfExt> ext,
        Map<String, ObjectMaps.Created> maps,
        Btf kernel,
        CoreRelocator.Modules modules,
        KernelExterns externs,
        KernelFunctions functions,
        ModuleBtfs moduleBtfs) {}
