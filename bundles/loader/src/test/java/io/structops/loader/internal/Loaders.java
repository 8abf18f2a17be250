package io.structops.loader.internal;

import io.structops.btf.internal.BtfReaderAccess;
import io.structops.elf.internal.ElfReaderAccess;
import io.structops.kernel.btf.internal.KernelBtfAccess;
import io.structops.kernvdata.internal.KernVdataBuilderComponent;
import io.structops.syscall.internal.BpfSyscalls;
import java.nio.file.Path;

/** The loader wired by hand, as DS wires it in the runtime. */
final class Loaders {
    static final BpfSyscalls BPF = new BpfSyscalls();
    static final BtfReaderAccess BTF = new BtfReaderAccess();
    static final StructOpsLoaderComponent LOADER = new StructOpsLoaderComponent(new ElfReaderAccess(), BTF,
            KernelBtfAccess.running(BTF), new KernVdataBuilderComponent(), BPF);

    private Loaders() {
    }

    static Path example(String name) {
        return Path.of(System.getProperty("structops.examples"), name);
    }
}
