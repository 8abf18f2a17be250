package io.structops.kernvdata.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import io.structops.btf.internal.BtfReaderComponent;
import io.structops.elf.BpfObject;
import io.structops.elf.internal.BpfObjectReaderComponent;
import io.structops.kernel.btf.KernelBtf;
import io.structops.kernel.btf.internal.KernelBtfSource;
import io.structops.kernvdata.KernVdataException;
import io.structops.kernvdata.StructOpsPlan;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Plans against the running kernel's BTF, with the kernel's layout taken from bpftool's dump as the reference. */
class KernVdataBuilderTest {
    private static final BtfReaderComponent BTF = new BtfReaderComponent();
    private static final KernelBtf KERNEL = KernelBtfSource.running(BTF);
    private final KernVdataBuilderComponent builder = new KernVdataBuilderComponent();

    private static BpfObject object(String name) throws Exception {
        return new BpfObjectReaderComponent().read(Path.of(System.getProperty("structops.examples"), name));
    }

    private StructOpsPlan plan(String file) throws Exception {
        BpfObject o = object(file);
        Btf btf = BTF.read(o).orElseThrow();
        return builder.plan(o, btf, o.structOps().get(0), KERNEL);
    }

    /** Member name -> {index, byte offset} of struct tcp_congestion_ops, read from bpftool's raw dump. */
    private static Map<String, long[]> kernelLayoutFromBpftool() throws Exception {
        Process p = new ProcessBuilder("bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "raw")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Map<String, long[]> layout = new HashMap<>();
        boolean in = false;
        int index = 0;
        Pattern member = Pattern.compile("^\\t'([^']*)' type_id=\\d+ bits_offset=(\\d+).*");
        for (String line : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList()) {
            if (line.matches("^\\[\\d+] STRUCT 'tcp_congestion_ops' .*")) {
                in = true;
                continue;
            }
            if (in) {
                Matcher m = member.matcher(line);
                if (!m.matches()) {
                    break;
                }
                layout.put(m.group(1), new long[] {index++, Long.parseLong(m.group(2)) / 8});
            }
        }
        assertEquals(0, p.waitFor());
        return layout;
    }

    @Test
    void slotsAndDataLandWhereTheKernelWantsThem() throws Exception {
        StructOpsPlan plan = plan("tcp_cc_link.bpf.o");
        Map<String, long[]> layout = kernelLayoutFromBpftool();
        assertEquals("tcp_congestion_ops", plan.kernelType().name());
        assertEquals(plan.kernelType().valueSize(), plan.value().length);
        long data = plan.kernelType().dataOffset();
        assertEquals(5, plan.slots().size());
        for (StructOpsPlan.Slot s : plan.slots()) {
            long[] k = layout.get(s.member());
            assertEquals(k[0], s.memberIndex(), s.member());
            assertEquals(data + k[1], s.valueOffset(), s.member());
            assertEquals("fixed_" + s.member(), s.program());
        }
        long name = data + layout.get("name")[1];
        assertEquals("structops_fixed", new String(plan.value(), (int) name, 15, StandardCharsets.US_ASCII));
        // Everything else is zero: common, unset members, padding.
        int nonZero = 0;
        for (byte b : plan.value()) {
            nonZero += b != 0 ? 1 : 0;
        }
        assertEquals("structops_fixed".length(), nonZero);
        byte[] filled = plan.valueWith(s -> 40 + s.memberIndex(), java.nio.ByteOrder.nativeOrder());
        assertEquals(
                40,
                java.nio.ByteBuffer.wrap(filled)
                        .order(java.nio.ByteOrder.nativeOrder())
                        .getLong((int) data));
    }

    @Test
    void membersTheKernelLacks() throws Exception {
        KernVdataException e = assertThrows(KernVdataException.class, () -> plan("tcp_cc_future.bpf.o"));
        assertTrue(
                e.getMessage()
                        .endsWith("struct_ops 'structops_future': member 'future_flags' is set, but the "
                                + "kernel's struct tcp_congestion_ops has no such member"),
                e.getMessage());
    }

    @Test
    void aTypeNoKernelHas() throws Exception {
        KernVdataException e = assertThrows(KernVdataException.class, () -> plan("no_such_ops.bpf.o"));
        assertTrue(
                e.getMessage()
                        .contains("the kernel has no struct_ops type 'structops_no_such_ops' "
                                + "(no bpf_struct_ops_structops_no_such_ops in vmlinux or a module's BTF)"),
                e.getMessage());
    }

    @Test
    void aDataMemberOfAnotherType() throws Exception {
        KernVdataException e = assertThrows(KernVdataException.class, () -> plan("tcp_cc_mismatch.bpf.o"));
        assertTrue(
                e.getMessage()
                        .endsWith("member 'flags' is u64 (8 bytes) in the object but u32 (4 bytes) in the " + "kernel"),
                e.getMessage());
    }

    @Test
    void bigEndianObjectOnThisKernel() {
        KernVdataException e = assertThrows(KernVdataException.class, () -> plan("tcp_cc_link.bpfeb.o"));
        assertTrue(e.getMessage().contains("BIG_ENDIAN but this kernel is LITTLE_ENDIAN"), e.getMessage());
    }

    @Test
    void legacyDummyOps() throws Exception {
        StructOpsPlan plan = plan("dummy_ops.bpf.o");
        assertEquals("bpf_dummy_ops", plan.kernelType().name());
        assertEquals(3, plan.slots().size());
        Btf k = KERNEL.vmlinux();
        int ops = k.find("bpf_dummy_ops", BtfKind.STRUCT).orElseThrow();
        assertEquals(
                "test_sleepable",
                ((BtfType.Composite) k.type(ops)).members().get(2).name());
        assertEquals(2, plan.slots().get(2).memberIndex());
    }
}
