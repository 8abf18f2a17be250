package io.structops.btf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.structops.btf.Btf;
import io.structops.btf.BtfKind;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Split BTF as kernel modules carry it: ids and string offsets continue vmlinux's. This kernel has no module BTF, so
 * the test writes one and checks the dump against bpftool's with vmlinux as base.
 */
class SplitBtfTest {

    @Test
    void splitBtfOnVmlinux(@TempDir Path dir) throws Exception {
        Btf base = Fixtures.vmlinux();
        int baseStrings = ((RawBtf) base).totalStringLength();
        int task = base.find("task_struct", BtfKind.STRUCT).orElseThrow();
        int intId = base.find("int", BtfKind.INT).orElseThrow();
        int first = base.typeCount();

        byte[] strings = "\0structops_mod_state\0owner\0count\0".getBytes();
        ByteBuffer types = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        types.putInt(0).putInt(2 << 24).putInt(task); // PTR -> task_struct
        types.putInt(baseStrings + 1).putInt((4 << 24) | 2).putInt(16); // STRUCT structops_mod_state
        types.putInt(baseStrings + 21).putInt(first).putInt(0); //   owner: PTR
        types.putInt(baseStrings + 27).putInt(intId).putInt(64); //   count: int
        int typeLen = types.position();
        ByteBuffer b = ByteBuffer.allocate(24 + typeLen + strings.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xeB9F)
                .put((byte) 1)
                .put((byte) 0)
                .putInt(24)
                .putInt(0)
                .putInt(typeLen)
                .putInt(typeLen)
                .putInt(strings.length);
        b.put(types.array(), 0, typeLen).put(strings);
        Path file = dir.resolve("structops_mod.btf");
        Files.write(file, b.array());

        Btf split = Fixtures.READER.readSplit("structops_mod", MemorySegment.ofArray(b.array()), base);
        assertEquals(first, split.firstId());
        assertEquals(first + 2, split.typeCount());
        int state = split.find("structops_mod_state", BtfKind.STRUCT).orElseThrow();
        assertEquals(first + 1, state);
        assertEquals(task, split.find("task_struct", BtfKind.STRUCT).orElseThrow(), "base types are found too");
        assertEquals("owner", split.members(state).get(0).name());
        assertEquals(16, split.size(state));

        StringBuilder sb = new StringBuilder();
        split.dumpRaw(sb);
        String expected = Fixtures.bpftool(
                "btf", "dump", "-B", Fixtures.VMLINUX.toString(), "file", file.toString(), "format", "raw");
        BpftoolAgreementTest.assertSameDump(expected, sb.toString(), "split BTF");
        assertTrue(java.util.Arrays.equals(b.array(), split.encode()));
    }

    /**
     * pahole names a module's type by vmlinux's copy of the string when vmlinux has one (tcp_bbr's struct bbr is
     * named by a vmlinux string): lookups by name find such types too.
     */
    @Test
    void aSplitTypeNamedByABaseStringIsFoundByName() throws Exception {
        RawBtf base = (RawBtf) Fixtures.vmlinux();
        int schedule = base.find("schedule", BtfKind.FUNC).orElseThrow();
        int intId = base.find("int", BtfKind.INT).orElseThrow();
        int first = base.typeCount();
        int count = base.totalStringLength() + 1;
        byte[] strings = "\0count\0".getBytes();
        ByteBuffer types = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        types.putInt(base.nameOff(schedule)).putInt((4 << 24) | 1).putInt(4); // STRUCT schedule (base string)
        types.putInt(count).putInt(intId).putInt(0); //   count: int
        int typeLen = types.position();
        ByteBuffer b = ByteBuffer.allocate(24 + typeLen + strings.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xeB9F)
                .put((byte) 1)
                .put((byte) 0)
                .putInt(24)
                .putInt(0)
                .putInt(typeLen)
                .putInt(typeLen)
                .putInt(strings.length);
        b.put(types.array(), 0, typeLen).put(strings);

        Btf split = Fixtures.READER.readSplit("structops_mod", MemorySegment.ofArray(b.array()), base);
        assertEquals(first, split.find("schedule", BtfKind.STRUCT).orElseThrow());
        assertEquals(schedule, split.find("schedule", BtfKind.FUNC).orElseThrow());
        assertTrue(
                java.util.Arrays.equals(new int[] {schedule, first}, split.idsByName("schedule")),
                java.util.Arrays.toString(split.idsByName("schedule")));
    }
}
