package io.structops.it.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfReader;
import io.structops.btf.internal.BtfReaderComponent;
import java.lang.foreign.MemorySegment;

/**
 * Raw BTF (a .BTF section, or /sys/kernel/btf/vmlinux's format): read, then every type decoded, resolved, sized,
 * looked up by name and dumped as C and as bpftool's raw text, and the whole encoded again. Reading decodes types on
 * demand, so only walking them all reaches every decoder. Seeds: the .BTF sections of the example objects
 * (BtfFuzzTestInputs/btf).
 */
class BtfFuzzTest {
    static final BtfReader BTF = new BtfReaderComponent();

    @FuzzTest(maxDuration = "30s")
    void btf(byte[] input) throws Exception {
        AllocationBudget.within(input.length, () -> walk(input));
    }

    static void walk(byte[] input) throws Exception {
        Btf btf;
        try {
            btf = BTF.read("fuzz.btf", MemorySegment.ofArray(input));
        } catch (BtfException e) {
            return;
        }
        int[] ids = new int[Math.max(0, btf.typeCount() - 1)];
        for (int id = 1; id < btf.typeCount(); id++) {
            ids[id - 1] = id;
            try {
                btf.type(id);
                String name = btf.name(id);
                if (name != null && !name.isEmpty()) {
                    btf.idsByName(name);
                    btf.find(name, btf.kind(id));
                }
                btf.resolve(id);
                btf.skipQualifiers(id);
                btf.members(id);
                btf.size(id);
                btf.alignment(id);
            } catch (BtfException e) {
                // one malformed type: the others must still be readable
            }
        }
        StringBuilder out = new StringBuilder();
        btf.dumpRaw(out);
        btf.dumpC(ids, out);
        btf.encode();
    }
}
