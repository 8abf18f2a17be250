package io.structops.elf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.elf.BpfMap;
import io.structops.elf.BpfObject;
import io.structops.elf.BpfProgram;
import io.structops.elf.MapKind;
import io.structops.elf.ProgramType;
import io.structops.elf.SectionKind;
import io.structops.elf.StructOpsSlot;
import io.structops.elf.StructOpsVariable;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BpfObjectReaderTest {
    private final BpfObjectReaderComponent reader = new BpfObjectReaderComponent();

    private static Map<Long, String> slots(StructOpsVariable v) {
        Map<Long, String> m = new LinkedHashMap<>();
        for (StructOpsSlot s : v.slots()) {
            m.put(s.offset(), s.program().name());
        }
        return m;
    }

    /** Offsets follow structops_kernel.h's tcp_congestion_ops: ssthresh 0, cong_avoid 8, ..., init 56, release 64. */
    private void assertFixedCc(BpfObject o) {
        assertEquals("GPL", o.license());
        assertEquals(
                List.of("fixed_init", "fixed_ssthresh", "fixed_cong_avoid", "fixed_set_state", "fixed_undo_cwnd"),
                o.programs().stream().map(BpfProgram::name).toList());
        for (BpfProgram p : o.programs()) {
            assertEquals(ProgramType.STRUCT_OPS, p.type());
            assertFalse(p.sleepable());
            assertTrue(p.autoload());
            assertEquals("struct_ops/" + p.name(), p.section());
        }
        assertEquals(2, o.program("fixed_ssthresh").orElseThrow().instructionCount());
        assertEquals(1, o.structOps().size());
        StructOpsVariable v = o.structOps().get(0);
        assertEquals("structops_fixed", v.name());
        assertEquals(".struct_ops.link", v.section());
        assertTrue(v.link());
        assertFalse(v.optional());
        assertEquals(72, v.size());
        assertEquals(
                Map.of(
                        0L,
                        "fixed_ssthresh",
                        8L,
                        "fixed_cong_avoid",
                        16L,
                        "fixed_set_state",
                        24L,
                        "fixed_undo_cwnd",
                        56L,
                        "fixed_init"),
                slots(v));
        assertEquals(1, v.data().size());
        assertEquals(32, v.data().get(0).offset());
        assertEquals("structops_fixed", v.data().get(0).asText());
        assertEquals(List.of(new BpfMap("structops_fixed", MapKind.STRUCT_OPS_LINK, ".struct_ops.link", 72)), o.maps());
        assertTrue(o.btfSection().isPresent());
        assertTrue(o.btfExtSection().isPresent());
    }

    @Test
    void linkBasedCongestionControl() throws Exception {
        BpfObject o = reader.read(Examples.path("tcp_cc_link.bpf.o"));
        assertEquals(ByteOrder.LITTLE_ENDIAN, o.elf().byteOrder());
        assertFixedCc(o);
    }

    @Test
    void bigEndianObjectReadsTheSame() throws Exception {
        BpfObject o = reader.read(Examples.path("tcp_cc_link.bpfeb.o"));
        assertEquals(ByteOrder.BIG_ENDIAN, o.elf().byteOrder());
        assertFixedCc(o);
    }

    @Test
    void legacyMapWithSleepableProgram() throws Exception {
        BpfObject o = reader.read(Examples.path("dummy_ops.bpf.o"));
        StructOpsVariable v = o.structOpsVariable("structops_dummy").orElseThrow();
        assertFalse(v.link());
        assertEquals(".struct_ops", v.section());
        assertEquals(Map.of(0L, "dummy_test_1", 8L, "dummy_test_2", 16L, "dummy_sleepable"), slots(v));
        assertTrue(v.data().isEmpty());
        BpfProgram sleepable = o.program("dummy_sleepable").orElseThrow();
        assertTrue(sleepable.sleepable());
        assertEquals("struct_ops.s/dummy_sleepable", sleepable.section());
        assertFalse(o.program("dummy_test_1").orElseThrow().sleepable());
    }

    @Test
    void sharedSectionsSubprogramsMapsAndTwoVariables() throws Exception {
        BpfObject o = reader.read(Examples.path("tcp_cc_shared.bpf.o"));
        // Three programs share the bare "struct_ops" section and are split by their symbols.
        assertEquals(
                List.of("shared_ssthresh", "shared_undo_cwnd", "shared_cong_avoid"),
                o.programs().stream()
                        .filter(p -> p.section().equals("struct_ops"))
                        .map(BpfProgram::name)
                        .toList());
        BpfProgram optional = o.program("shared_set_state").orElseThrow();
        assertFalse(optional.autoload());
        assertEquals(ProgramType.STRUCT_OPS, optional.type());
        assertEquals(
                List.of("clamp_cwnd"),
                o.subprograms().stream().map(BpfProgram::name).toList());

        Map<String, MapKind> maps = o.maps().stream().collect(Collectors.toMap(BpfMap::name, BpfMap::kind));
        assertEquals(
                Map.of(
                        "flows",
                        MapKind.BTF_DEFINED,
                        "stats",
                        MapKind.BTF_DEFINED,
                        ".rodata",
                        MapKind.GLOBAL_DATA,
                        ".data",
                        MapKind.GLOBAL_DATA,
                        ".bss",
                        MapKind.GLOBAL_DATA,
                        "structops_shared",
                        MapKind.STRUCT_OPS,
                        "structops_shared_alt",
                        MapKind.STRUCT_OPS_LINK),
                maps);

        StructOpsVariable legacy = o.structOpsVariable("structops_shared").orElseThrow();
        assertFalse(legacy.link());
        assertEquals(
                Map.of(
                        0L,
                        "shared_ssthresh",
                        8L,
                        "shared_cong_avoid",
                        24L,
                        "shared_undo_cwnd",
                        56L,
                        "shared_lifecycle",
                        64L,
                        "shared_lifecycle"),
                slots(legacy));
        StructOpsVariable alt = o.structOpsVariable("structops_shared_alt").orElseThrow();
        assertTrue(alt.link());
        assertTrue(alt.optional());
        assertEquals("?.struct_ops.link", alt.section());
        assertEquals("shared_set_state", slots(alt).get(16L));
        assertEquals("structops_alt", alt.data().get(0).asText());

        assertEquals(
                SectionKind.STRUCT_OPS_LINK,
                o.kindOf(o.elf().section("?.struct_ops.link").orElseThrow()));
        assertEquals(SectionKind.BSS, o.kindOf(o.elf().section(".bss").orElseThrow()));
        assertEquals(SectionKind.TEXT, o.kindOf(o.elf().section(".text").orElseThrow()));
    }

    @Test
    void programTypesFromSectionNames() {
        assertEquals(ProgramType.STRUCT_OPS, ProgramType.ofSection("struct_ops"));
        assertEquals(ProgramType.STRUCT_OPS, ProgramType.ofSection("?struct_ops.s/init"));
        assertEquals(ProgramType.UNKNOWN, ProgramType.ofSection("struct_opsx/init"));
        assertEquals(ProgramType.TRACING, ProgramType.ofSection("fentry.s/do_exit"));
        assertEquals(ProgramType.KPROBE, ProgramType.ofSection("kprobe/do_sys_open"));
        assertEquals(ProgramType.XDP, ProgramType.ofSection("xdp"));
        assertEquals(ProgramType.CGROUP_SKB, ProgramType.ofSection("cgroup_skb/ingress"));
        assertEquals(ProgramType.CGROUP, ProgramType.ofSection("cgroup/connect4"));
        assertTrue(ProgramType.isSleepable("lsm.s/bprm_committed_creds"));
        assertFalse(ProgramType.isSleepable("struct_ops/x.s"));
    }
}
