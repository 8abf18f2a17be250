package io.structops.loader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.structops.btf.Btf;
import io.structops.elf.BpfObject;
import io.structops.elf.internal.BpfObjectReaderComponent;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
        Btf raw = Loaders.BTF.read(object).orElseThrow();
        byte[] encoded = Loaders.BTF.editForLoad(object, raw).encode(ByteOrder.nativeOrder());
        MemorySegment copy = Arena.ofAuto().allocate(encoded.length, 8);
        copy.copyFrom(MemorySegment.ofArray(encoded));
        Btf laidOut = Loaders.BTF.read("laid out", copy);

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
}
