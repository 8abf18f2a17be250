package io.structops.btf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.structops.btf.BtfException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Damaged BTF is a BtfException naming the type id and the problem; nothing else escapes. */
class MalformedBtfTest {

    /** A small valid BTF: [1] INT 'int', [2] PTR -> 1, [3] STRUCT 's' { int a; int *b; }, [4] TYPEDEF 't' -> 3. */
    static byte[] sample() {
        byte[] strings = "\0int\0s\0a\0b\0t\0".getBytes();
        ByteBuffer types = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        types.putInt(1).putInt(1 << 24).putInt(4).putInt((1 << 24) | 32); // [1] INT int, signed, 32 bits
        types.putInt(0).putInt(2 << 24).putInt(1); // [2] PTR -> 1
        types.putInt(5).putInt((4 << 24) | 2).putInt(16); // [3] STRUCT s, 2 members
        types.putInt(7).putInt(1).putInt(0); //     a: int at 0
        types.putInt(9).putInt(2).putInt(64); //     b: int * at 64
        types.putInt(11).putInt(8 << 24).putInt(3); // [4] TYPEDEF t -> 3
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
        return b.array();
    }

    private static BtfException damaged(Consumer<ByteBuffer> damage) {
        byte[] bytes = sample();
        damage.accept(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
        BtfException e =
                assertThrows(BtfException.class, () -> Fixtures.READER.read("bad.btf", MemorySegment.ofArray(bytes)));
        assertTrue(e.getMessage().startsWith("bad.btf: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        return e;
    }

    private static final int T = 24; // start of the type section

    @Test
    void sampleIsValid() throws Exception {
        var btf = Fixtures.READER.read("good.btf", MemorySegment.ofArray(sample()));
        assertEquals(5, btf.typeCount());
        assertEquals(16, btf.size(4));
        assertEquals(8, btf.alignment(4));
        assertEquals(3, btf.resolve(4));
    }

    @Test
    void badHeaders() {
        assertTrue(damaged(b -> b.putShort(0, (short) 0x1234)).getMessage().contains("magic 0x1234"));
        assertTrue(damaged(b -> b.put(2, (byte) 2)).getMessage().contains("version 2"));
        assertTrue(damaged(b -> b.putInt(4, 12)).getMessage().contains("hdr_len 12"));
        assertTrue(damaged(b -> b.putInt(12, 1 << 30)).getMessage().contains("type section"));
        assertTrue(damaged(b -> b.putInt(20, 1 << 30)).getMessage().contains("string section"));
        assertTrue(damaged(b -> b.putInt(8, 2)).getMessage().contains("aligned"));
        BtfException e = assertThrows(
                BtfException.class, () -> Fixtures.READER.read("short.btf", MemorySegment.ofArray(new byte[10])));
        assertTrue(e.getMessage().contains("shorter than the 24-byte BTF header"));
    }

    @Test
    void stringsOutOfRangeOrUnterminated() {
        BtfException e = damaged(b -> b.putInt(T + 16, 5000)); // PTR.s name
        assertEquals(2, e.typeId());
        assertTrue(e.getMessage().contains("name offset 5000"), e.getMessage());
        e = damaged(b -> b.putInt(T + 40, 7000)); // member a.s name
        assertEquals(3, e.typeId());
        assertTrue(e.getMessage().contains("member 0 name offset"), e.getMessage());
        byte[] bytes = sample();
        bytes[bytes.length - 1] = 'x';
        e = assertThrows(BtfException.class, () -> Fixtures.READER.read("bad.btf", MemorySegment.ofArray(bytes)));
        assertTrue(e.getMessage().contains("not NUL-terminated"), e.getMessage());
    }

    @Test
    void typeIdsOutOfRange() {
        BtfException e = damaged(b -> b.putInt(T + 16 + 8, 99)); // PTR -> 99
        assertEquals(2, e.typeId());
        assertTrue(e.getMessage().contains("referenced type id 99 is out of range (5 types)"), e.getMessage());
        e = damaged(b -> b.putInt(T + 44, -1)); // member a.s type
        assertTrue(e.getMessage().contains("member 0 type id 4294967295"), e.getMessage());
    }

    @Test
    void loopsAreRejected() {
        BtfException e = damaged(b -> b.putInt(T + 16 + 8, 2)); // PTR -> itself
        assertTrue(e.getMessage().contains("reference loop"), e.getMessage());
        e = damaged(b -> {
            b.putInt(T + 64 + 8, 2); // TYPEDEF t -> PTR (2)
            b.putInt(T + 16 + 8, 4); // PTR -> TYPEDEF (4)
        });
        assertTrue(e.getMessage().contains("reference loop"), e.getMessage());
    }

    @Test
    void absurdVlenAndUnknownKinds() {
        BtfException e = damaged(b -> b.putInt(T + 28 + 4, (4 << 24) | 60000)); // STRUCT with 60000 members
        assertEquals(3, e.typeId());
        assertTrue(e.getMessage().contains("vlen 60000 needs 720000 more bytes"), e.getMessage());
        e = damaged(b -> b.putInt(T + 16 + 4, 25 << 24));
        assertTrue(e.getMessage().contains("unknown kind 25"), e.getMessage());
        e = damaged(b -> b.putInt(12, 30)); // type section ends inside a type
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void randomDamageOfRealBtfIsCheckedOrHarmless() throws Exception {
        var object = Fixtures.object("tcp_cc_shared.bpf.o");
        byte[] good = new byte[(int) object.btfSection().orElseThrow().size()];
        object.elf().data(object.btfSection().orElseThrow()).get(good);
        Random random = new Random(42);
        for (int round = 0; round < 3000; round++) {
            byte[] bytes = round % 10 == 0 ? Arrays.copyOf(good, random.nextInt(good.length)) : good.clone();
            for (int i = 0; i < 1 + random.nextInt(6) && round % 10 != 0; i++) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            try {
                var btf = Fixtures.READER.read("fuzz.btf", MemorySegment.ofArray(bytes));
                // Whatever parses must be fully navigable without unchecked exceptions.
                StringBuilder sb = new StringBuilder();
                btf.dumpRaw(sb);
                for (int id = 1; id < btf.typeCount(); id++) {
                    btf.resolve(id);
                    try {
                        btf.size(id);
                    } catch (BtfException sizeless) {
                        // FUNC, FUNC_PROTO, FWD, DECL_TAG and void have no size
                    }
                }
                btf.encode();
            } catch (BtfException expected) {
                assertFalse(expected.getMessage().contains("\n"));
            } catch (RuntimeException | Error e) {
                fail("round " + round + " escaped with " + e, e);
            }
        }
    }
}
