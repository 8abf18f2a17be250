package io.structops.loader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import io.structops.btf.internal.BtfReaderComponent;
import io.structops.elf.internal.BpfObjectReaderComponent;
import io.structops.kernel.btf.internal.KernelBtfSource;
import io.structops.kernvdata.internal.KernVdataBuilderComponent;
import io.structops.loader.LoadOptions;
import io.structops.loader.LoadedObject;
import io.structops.syscall.Bpf;
import io.structops.syscall.BpfCommand;
import io.structops.syscall.BpfException;
import io.structops.syscall.internal.BpfSyscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** BTF feature probes on this kernel, and sanitising when a (simulated) older kernel refuses a kind. */
@Tag("kernel")
class BtfFeatureProbeTest {

    @Test
    void thisKernelTakesEveryProbedKind() {
        // 6.18 has FLOAT, DECL_TAG, TYPE_TAG and ENUM64: each probe blob is valid BTF the kernel accepts.
        assertEquals(Set.of(), new BtfFeatureProbe(Loaders.BPF).unsupported());
    }

    @Test
    void kindsAnOlderKernelRefusesAreSanitisedAndTheObjectStillLoads() throws Exception {
        List<byte[]> loadedBtf = new ArrayList<>();
        // Fault injection only: the probes for DECL_TAG and FLOAT are refused as a 5.12 kernel would; everything
        // else, including the object's own BTF_LOAD, goes to the real kernel.
        BpfSyscalls real = new BpfSyscalls();
        Bpf older = (Bpf) Proxy.newProxyInstance(
                Bpf.class.getClassLoader(), new Class<?>[] {Bpf.class}, (proxy, method, args) -> {
                    if (method.getName().equals("btfLoad")) {
                        String description = (String) args[1];
                        if (description.endsWith(": DECL_TAG") || description.endsWith(": FLOAT")) {
                            throw new BpfException(BpfCommand.BTF_LOAD, 22, description, "");
                        }
                        if (!description.startsWith("structops feature probe")) {
                            loadedBtf.add((byte[]) args[0]);
                        }
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        BtfReaderComponent btf = new BtfReaderComponent();
        StructOpsLoaderComponent loader = new StructOpsLoaderComponent(
                new BpfObjectReaderComponent(),
                btf,
                KernelBtfSource.running(btf),
                new KernVdataBuilderComponent(),
                older);
        try (LoadedObject o = loader.load(Loaders.example("tcp_cc_tags.bpf.o"), new LoadOptions(Set.of(), false))) {
            assertEquals(1, o.maps().size());
        }
        assertEquals(1, loadedBtf.size());
        MemorySegment seg = Arena.ofAuto().allocate(loadedBtf.get(0).length, 8);
        seg.copyFrom(MemorySegment.ofArray(loadedBtf.get(0)));
        Btf sent = btf.read("sent", seg);
        List<BtfKind> kinds = new ArrayList<>();
        for (int id = 1; id < sent.typeCount(); id++) {
            kinds.add(sent.kind(id));
        }
        assertFalse(kinds.contains(BtfKind.DECL_TAG) || kinds.contains(BtfKind.FLOAT), kinds.toString());
        // Same ids: the object's own BTF had them, in the same places.
        Btf own = btf.read(new BpfObjectReaderComponent().read(Loaders.example("tcp_cc_tags.bpf.o")))
                .orElseThrow();
        assertTrue(own.typeCount() <= sent.typeCount());
        assertEquals(BtfKind.DECL_TAG, own.kind(17));
        assertEquals(BtfKind.INT, sent.kind(17));
        assertEquals(BtfKind.FLOAT, own.kind(20));
        assertEquals(BtfKind.STRUCT, sent.kind(20));
    }
}
