package io.structops.loader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.structops.btf.Btf;
import io.structops.elf.BpfObject;
import io.structops.elf.internal.BpfObjectReaderComponent;
import io.structops.loader.LoadException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code --set} on a section with several variables. clang writes every DATASEC variable at offset 0 and leaves the
 * loader to lay them out from the symbols; the overrides go through the laid-out BTF, as the loader uses it.
 */
class GlobalValuesTest {

    @Test
    void eachVariableOfASectionGetsItsOwnBytes() throws Exception {
        BpfObject object = new BpfObjectReaderComponent().read(Loaders.example("sched_fail.bpf.o"));
        Btf laidOut = laidOut(object);

        byte[] rodata = new byte[9];
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("fail_after", "50");
        overrides.put("record_exit", "0");
        Set<String> applied = new HashSet<>();
        rodata[8] = 1; // record_exit's initial value in the object
        GlobalValues.apply(object.name(), laidOut, ".rodata", rodata, ByteOrder.LITTLE_ENDIAN, overrides, applied);
        assertEquals(Set.of("fail_after", "record_exit"), applied);
        assertEquals(50L, ByteBuffer.wrap(rodata).order(ByteOrder.LITTLE_ENDIAN).getLong(0), "fail_after, at 0");
        assertEquals(0, rodata[8], "record_exit, at 8");
    }

    /** An array tunable takes one value per element, each typed as the element; a wrong count or value is refused. */
    @Test
    void anArrayTakesOneValuePerElement() throws Exception {
        BpfObject object = new BpfObjectReaderComponent().read(Loaders.example("tcp_cc_full.bpf.o"));
        Btf laidOut = laidOut(object);

        byte[] rodata = new byte[12];
        Set<String> applied = new HashSet<>();
        GlobalValues.apply(
                object.name(),
                laidOut,
                ".rodata",
                rodata,
                ByteOrder.LITTLE_ENDIAN,
                Map.of("ssthresh_extra", "[3, 0x10]"),
                applied);
        ByteBuffer b = ByteBuffer.wrap(rodata).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(List.of(3, 16), List.of(b.getInt(4), b.getInt(8)), "the two elements after min_ssthresh");

        assertEquals(
                "tcp_cc_full.bpf.o: --set ssthresh_extra=[3] (.rodata): 1 values for an array of 2 elements",
                refusal(object, laidOut, "[3]"));
        assertEquals(
                "tcp_cc_full.bpf.o: --set ssthresh_extra=3 (.rodata): an array takes [VALUE, ...], one value"
                        + " for each of its 2 elements",
                refusal(object, laidOut, "3"));
        assertEquals(
                "tcp_cc_full.bpf.o: --set ssthresh_extra=[1, -1] (.rodata) [1]: does not fit in an unsigned"
                        + " 32-bit int (0 to 4294967295)",
                refusal(object, laidOut, "[1, -1]"));
    }

    /** The object's BTF as the loader lays it out, read back. */
    private static Btf laidOut(BpfObject object) throws Exception {
        Btf raw = Loaders.BTF.read(object).orElseThrow();
        byte[] encoded = Loaders.BTF.editForLoad(object, raw).encode(ByteOrder.nativeOrder());
        MemorySegment copy = Arena.ofAuto().allocate(encoded.length, 8);
        copy.copyFrom(MemorySegment.ofArray(encoded));
        return Loaders.BTF.read("laid out", copy);
    }

    private static String refusal(BpfObject object, Btf btf, String text) {
        LoadException e = assertThrows(
                LoadException.class,
                () -> GlobalValues.apply(
                        object.name(),
                        btf,
                        ".rodata",
                        new byte[12],
                        ByteOrder.LITTLE_ENDIAN,
                        Map.of("ssthresh_extra", text),
                        new HashSet<>()));
        return e.getMessage().replace(Loaders.example("") + "/", "");
    }
}
