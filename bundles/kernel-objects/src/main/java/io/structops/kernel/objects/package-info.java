/**
 * What is in the kernel, seen from user space, as records: {@link io.structops.kernel.objects.KernelStructOps} lists
 * every struct_ops map, decodes its value through its struct's BTF and unregisters it;
 * {@link io.structops.kernel.objects.KernelMaps} opens any map by id or pin and reads and writes its entries, raw or
 * typed through BTF as {@link io.structops.kernel.objects.Value}s; {@link io.structops.kernel.objects.KernelPrograms}
 * names programs and counts their runs. Obtain them from the service registry.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.structops.kernel.objects;
