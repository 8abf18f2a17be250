package io.structops.btf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.btf.Btf;
import io.structops.btf.BtfExt;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import io.structops.elf.BpfObject;
import io.structops.elf.BpfProgram;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Navigation of the model: lookups, resolution, sizes, alignment, and .BTF.ext against the ELF symbols. */
class BtfModelTest {

    @Test
    void findsStructOpsTypesInVmlinux() throws Exception {
        Btf vmlinux = Fixtures.vmlinux();
        int ops = vmlinux.find("tcp_congestion_ops", BtfKind.STRUCT).orElseThrow();
        int wrapper = vmlinux.find("bpf_struct_ops_tcp_congestion_ops", BtfKind.STRUCT)
                .orElseThrow();
        BtfType.Composite c = (BtfType.Composite) vmlinux.type(ops);
        assertEquals("tcp_congestion_ops", c.name());
        assertEquals(0, c.member("ssthresh").orElseThrow().bitOffset());
        BtfType.Member data = vmlinux.members(wrapper).stream()
                .filter(m -> m.name().equals("data"))
                .findFirst()
                .orElseThrow();
        assertEquals(ops, data.type());
        assertEquals(vmlinux.size(wrapper), Integer.toUnsignedLong(((BtfType.Composite) vmlinux.type(wrapper)).size()));
        assertEquals(8, vmlinux.alignment(ops));
        // The char name[16] member: an array of 16 chars, size 16 through the array.
        BtfType.Member name = c.member("name").orElseThrow();
        assertEquals(16, vmlinux.size(name.type()));
        assertEquals(BtfKind.INT, vmlinux.kind(((BtfType.Array) vmlinux.type(name.type())).elementType()));
    }

    @Test
    void lookupFindsEveryTypeOfAName() throws Exception {
        Btf vmlinux = Fixtures.vmlinux();
        // Names shared by several types (a struct and a FUNC, or many FUNCs) are all returned, in id order.
        int[] all = vmlinux.idsByName("task_struct");
        assertTrue(all.length >= 1);
        for (int id : all) {
            assertEquals("task_struct", vmlinux.name(id));
        }
        assertEquals(0, vmlinux.idsByName("no_such_type_anywhere").length);
        assertTrue(vmlinux.find("task_struct", BtfKind.UNION).isEmpty());
        // Every named type is found by its name: a full sweep of the index against the ids.
        for (int id = 1; id < vmlinux.typeCount(); id += 97) {
            String n = vmlinux.name(id);
            if (!n.isEmpty()) {
                int wanted = id;
                assertTrue(java.util.Arrays.stream(vmlinux.idsByName(n)).anyMatch(x -> x == wanted), n);
            }
        }
    }

    @Test
    void resolvesThroughTypedefsAndQualifiers() throws Exception {
        Btf btf = Fixtures.objectBtf("tcp_cc_shared.bpf.o");
        int var = btf.find("initial_cwnd", BtfKind.VAR).orElseThrow();
        int type = ((BtfType.Var) btf.type(var)).type();
        assertEquals(BtfKind.CONST, btf.kind(type));
        int resolved = btf.resolve(type);
        assertEquals("unsigned int", btf.name(resolved));
        assertEquals(BtfKind.TYPEDEF, btf.kind(btf.skipQualifiers(type)));
        assertEquals(4, btf.size(type));
        assertEquals(4, btf.alignment(type));
    }

    @Test
    void btfExtRecordsMatchTheElfFunctions() throws Exception {
        BpfObject object = Fixtures.object("tcp_cc_shared.bpf.o");
        Btf btf = Fixtures.objectBtf("tcp_cc_shared.bpf.o");
        BtfExt ext = Fixtures.READER.readExt(object).orElseThrow();
        assertEquals(8, ext.funcInfoRecordSize());
        assertEquals(16, ext.lineInfoRecordSize());
        for (BpfProgram p : object.programs()) {
            List<BtfExt.FuncInfo> infos = ext.funcInfo().get(p.section());
            BtfExt.FuncInfo info = infos.stream()
                    .filter(i -> i.insnOffset() == p.offset())
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no func_info for " + p.name()));
            assertEquals(p.name(), btf.name(info.typeId()));
            assertEquals(BtfKind.FUNC, btf.kind(info.typeId()));
            assertTrue(ext.lineInfo().get(p.section()).stream()
                    .anyMatch(l -> l.insnOffset() == p.offset() && l.line() > 0));
        }
        assertEquals("clamp_cwnd", btf.name(ext.funcInfo().get(".text").get(0).typeId()));
        int totalFuncs = ext.funcInfo().values().stream().mapToInt(List::size).sum();
        assertEquals(object.programs().size() + object.subprograms().size(), totalFuncs);
        assertTrue(
                ext.coreRelos().isEmpty() || ext.coreRelos().values().stream().allMatch(l -> !l.isEmpty()));
    }

    @Test
    void coreRelocationsOfEveryKindUsed() throws Exception {
        BpfObject object = Fixtures.object("core_reads.bpf.o");
        Btf btf = Fixtures.objectBtf("core_reads.bpf.o");
        BtfExt ext = Fixtures.READER.readExt(object).orElseThrow();
        assertEquals(16, ext.coreReloRecordSize());
        List<BtfExt.CoreRelo> relos = ext.coreRelos().get("struct_ops/core_ssthresh");
        java.util.Set<String> seen = new java.util.TreeSet<>();
        for (BtfExt.CoreRelo r : relos) {
            seen.add(r.kind() + " " + btf.name(r.typeId()) + " " + btf.string(r.accessStringOffset()));
            assertTrue(r.insnOffset() % 8 == 0);
            assertTrue(r.insnOffset()
                    < 8L * object.program("core_ssthresh").orElseThrow().instructionCount());
        }
        assertEquals(
                java.util.Set.of(
                        "FIELD_BYTE_OFFSET sock 0:0:0",
                        "FIELD_EXISTS sock 0:1",
                        "TYPE_EXISTS tcp_sock 0",
                        "ENUMVAL_EXISTS tcp_ca_state 1",
                        "ENUMVAL_VALUE tcp_ca_state 1"),
                seen);
        assertEquals(
                "FIELD_BYTE_SIZE",
                ext.coreRelos().get("struct_ops/core_undo_cwnd").get(0).kind().name());
    }

    @Test
    void cDumpOfAnObjectType() throws Exception {
        Btf btf = Fixtures.objectBtf("tcp_cc_link.bpf.o");
        StringBuilder sb = new StringBuilder();
        btf.dumpC(btf.find("tcp_congestion_ops", BtfKind.STRUCT).orElseThrow(), sb);
        String c = sb.toString();
        assertTrue(c.contains("struct sock;"), c);
        assertTrue(c.contains("\tu32 (*ssthresh)(struct sock *);"), c);
        assertTrue(c.contains("\tchar name[16];"), c);
        assertTrue(c.indexOf("typedef __u32 u32;") < c.indexOf("struct tcp_congestion_ops {"), c);
    }
}
