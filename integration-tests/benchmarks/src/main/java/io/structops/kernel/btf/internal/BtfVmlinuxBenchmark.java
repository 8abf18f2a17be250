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
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class BtfVmlinuxBenchmark {
    static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    private final BtfReaderComponentAccess reader = new BtfReaderComponentAccess();

    private java.lang.foreign.Arena arena;
    private java.lang.foreign.MemorySegment mapped;
    private java.lang.foreign.MemorySegment heap;

    @org.openjdk.jmh.annotations.Setup
    public void setup() throws Exception {
        arena = java.lang.foreign.Arena.ofShared();
        mapped = PrivateMapping.map(VMLINUX, arena);
        heap = java.lang.foreign.MemorySegment.ofArray(java.nio.file.Files.readAllBytes(VMLINUX));
    }

    @org.openjdk.jmh.annotations.TearDown
    public void tearDown() {
        arena.close();
    }

    /** Parse only, of a mapping made once: how much of the whole is the parse. */
    @Benchmark
    public void parseMappedOnce(Blackhole bh) throws Exception {
        bh.consume(reader.read("vmlinux", mapped).typeCount());
    }

    /** Parse only, of bytes on the heap. */
    @Benchmark
    public void parseHeap(Blackhole bh) throws Exception {
        bh.consume(reader.read("vmlinux", heap).typeCount());
    }

    @Benchmark
    public void parseHeapAndLookup(Blackhole bh) throws Exception {
        Btf btf = reader.read("vmlinux", heap);
        bh.consume(btf.find("bpf_struct_ops_tcp_congestion_ops", BtfKind.STRUCT).getAsInt());
        bh.consume(btf.find("tcp_congestion_ops", BtfKind.STRUCT).getAsInt());
    }

    @Benchmark
    public void parseMappedOnceAndLookup(Blackhole bh) throws Exception {
        Btf btf = reader.read("vmlinux", mapped);
        bh.consume(btf.find("bpf_struct_ops_tcp_congestion_ops", BtfKind.STRUCT).getAsInt());
        bh.consume(btf.find("tcp_congestion_ops", BtfKind.STRUCT).getAsInt());
    }

    @Benchmark
    public void mapOnly(Blackhole bh) throws Exception {
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofShared()) {
            bh.consume(PrivateMapping.map(VMLINUX, a).byteSize());
        }
    }

    @Benchmark
    public void parseAndLookup(Blackhole bh) throws Exception {
        try (KernelBtfSource source = new KernelBtfSource(reader, VMLINUX, null, true)) {
            Btf btf = source.vmlinux();
            bh.consume(btf.find("bpf_struct_ops_tcp_congestion_ops", BtfKind.STRUCT)
                    .getAsInt());
            bh.consume(btf.find("tcp_congestion_ops", BtfKind.STRUCT).getAsInt());
        }
    }
}
