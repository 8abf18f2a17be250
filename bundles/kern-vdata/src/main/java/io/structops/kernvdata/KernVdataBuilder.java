package io.structops.kernvdata;

import io.structops.btf.Btf;
import io.structops.elf.BpfObject;
import io.structops.elf.StructOpsVariable;
import io.structops.kernel.btf.KernelBtf;
import org.osgi.annotation.versioning.ProviderType;

/** Builds struct_ops map values. Offered as an OSGi service; stateless. */
@ProviderType
public interface KernVdataBuilder {

    /**
     * Matches {@code variable}'s struct (from the object's BTF) with the kernel's struct of the same name (any
     * {@code ___flavour} suffix removed), member by member.
     *
     * @throws KernVdataException if the kernel has no such struct_ops type, a set member is missing from the
     *         kernel's struct, or a data member's type or size differs
     */
    StructOpsPlan plan(BpfObject object, Btf objectBtf, StructOpsVariable variable, KernelBtf kernel)
            throws KernVdataException;

    /**
     * The same matching as {@link #plan}, reporting every member the kernel would reject or ignore instead of
     * stopping at the first; nothing is built.
     *
     * @throws KernVdataException if the variable is not a struct in the object's BTF
     */
    StructOpsMatch match(BpfObject object, Btf objectBtf, StructOpsVariable variable, KernelBtf kernel)
            throws KernVdataException;
}
