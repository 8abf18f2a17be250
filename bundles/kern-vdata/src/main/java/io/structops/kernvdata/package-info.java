/**
 * The kernel's value for a struct_ops map: {@link io.structops.kernvdata.KernVdataBuilder} matches an object's
 * struct_ops variable to the kernel's {@code bpf_struct_ops_<name>} by member name and gives a
 * {@link io.structops.kernvdata.StructOpsPlan}: the value bytes and where each program's descriptor goes.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.structops.kernvdata;
