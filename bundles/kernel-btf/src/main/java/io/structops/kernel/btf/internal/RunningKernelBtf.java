package io.structops.kernel.btf.internal;

import io.structops.btf.BtfReader;
import io.structops.kernel.btf.KernelBtf;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/** The running kernel's BTF from {@code /sys/kernel/btf}; the default provider (ranking 0). */
@Component(service = KernelBtf.class, immediate = true, property = "service.ranking:Integer=0")
public class RunningKernelBtf extends DelegatingKernelBtf {

    @Reference
    private BtfReader reader;

    @Activate
    void activate() {
        open(KernelBtfSource.running(reader));
    }

    @Deactivate
    void deactivate() {
        close();
    }
}
