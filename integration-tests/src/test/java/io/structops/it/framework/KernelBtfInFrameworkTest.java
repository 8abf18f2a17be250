package io.structops.it.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.kernel.btf.KernelBtf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The running kernel's BTF as a service, and the file provider that ConfigAdmin switches on. The providers are
 * immediate components, so the parsed BTF is kept between uses.
 */
class KernelBtfInFrameworkTest {

    @InjectBundleContext
    BundleContext context;

    @Test
    void runningKernelBtfOffersTcpCongestionOps(@InjectService KernelBtf kernel) throws Exception {
        assertTrue(kernel.isRunningKernel());
        assertTrue(kernel.structOpsType("tcp_congestion_ops").isPresent());
    }

    @Test
    void configuredFileProviderTakesPrecedence(@InjectService ConfigurationAdmin cm, @TempDir Path dir)
            throws Exception {
        Path copy = dir.resolve("vmlinux");
        Files.copy(Path.of("/sys/kernel/btf/vmlinux"), copy);
        Configuration config = cm.getConfiguration("io.structops.kernel.btf.file", "?");
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("vmlinux", copy.toString());
        config.update(props);
        try {
            KernelBtf best = awaitBest(k -> !k.isRunningKernel());
            assertEquals(copy.toString(), best.source());
            assertTrue(best.structOpsType("tcp_congestion_ops").isPresent());
        } finally {
            config.delete();
        }
        assertTrue(awaitBest(KernelBtf::isRunningKernel).isRunningKernel(), "back to the running kernel");
    }

    private KernelBtf awaitBest(java.util.function.Predicate<KernelBtf> wanted) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            ServiceReference<KernelBtf> ref = context.getServiceReference(KernelBtf.class);
            if (ref != null) {
                KernelBtf k = context.getService(ref);
                try {
                    if (k != null && wanted.test(k)) {
                        return k;
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
            Thread.sleep(50);
        }
        assertFalse(true, "the expected KernelBtf provider did not appear");
        return null;
    }
}
