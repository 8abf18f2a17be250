package io.structops.it.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.structops.btf.Btf;
import io.structops.btf.BtfException;
import io.structops.btf.BtfReader;
import io.structops.btf.internal.BtfReaderComponent;
import io.structops.elf.BpfObject;
import io.structops.elf.BpfObjectReader;
import io.structops.elf.ElfFormatException;
import io.structops.elf.StructOpsVariable;
import io.structops.elf.internal.BpfObjectReaderComponent;
import io.structops.kernel.btf.KernelBtf;
import io.structops.kernel.btf.internal.KernelBtfSource;
import io.structops.kernvdata.KernVdataBuilder;
import io.structops.kernvdata.KernVdataException;
import io.structops.kernvdata.internal.KernVdataBuilderComponent;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * A whole object through everything that reads it before the kernel sees it: the ELF reader and its classification,
 * the object's BTF and .BTF.ext, the BTF laid out and encoded for loading, and the kern_vdata plan of each struct_ops
 * variable against the running kernel's BTF. Seeds: the example objects (ObjectFuzzTestInputs/object).
 * <p>
 * A finding is anything but the project's own checked errors (ElfFormatException, BtfException,
 * KernVdataException): a runtime exception, an allocation beyond {@link AllocationBudget}, or a hang.
 */
class ObjectFuzzTest {
    static final BpfObjectReader ELF = new BpfObjectReaderComponent();
    static final BtfReader BTF = new BtfReaderComponent();
    static final KernVdataBuilder VDATA = new KernVdataBuilderComponent();
    static final KernelBtf KERNEL = KernelBtfSource.running(BTF);

    static {
        try {
            KERNEL.vmlinux(); // read once, outside any input's budget
            KERNEL.structOpsTypes();
        } catch (BtfException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void object(byte[] input) throws Exception {
        AllocationBudget.within(input.length, () -> parse(input));
    }

    static void parse(byte[] input) throws Exception {
        BpfObject object;
        try {
            object = ELF.read("fuzz.bpf.o", input);
        } catch (ElfFormatException e) {
            return;
        }
        Optional<Btf> btf;
        try {
            btf = BTF.read(object);
            BTF.readExt(object);
            if (btf.isEmpty()) {
                return;
            }
            BTF.editForLoad(object, btf.get()).encode(ByteOrder.nativeOrder());
        } catch (BtfException e) {
            return;
        }
        for (StructOpsVariable v : object.structOps()) {
            try {
                VDATA.plan(object, btf.get(), v, KERNEL);
            } catch (KernVdataException e) {
                // a refusal with its message is the expected outcome for most mutants
            }
        }
    }
}
