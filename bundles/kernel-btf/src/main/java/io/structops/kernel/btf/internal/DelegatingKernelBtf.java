package io.structops.kernel.btf.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.kernel.btf.KernelBtf;
import io.structops.kernel.btf.StructOpsType;
import java.util.List;
import java.util.Optional;

/** A DS component's face for a {@link KernelBtfSource} that lives from activation to deactivation. */
abstract class DelegatingKernelBtf implements KernelBtf {
    private volatile KernelBtfSource source;

    void open(KernelBtfSource s) {
        source = s;
    }

    void close() {
        KernelBtfSource s = source;
        source = null;
        if (s != null) {
            s.close();
        }
    }

    private KernelBtfSource current() {
        KernelBtfSource s = source;
        if (s == null) {
            throw new IllegalStateException("the kernel-BTF provider has been deactivated");
        }
        return s;
    }

    @Override
    public String source() {
        return current().source();
    }

    @Override
    public boolean isRunningKernel() {
        return current().isRunningKernel();
    }

    @Override
    public Btf vmlinux() throws BtfException {
        return current().vmlinux();
    }

    @Override
    public List<String> modules() {
        return current().modules();
    }

    @Override
    public Optional<Btf> module(String name) throws BtfException {
        return current().module(name);
    }

    @Override
    public List<StructOpsType> structOpsTypes() throws BtfException {
        return current().structOpsTypes();
    }
}
