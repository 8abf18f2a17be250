package io.structops.loader.internal;

import io.structops.btf.internal.BtfReaderComponent;
import io.structops.elf.internal.BpfObjectReaderComponent;
import io.structops.kernel.btf.internal.KernelBtfSource;
import io.structops.kernvdata.internal.KernVdataBuilderComponent;
import io.structops.syscall.internal.BpfSyscalls;
import java.nio.file.Path;

/** The loader wired by hand, as DS wires it in the runtime. */
final class Loaders {
    static final BpfSyscalls BPF = new BpfSyscalls();
    static final BtfReaderComponent BTF = new BtfReaderComponent();
    static final StructOpsLoaderComponent LOADER = new StructOpsLoaderComponent(
            new BpfObjectReaderComponent(), BTF, KernelBtfSource.running(BTF), new KernVdataBuilderComponent(), BPF);

    private Loaders() {}

    static Path example(String name) {
        return Path.of(System.getProperty("structops.examples"), name);
    }
}
