package io.structops.kernel.btf.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import io.structops.btf.internal.BtfReaderComponentAccess;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;

/**
 * Heap retained by a parsed vmlinux BTF (held through the provider, as the runtime holds it), against the file's
 * size: used heap after full collections, with and without the parsed BTF reachable. The mapped file itself is
 * off-heap and reported separately.
 */
public final class RetainedHeap {
    private RetainedHeap() {}

    private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            best = Math.min(best, memory.getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    /** Loads the classes so that their metadata is not counted; a method of its own so nothing it made stays live. */
    private static void warm(BtfReaderComponentAccess reader) throws Exception {
        try (KernelBtfSource warm = new KernelBtfSource(reader, BtfVmlinuxBenchmark.VMLINUX, null, true)) {
            warm.vmlinux().find("tcp_congestion_ops", BtfKind.STRUCT);
        }
    }

    public static void main(String[] args) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        BtfReaderComponentAccess reader = new BtfReaderComponentAccess();
        long fileSize = Files.size(BtfVmlinuxBenchmark.VMLINUX);
        warm(reader);
        long before = usedAfterGc(memory);
        KernelBtfSource source = new KernelBtfSource(reader, BtfVmlinuxBenchmark.VMLINUX, null, true);
        Btf btf = source.vmlinux();
        btf.find("tcp_congestion_ops", BtfKind.STRUCT);
        long after = usedAfterGc(memory);
        java.lang.ref.Reference.reachabilityFence(btf);
        java.lang.ref.Reference.reachabilityFence(source);
        long retained = after - before;
        System.out.printf(
                "HEAP btf-vmlinux retained/file = %.3f (%.2f MiB retained on the heap, file %.2f MiB"
                        + " mapped off-heap, %d types)%n",
                (double) retained / fileSize, retained / 1048576.0, fileSize / 1048576.0, btf.typeCount());
        source.close();
    }
}
