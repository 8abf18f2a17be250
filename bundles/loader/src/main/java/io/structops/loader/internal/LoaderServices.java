package io.structops.loader.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfReader;
import io.structops.handler.StructOpsHandlers;
import io.structops.kernel.btf.KernelBtf;
import io.structops.kernvdata.KernVdataBuilder;
import io.structops.syscall.Bpf;
import java.util.ArrayList;
import java.util.List;

/**
 * What every load session works with: the BTF reader, the kernel's BTF, the kern_vdata builder, the {@code bpf(2)}
 * backend, the handlers, and the BTF kinds this kernel refuses (probed once).
 */
record LoaderServices(
        BtfReader btfReader,
        KernelBtf kernel,
        KernVdataBuilder vdata,
        Bpf bpf,
        StructOpsHandlers handlers,
        BtfFeatureProbe features) {

    /** Every loaded module's BTF, split on vmlinux's: where CO-RE looks when vmlinux has no candidate. */
    List<Btf> moduleBtfs() throws BtfException {
        List<Btf> btfs = new ArrayList<>();
        for (String m : kernel.modules()) {
            kernel.module(m).ifPresent(btfs::add);
        }
        return btfs;
    }
}
