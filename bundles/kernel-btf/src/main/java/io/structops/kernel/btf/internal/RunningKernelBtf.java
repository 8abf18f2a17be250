package io.structops.kernel.btf.internal;

import io.structops.btf.BtfReader;
import io.structops.kernel.btf.KernelBtf;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The running kernel's BTF from {@code /sys/kernel/btf}; the default provider (ranking 0). A one-shot command's fast
 * path, which runs without a framework, makes one with {@link #shortLived} and ends it with {@link #release()}.
 */
@Component(service = KernelBtf.class, immediate = true, property = "service.ranking:Integer=0")
public class RunningKernelBtf extends DelegatingKernelBtf {

    @Activate
    public RunningKernelBtf(@Reference BtfReader reader) {
        open(KernelBtfSource.running(reader));
    }

    private RunningKernelBtf(KernelBtfSource source) {
        open(source);
    }

    /** For a process that ends in a moment: the files are read, not mapped ({@link KernelBtfSource#runningShortLived}). */
    public static RunningKernelBtf shortLived(BtfReader reader) {
        return new RunningKernelBtf(KernelBtfSource.runningShortLived(reader));
    }

    @Deactivate
    void deactivate() {
        close();
    }

    /** Unmaps what was read: the end of a run without a framework. */
    public void release() {
        close();
    }
}
