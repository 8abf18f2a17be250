package io.structops.btf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import io.structops.btf.BtfType;
import io.structops.elf.BpfObject;
import io.structops.elf.ElfSymbol;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rewriting the loader needs before BPF_BTF_LOAD, checked against the ELF and by parsing the result again. */
class EditorTest {

    @Test
    void dataSectionsTakeTheirSizesAndOffsetsFromTheElf() throws Exception {
        BpfObject object = Fixtures.object("tcp_cc_shared.bpf.o");
        Btf btf = Fixtures.objectBtf("tcp_cc_shared.bpf.o");
        byte[] fixed = Fixtures.READER.editForLoad(object, btf).encode();
        Btf after = Fixtures.READER.read("fixed", MemorySegment.ofArray(fixed));
        int checked = 0;
        for (int id = 1; id < after.typeCount(); id++) {
            if (!(after.type(id) instanceof BtfType.Datasec d)) {
                continue;
            }
            assertEquals(
                    object.elf().section(d.name()).orElseThrow().size(), Integer.toUnsignedLong(d.size()), d.name());
            for (BtfType.VarInfo v : d.vars()) {
                String var = after.name(v.type());
                ElfSymbol sym = object.elf().symbols().stream()
                        .filter(s -> s.name().equals(var))
                        .findFirst()
                        .orElseThrow();
                assertEquals(sym.value(), v.offset(), d.name() + " " + var);
                checked++;
            }
        }
        assertTrue(checked >= 8, "variables checked: " + checked);
        // stats follows flows in .maps: a non-zero offset proves the fix-up, since clang leaves them all 0.
        assertTrue(object.elf().symbols().stream().anyMatch(s -> s.name().equals("stats") && s.value() == 32));
    }

    @Test
    void sanitizingRemovesKindsAndKeepsIdsAndSizes() throws Exception {
        BpfObject object = Fixtures.object("tcp_cc_shared.bpf.o");
        Btf btf = Fixtures.objectBtf("tcp_cc_shared.bpf.o");
        Set<BtfKind> unsupported = EnumSet.of(
                BtfKind.DATASEC,
                BtfKind.VAR,
                BtfKind.FUNC,
                BtfKind.FUNC_PROTO,
                BtfKind.DECL_TAG,
                BtfKind.TYPE_TAG,
                BtfKind.FLOAT,
                BtfKind.ENUM64);
        byte[] bytes =
                Fixtures.READER.editForLoad(object, btf).sanitize(unsupported).encode();
        Btf after = Fixtures.READER.read("sanitized", MemorySegment.ofArray(bytes));
        assertEquals(btf.typeCount(), after.typeCount());
        for (int id = 1; id < after.typeCount(); id++) {
            assertFalse(unsupported.contains(after.kind(id)), "type " + id + " is still a " + after.kind(id));
        }
        int ops = after.find("tcp_congestion_ops", BtfKind.STRUCT).orElseThrow();
        assertEquals(btf.size(ops), after.size(ops));
        int data = after.find("_data", BtfKind.STRUCT).orElseThrow(); // was DATASEC .data
        assertEquals(8, after.size(data));
    }
}
