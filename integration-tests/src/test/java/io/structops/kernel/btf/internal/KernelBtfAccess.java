package io.structops.kernel.btf.internal;

import io.structops.btf.BtfReader;
import io.structops.kernel.btf.KernelBtf;
import java.nio.file.Path;

/** The running kernel's BTF without a framework, for the fuzzers (they run under Surefire, not in OSGi). */
public final class KernelBtfAccess {
    private KernelBtfAccess() {
    }

    public static KernelBtf running(BtfReader reader) {
        return new KernelBtfSource(reader, Path.of("/sys/kernel/btf/vmlinux"), Path.of("/sys/kernel/btf"), true);
    }
}
