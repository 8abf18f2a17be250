package io.structops.kernel.btf.internal;

import io.structops.btf.internal.BtfReaderComponentAccess;
import io.structops.elf.internal.BpfObjectReaderComponent;
import io.structops.kernvdata.internal.KernVdataBuilderComponent;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedObject;
import io.structops.loader.internal.StructOpsLoaderComponent;
import io.structops.syscall.internal.BpfSyscalls;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * struct-ops-load-attach: open an object, load it and attach every struct_ops map, then detach and release it, with
 * the kernel's BTF already parsed (the runtime keeps it); the peer, c/load_attach.c, does the same with libbpf.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class StructOpsLoadBenchmark {
    @Param("integration-tests/bpf/tcp_cc_link.bpf.o")
    public String object;

    private KernelBtfSource kernel;
    private StructOpsLoaderComponent loader;

    @Setup
    public void setup() throws Exception {
        BtfReaderComponentAccess btf = new BtfReaderComponentAccess();
        kernel = new KernelBtfSource(btf, Path.of("/sys/kernel/btf/vmlinux"), Path.of("/sys/kernel/btf"), true);
        kernel.structOpsTypes();
        loader = new StructOpsLoaderComponent(
                new BpfObjectReaderComponent(), btf, kernel, new KernVdataBuilderComponent(), new BpfSyscalls());
    }

    @TearDown
    public void tearDown() {
        kernel.close();
    }

    @Benchmark
    public int loadAttachDetach() throws Exception {
        try (LoadedObject o = loader.load(Path.of(object), LoadOptions.defaults())) {
            return o.maps().size();
        }
    }
}
