package io.structops.elf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.structops.elf.ElfFile;
import io.structops.elf.ElfFormatException;
import io.structops.elf.ElfSection;
import io.structops.elf.ElfSymbol;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crafted damage to real objects: each must give an ElfFormatException naming the file, the part at fault and the
 * problem, never an unchecked exception.
 */
class MalformedObjectTest {
    private static final String NAME = "tcp_cc_link.bpf.o";
    private final BpfObjectReaderComponent reader = new BpfObjectReaderComponent();

    private static ElfFile original() throws ElfFormatException {
        return ElfParser.parse(NAME, Examples.bytes(NAME));
    }

    private ElfFormatException damaged(Consumer<ByteBuffer> damage) {
        byte[] bytes = Examples.bytes(NAME);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        damage.accept(buf);
        ElfFormatException e = assertThrows(ElfFormatException.class, () -> reader.read("bad.o", bytes));
        assertEquals("bad.o", e.file());
        assertTrue(e.getMessage().startsWith("bad.o: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    private static int sectionHeader(ByteBuffer buf, int index) {
        return (int) buf.getLong(40) + index * 64;
    }

    private static int symbol(ElfFile elf, ByteBuffer buf, String name) {
        ElfSection symtab = elf.sections().stream()
                .filter(s -> s.type() == ElfSection.SHT_SYMTAB)
                .findFirst()
                .orElseThrow();
        ElfSymbol sym = elf.symbols().stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow();
        return (int) symtab.offset() + sym.index() * 24;
    }

    @Test
    void emptyAndForeignFiles() {
        assertThrows(ElfFormatException.class, () -> reader.read("empty.o", new byte[0]));
        ElfFormatException e =
                assertThrows(ElfFormatException.class, () -> reader.read("text.o", "hello, world\n".getBytes()));
        assertEquals("text.o: ELF header: not an ELF file (no \\x7fELF magic)", e.getMessage());
    }

    @Test
    void wrongClassMachineAndTruncatedHeader() {
        assertTrue(damaged(b -> b.put(4, (byte) 1)).problem().contains("32-bit"));
        assertTrue(damaged(b -> b.putShort(18, (short) 62)).problem().contains("not EM_BPF"));
        assertTrue(damaged(b -> b.put(5, (byte) 3)).problem().contains("data encoding"));
        byte[] header = Arrays.copyOf(Examples.bytes(NAME), 40);
        ElfFormatException e = assertThrows(ElfFormatException.class, () -> reader.read("short.o", header));
        assertTrue(e.problem().contains("shorter than the 64-byte ELF64 header"), e.getMessage());
    }

    @Test
    void sectionTableOutsideTheFile() {
        ElfFormatException e = damaged(b -> b.putLong(40, Long.MAX_VALUE - 10));
        assertEquals("section header table", e.where());
        assertTrue(damaged(b -> b.putShort(60, (short) 0x7fff)).problem().contains("outside"));
        assertTrue(damaged(b -> b.putShort(58, (short) 40)).problem().contains("e_shentsize"));
        assertTrue(damaged(b -> b.putShort(62, (short) 500)).problem().contains("section name table index"));
    }

    @Test
    void sectionBytesPastTheEnd() {
        ElfFormatException e = damaged(b -> b.putLong(sectionHeader(b, 3) + 32, 1L << 40));
        assertEquals("section header 3", e.where());
        assertTrue(e.problem().contains("lie outside"), e.getMessage());
    }

    @Test
    void sectionNameOffsetOutOfRange() {
        ElfFormatException e = damaged(b -> b.putInt(sectionHeader(b, 4), 0x7fffffff));
        assertEquals("section header 4 name", e.where());
        assertTrue(e.problem().contains("outside its string table"), e.getMessage());
    }

    @Test
    void symbolWithBadSectionIndexOrName() throws Exception {
        ElfFile elf = original();
        ElfFormatException e = damaged(b -> b.putShort(symbol(elf, b, "fixed_init") + 6, (short) 900));
        assertTrue(e.where().contains("symbol 6"), e.getMessage());
        assertTrue(e.problem().contains("section index 900"), e.getMessage());
        e = damaged(b -> b.putInt(symbol(elf, b, "fixed_init"), 1 << 30));
        assertTrue(e.problem().contains("string offset"), e.getMessage());
    }

    @Test
    void programPastItsSection() throws Exception {
        ElfFile elf = original();
        ElfFormatException e = damaged(b -> b.putLong(symbol(elf, b, "fixed_ssthresh") + 16, 4096));
        assertTrue(e.where().contains("function 'fixed_ssthresh'"), e.getMessage());
        assertTrue(e.problem().contains("outside the section"), e.getMessage());
        e = damaged(b -> b.putLong(symbol(elf, b, "fixed_ssthresh") + 16, 12));
        assertTrue(e.problem().contains("8-byte instructions"), e.getMessage());
    }

    @Test
    void relocationsOutOfRange() throws Exception {
        ElfFile elf = original();
        ElfSection rel = elf.section(".rel.struct_ops.link").orElseThrow();
        ElfFormatException e = damaged(b -> b.putLong((int) rel.offset() + 8, (999L << 32) | 2));
        assertTrue(e.where().contains("relocation 0"), e.getMessage());
        assertTrue(e.problem().contains("symbol index 999"), e.getMessage());
        e = damaged(b -> b.putLong((int) rel.offset(), 1 << 20));
        assertTrue(e.problem().contains("is outside section '.struct_ops.link'"), e.getMessage());
        e = damaged(b -> b.putInt(sectionHeader(b, rel.index()) + 44, 77));
        assertTrue(e.problem().contains("target section index 77"), e.getMessage());
    }

    @Test
    void functionPointerToSomethingElse() throws Exception {
        ElfFile elf = original();
        ElfSection rel = elf.section(".rel.struct_ops.link").orElseThrow();
        int license = elf.symbols().stream()
                .filter(s -> s.name().equals("_license"))
                .findFirst()
                .orElseThrow()
                .index();
        ElfFormatException e = damaged(b -> b.putLong((int) rel.offset() + 8, ((long) license << 32) | 2));
        assertTrue(e.problem().contains("points to symbol '_license', which is not a function"), e.getMessage());
        e = damaged(b -> b.putLong((int) rel.offset() + 8, (12L << 32) | 10));
        assertTrue(e.problem().contains("R_BPF_64_ABS64"), e.getMessage());
        e = damaged(b -> b.putLong((int) rel.offset(), 4));
        assertTrue(e.problem().contains("not an aligned 8-byte slot"), e.getMessage());
    }

    /** Random damage: every outcome is a parsed object or an ElfFormatException, and each run ends quickly. */
    @ParameterizedTest
    @ValueSource(strings = {"tcp_cc_link.bpf.o", "tcp_cc_link.bpfeb.o", "dummy_ops.bpf.o", "tcp_cc_shared.bpf.o"})
    void randomDamageNeverEscapesAsAnUncheckedException(String name) {
        byte[] good = Examples.bytes(name);
        Random random = new Random(name.hashCode());
        for (int round = 0; round < 3000; round++) {
            byte[] bytes;
            if (round % 10 == 0) {
                bytes = Arrays.copyOf(good, random.nextInt(good.length));
            } else {
                bytes = good.clone();
                int flips = 1 + random.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
            }
            try {
                reader.read(name, bytes);
            } catch (ElfFormatException expected) {
                assertFalse(expected.getMessage().contains("\n"));
            } catch (RuntimeException | Error e) {
                fail("round " + round + " of " + name + " escaped with " + e, e);
            }
        }
    }
}
