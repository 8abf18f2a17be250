package io.structops.kernel.btf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.btf.BtfException;
import io.structops.btf.BtfKind;
import io.structops.btf.internal.BtfReaderComponent;
import io.structops.kernel.btf.StructOpsType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The running kernel's BTF through a private mapping, and the struct_ops types it offers, against bpftool. */
class KernelBtfSourceTest {

    private static KernelBtfSource running() {
        return new KernelBtfSource(
                new BtfReaderComponent(), Path.of("/sys/kernel/btf/vmlinux"), Path.of("/sys/kernel/btf"), true);
    }

    @Test
    void mapsVmlinuxPrivatelyAndParsesItOnce() throws Exception {
        try (KernelBtfSource k = running()) {
            var btf = k.vmlinux();
            assertSame(btf, k.vmlinux());
            assertTrue(btf.typeCount() > 1000);
            assertTrue(btf.find("tcp_congestion_ops", BtfKind.STRUCT).isPresent());
        }
    }

    @Test
    void aShortLivedProcessReadsWhatALongRunningOneMaps() throws Exception {
        try (KernelBtfSource mapped = running();
                KernelBtfSource read = KernelBtfSource.runningShortLived(new BtfReaderComponent())) {
            StringBuilder a = new StringBuilder();
            StringBuilder b = new StringBuilder();
            mapped.vmlinux().dumpRaw(a);
            read.vmlinux().dumpRaw(b);
            assertEquals(a.toString(), b.toString());
            assertEquals(mapped.structOpsTypes(), read.structOpsTypes());
        }
    }

    @Test
    void structOpsTypesAgreeWithBpftool() throws Exception {
        // From bpftool's raw dump: structs bpf_struct_ops_X whose member 'data' has type [N] STRUCT 'X'.
        Process p = new ProcessBuilder("bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "raw")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        assertEquals(0, p.waitFor());
        java.util.Map<String, String> structNames = new java.util.HashMap<>();
        for (String l : lines) {
            var m = java.util.regex.Pattern.compile("^\\[(\\d+)] STRUCT '([^']*)' .*")
                    .matcher(l);
            if (m.matches()) {
                structNames.put(m.group(1), m.group(2));
            }
        }
        List<String> expected = new java.util.ArrayList<>();
        String current = null;
        for (String l : lines) {
            var m = java.util.regex.Pattern.compile("^\\[\\d+] STRUCT 'bpf_struct_ops_(.+)' .*")
                    .matcher(l);
            if (m.matches()) {
                current = m.group(1);
                continue;
            }
            if (!l.startsWith("\t")) {
                current = null;
                continue;
            }
            var d = java.util.regex.Pattern.compile("^\t'data' type_id=(\\d+) .*")
                    .matcher(l);
            if (current != null && d.matches() && current.equals(structNames.get(d.group(1)))) {
                expected.add(current);
            }
        }
        expected.sort(null);
        try (KernelBtfSource k = running()) {
            List<StructOpsType> types = k.structOpsTypes();
            assertEquals(
                    expected, types.stream().map(StructOpsType::name).sorted().toList());
            StructOpsType tcp = k.structOpsType("tcp_congestion_ops").orElseThrow();
            assertEquals("vmlinux", tcp.module());
            assertEquals(k.vmlinux().find("tcp_congestion_ops", BtfKind.STRUCT).getAsInt(), tcp.typeId());
            assertEquals(k.vmlinux().size(tcp.wrapperTypeId()), tcp.valueSize());
            assertTrue(tcp.dataOffset() > 0 && tcp.dataOffset() % 8 == 0);
            assertTrue(k.structOpsType("bpf_dummy_ops").isPresent());
        }
    }

    @Test
    void fileSourceForOfflineWork(@TempDir Path dir) throws Exception {
        Path copy = dir.resolve("vmlinux");
        Files.copy(Path.of("/sys/kernel/btf/vmlinux"), copy);
        try (KernelBtfSource k = new KernelBtfSource(new BtfReaderComponent(), copy, null, false)) {
            assertTrue(k.structOpsType("tcp_congestion_ops").isPresent());
            assertEquals(List.of(), k.modules());
        }
        try (KernelBtfSource k = new KernelBtfSource(new BtfReaderComponent(), dir.resolve("missing"), null, false)) {
            BtfException e = assertThrows(BtfException.class, k::vmlinux);
            assertTrue(e.getMessage().contains("no vmlinux BTF here"), e.getMessage());
        }
    }

    /**
     * A module's split BTF on this kernel's vmlinux: a struct {@code structops_mod_ops} and, if {@code offered}, the
     * {@code bpf_struct_ops_structops_mod_ops} wrapper that makes it a struct_ops type.
     */
    private static byte[] moduleBtf(io.structops.btf.Btf vmlinux, boolean offered) throws Exception {
        byte[] header = new byte[24];
        try (var in = Files.newInputStream(Path.of("/sys/kernel/btf/vmlinux"))) {
            assertEquals(24, in.readNBytes(header, 0, 24));
        }
        int baseStrings = java.nio.ByteBuffer.wrap(header)
                .order(java.nio.ByteOrder.nativeOrder())
                .getInt(20);
        int first = vmlinux.typeCount();
        int intId = vmlinux.find("int", BtfKind.INT).orElseThrow();
        byte[] strings = "\0structops_mod_ops\0bpf_struct_ops_structops_mod_ops\0count\0data\0"
                .getBytes(StandardCharsets.US_ASCII);
        var types = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.nativeOrder());
        types.putInt(baseStrings + 1).putInt((4 << 24) | 1).putInt(4); // STRUCT structops_mod_ops
        types.putInt(baseStrings + 52).putInt(intId).putInt(0); //   count: int
        if (offered) {
            types.putInt(baseStrings + 19).putInt((4 << 24) | 1).putInt(16); // STRUCT bpf_struct_ops_...
            types.putInt(baseStrings + 58).putInt(first).putInt(64); //   data at +8
        }
        int typeLen = types.position();
        var b = java.nio.ByteBuffer.allocate(24 + typeLen + strings.length).order(java.nio.ByteOrder.nativeOrder());
        b.putShort((short) 0xeB9F)
                .put((byte) 1)
                .put((byte) 0)
                .putInt(24)
                .putInt(0)
                .putInt(typeLen)
                .putInt(typeLen)
                .putInt(strings.length);
        b.put(types.array(), 0, typeLen).put(strings);
        return b.array();
    }

    /** Modules come and go while the runtime runs: a module's BTF and the struct_ops types follow them. */
    @Test
    void moduleBtfIsReadAgainWhenTheModuleComesGoesOrIsReplaced(@TempDir Path dir) throws Exception {
        Path modules = Files.createDirectory(dir.resolve("modules"));
        try (KernelBtfSource k =
                new KernelBtfSource(new BtfReaderComponent(), Path.of("/sys/kernel/btf/vmlinux"), modules, false)) {
            assertTrue(k.structOpsType("structops_mod_ops").isEmpty());
            Files.write(modules.resolve("structops_mod"), moduleBtf(k.vmlinux(), true));
            StructOpsType offered = k.structOpsType("structops_mod_ops").orElseThrow();
            assertEquals("structops_mod", offered.module());
            assertEquals(k.vmlinux().typeCount(), offered.typeId());
            assertEquals(16, offered.valueSize());
            assertEquals(8, offered.dataOffset());
            // Reloaded as a build without the wrapper: a new file in sysfs.
            Files.delete(modules.resolve("structops_mod"));
            Files.write(modules.resolve("structops_mod"), moduleBtf(k.vmlinux(), false));
            assertTrue(k.structOpsType("structops_mod_ops").isEmpty());
            assertEquals(
                    k.vmlinux().typeCount() + 1,
                    k.module("structops_mod").orElseThrow().typeCount());
            Files.delete(modules.resolve("structops_mod"));
            assertTrue(k.module("structops_mod").isEmpty());
        }
    }
}
