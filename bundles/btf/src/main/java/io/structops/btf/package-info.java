/**
 * The BTF type system: {@link io.structops.btf.Btf} (types by id and by name, resolution through typedefs and
 * qualifiers, sizes and alignment, bpftool's raw dump, encoding for BPF_BTF_LOAD) and
 * {@link io.structops.btf.BtfExt} (func_info, line_info and CO-RE relocations per section). Obtain a
 * {@link io.structops.btf.BtfReader} from the service registry.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package io.structops.btf;
