package io.structops.it.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.structops.it.corpus.Corpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The kernel tree's own struct_ops objects for this machine's kernel (the selftests' congestion controls and
 * bpf_dummy_ops objects), built at test time with clang-19 and loaded map by map by libbpf 1.5 and by a structops
 * runtime (integration-tests/corpus/check-host): whatever libbpf loads and attaches, structops loads, runs under
 * traffic, dumps and unloads; whatever libbpf refuses, structops refuses. Nothing is left in the kernel.
 */
@Tag("kernel")
class CorpusOnKernelTest {
    @Test
    void structopsLoadsWhatLibbpfLoads() throws Exception {
        Path root =
                Path.of(System.getProperty("structops.examples")).getParent().getParent();
        Path work = Files.createDirectories(root.resolve("integration-tests/target/corpus"));
        Path corpus = Corpus.lastLine(Corpus.tool(
                List.of(root.resolve("integration-tests/corpus/build").toString(), "host")));
        Path traffic = work.resolve("tcp_traffic");
        Corpus.tool(List.of(
                "gcc",
                "-O2",
                root.resolve("integration-tests/kernel/tcp_traffic.c").toString(),
                "-o",
                traffic.toString()));
        Path peer = work.resolve("libbpf_insns");
        Corpus.tool(List.of(
                root.resolve("integration-tests/kernel/build-libbpf-insns.sh").toString(), peer.toString()));
        String before = Corpus.tool(List.of("bpftool", "struct_ops", "list"));
        Corpus.tool(List.of(
                root.resolve("integration-tests/corpus/check-host").toString(),
                work.resolve("out").toString(),
                corpus.toString(),
                peer.toString(),
                traffic.toString()));
        assertEquals(
                before,
                Corpus.tool(List.of("bpftool", "struct_ops", "list")),
                "struct_ops maps left in the kernel by the corpus");
        Corpus.assertSameAsLibbpf("this machine's kernel", Corpus.results(work.resolve("out/corpus.txt")), 5);
    }
}
