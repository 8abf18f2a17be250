package io.structops.it.vm;

import io.structops.it.corpus.Corpus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The kernel tree's own struct_ops objects for the VM's kernel (sched_ext schedulers from tools/sched_ext, the
 * selftests' bpf qdiscs and the congestion controls written for that kernel), built at test time with clang-19 and
 * run by structops exactly where libbpf 1.5 loads and attaches them (integration-tests/vm/guest/corpus.sh).
 */
@Tag("vm")
class CorpusInVmTest {
    @Test
    void structopsLoadsWhatLibbpfLoads() throws Exception {
        Corpus.assertSameAsLibbpf("the VM kernel", VmSuite.scenario("corpus"), 11);
    }
}
