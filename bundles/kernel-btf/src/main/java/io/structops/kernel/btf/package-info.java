/**
 * The kernel's BTF as a service: {@link io.structops.kernel.btf.KernelBtf} gives vmlinux's BTF, a module's split BTF
 * on demand, and the struct_ops types the kernel offers.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.structops.kernel.btf;
