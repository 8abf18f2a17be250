package io.structops.kernel.btf.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import io.structops.btf.internal.BtfReaderComponentAccess;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * btf-vmlinux-parse-lookup: what the running-kernel provider does on first use (map /sys/kernel/btf/vmlinux
 * privately, parse and index it), then two lookups by name; the peer, c/btf_parse_lookup.c, does the same with
 * libbpf's btf__parse_raw and btf__find_by_name_kind.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class BtfVmlinuxBenchmark {
    static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    private final BtfReaderComponentAccess reader = new BtfReaderComponentAccess();

    @Benchmark
    public void parseAndLookup(Blackhole bh) throws Exception {
        try (KernelBtfSource source = new KernelBtfSource(reader, VMLINUX, null, true)) {
            Btf btf = source.vmlinux();
            bh.consume(btf.find("bpf_struct_ops_tcp_congestion_ops", BtfKind.STRUCT).getAsInt());
            bh.consume(btf.find("tcp_congestion_ops", BtfKind.STRUCT).getAsInt());
        }
    }
}
