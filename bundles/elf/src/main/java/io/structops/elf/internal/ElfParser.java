package io.structops.elf.internal;

import io.structops.elf.ElfFile;
import io.structops.elf.ElfFormatException;
import io.structops.elf.ElfRelocation;
import io.structops.elf.ElfSection;
import io.structops.elf.ElfSymbol;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses ELF64 structure. Every count and offset read from the file is checked against the file's length before it
 * sizes a loop or an allocation, so a hostile file costs at most time and memory proportional to its own size.
 */
final class ElfParser {
    private static final int EHDR_SIZE = 64;
    private static final int SHDR_SIZE = 64;
    private static final int SYM_SIZE = 24;
    private static final int REL_SIZE = 16;
    private static final int RELA_SIZE = 24;
    private static final int SHN_LORESERVE = 0xff00;
    private static final int SHN_XINDEX = 0xffff;

    private final String file;
    private final ByteBuffer buf;
    private final long length;

    private ElfParser(String file, byte[] contents) {
        this.file = file;
        this.buf = ByteBuffer.wrap(contents);
        this.length = contents.length;
    }

    static ElfFile parse(String file, byte[] contents) throws ElfFormatException {
        return new ElfParser(file, contents).parse();
    }

    private ElfFormatException error(String where, String problem) {
        return new ElfFormatException(file, where, problem);
    }

    private ElfFile parse() throws ElfFormatException {
        if (length < 16 || buf.get(0) != 0x7f || buf.get(1) != 'E' || buf.get(2) != 'L' || buf.get(3) != 'F') {
            throw error("ELF header", "not an ELF file (no \\x7fELF magic)");
        }
        int elfClass = buf.get(4);
        if (elfClass != 2) {
            throw error(
                    "ELF header",
                    elfClass == 1 ? "32-bit ELF; BPF objects are ELF64" : "unknown ELF class " + elfClass);
        }
        ByteOrder order = switch (buf.get(5)) {
            case 1 -> ByteOrder.LITTLE_ENDIAN;
            case 2 -> ByteOrder.BIG_ENDIAN;
            default -> throw error("ELF header", "unknown data encoding " + buf.get(5));
        };
        buf.order(order);
        if (length < EHDR_SIZE) {
            throw error("ELF header", "file is " + length + " bytes, shorter than the 64-byte ELF64 header");
        }
        int type = u16(16);
        int machine = u16(18);
        if (machine != ElfFile.EM_BPF) {
            throw error("ELF header", "e_machine is " + machine + ", not EM_BPF (247): not a BPF object");
        }
        long shoff = buf.getLong(40);
        int shentsize = u16(58);
        int shnum = u16(60);
        int shstrndx = u16(62);
        if (shoff == 0) {
            throw error("ELF header", "no section header table (e_shoff is 0)");
        }
        if (shentsize != SHDR_SIZE) {
            throw error("ELF header", "e_shentsize is " + shentsize + ", expected " + SHDR_SIZE);
        }
        checkRange("section header table", shoff, SHDR_SIZE);
        // Extended numbering: section 0 carries the real count and string-table index.
        if (shnum == 0) {
            long count = buf.getLong((int) shoff + 32);
            if (count < 0 || count > (length - shoff) / SHDR_SIZE) {
                throw error(
                        "section header 0",
                        "extended section count " + Long.toUnsignedString(count) + " does not fit in the file");
            }
            shnum = (int) count;
        }
        if (shstrndx == SHN_XINDEX) {
            shstrndx = buf.getInt((int) shoff + 40);
        }
        if (shnum == 0) {
            throw error("ELF header", "the file has no sections");
        }
        checkRange("section header table", shoff, (long) shnum * SHDR_SIZE);
        if (shstrndx <= 0 || shstrndx >= shnum) {
            throw error(
                    "ELF header",
                    "section name table index " + Integer.toUnsignedString(shstrndx) + " is outside the " + shnum
                            + " sections");
        }

        long[] raw = new long[shnum * 10];
        for (int i = 0; i < shnum; i++) {
            int base = (int) (shoff + (long) i * SHDR_SIZE);
            raw[i * 10] = Integer.toUnsignedLong(buf.getInt(base));
            raw[i * 10 + 1] = Integer.toUnsignedLong(buf.getInt(base + 4));
            raw[i * 10 + 2] = buf.getLong(base + 8);
            raw[i * 10 + 3] = buf.getLong(base + 24);
            raw[i * 10 + 4] = buf.getLong(base + 32);
            raw[i * 10 + 5] = Integer.toUnsignedLong(buf.getInt(base + 40));
            raw[i * 10 + 6] = Integer.toUnsignedLong(buf.getInt(base + 44));
            raw[i * 10 + 7] = buf.getLong(base + 48);
            raw[i * 10 + 8] = buf.getLong(base + 56);
            int secType = (int) raw[i * 10 + 1];
            if (secType != ElfSection.SHT_NOBITS && secType != ElfSection.SHT_NULL) {
                checkRange("section header " + i, raw[i * 10 + 3], raw[i * 10 + 4]);
            }
        }
        int strBase = shstrndx * 10;
        if ((int) raw[strBase + 1] != ElfSection.SHT_STRTAB) {
            throw error("section header " + shstrndx, "the section name table is not SHT_STRTAB");
        }
        long strOff = raw[strBase + 3];
        long strSize = raw[strBase + 4];
        List<ElfSection> sections = new ArrayList<>(shnum);
        for (int i = 0; i < shnum; i++) {
            int b = i * 10;
            String name = string("section header " + i + " name", strOff, strSize, raw[b]);
            long link = raw[b + 5];
            long info = raw[b + 6];
            sections.add(new ElfSection(
                    i,
                    name,
                    (int) raw[b + 1],
                    raw[b + 2],
                    raw[b + 3],
                    raw[b + 4],
                    (int) link,
                    (int) info,
                    raw[b + 7],
                    raw[b + 8]));
        }

        List<ElfSymbol> symbols = readSymbols(sections);
        Map<Integer, List<ElfRelocation>> relocations = readRelocations(sections, symbols);
        return new ElfFile(
                file,
                order,
                type,
                machine,
                sections,
                symbols,
                relocations,
                buf.duplicate().clear());
    }

    private List<ElfSymbol> readSymbols(List<ElfSection> sections) throws ElfFormatException {
        ElfSection symtab = null;
        ElfSection shndx = null;
        for (ElfSection s : sections) {
            if (s.type() == ElfSection.SHT_SYMTAB) {
                if (symtab != null) {
                    throw error(s.describe(), "a second symbol table; an object has one");
                }
                symtab = s;
            } else if (s.type() == ElfSection.SHT_SYMTAB_SHNDX) {
                shndx = s;
            }
        }
        if (symtab == null) {
            return List.of();
        }
        String where = symtab.describe();
        if (symtab.entsize() != SYM_SIZE) {
            throw error(where, "entry size " + symtab.entsize() + ", expected " + SYM_SIZE);
        }
        if (symtab.size() % SYM_SIZE != 0) {
            throw error(where, "size " + symtab.size() + " is not a multiple of " + SYM_SIZE);
        }
        ElfSection strtab = linkedSection(sections, symtab, ElfSection.SHT_STRTAB, "string table");
        int count = (int) (symtab.size() / SYM_SIZE);
        if (shndx != null && shndx.size() < (long) count * 4) {
            throw error(shndx.describe(), "holds fewer entries than the symbol table's " + count);
        }
        List<ElfSymbol> symbols = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int base = (int) (symtab.offset() + (long) i * SYM_SIZE);
            long nameOff = Integer.toUnsignedLong(buf.getInt(base));
            int infoByte = buf.get(base + 4) & 0xff;
            int other = buf.get(base + 5) & 0xff;
            int secIndex = u16(base + 6);
            long value = buf.getLong(base + 8);
            long size = buf.getLong(base + 16);
            String symWhere = where + ", symbol " + i;
            if (secIndex == SHN_XINDEX) {
                if (shndx == null) {
                    throw error(symWhere, "uses SHN_XINDEX but the file has no SHT_SYMTAB_SHNDX section");
                }
                secIndex = buf.getInt((int) (shndx.offset() + (long) i * 4));
            }
            if ((secIndex < SHN_LORESERVE || secIndex == SHN_XINDEX) && (secIndex < 0 || secIndex >= sections.size())) {
                throw error(
                        symWhere,
                        "section index " + Integer.toUnsignedString(secIndex) + " is outside the " + sections.size()
                                + " sections");
            }
            String name = string(symWhere + " name", strtab.offset(), strtab.size(), nameOff);
            symbols.add(new ElfSymbol(i, name, value, size, infoByte & 0xf, infoByte >>> 4, other & 0x3, secIndex));
        }
        return symbols;
    }

    private Map<Integer, List<ElfRelocation>> readRelocations(List<ElfSection> sections, List<ElfSymbol> symbols)
            throws ElfFormatException {
        Map<Integer, List<ElfRelocation>> byTarget = new HashMap<>();
        for (ElfSection s : sections) {
            boolean rela = s.type() == ElfSection.SHT_RELA;
            if (s.type() != ElfSection.SHT_REL && !rela) {
                continue;
            }
            String where = s.describe();
            int entry = rela ? RELA_SIZE : REL_SIZE;
            if (s.entsize() != entry) {
                throw error(where, "entry size " + s.entsize() + ", expected " + entry);
            }
            if (s.size() % entry != 0) {
                throw error(where, "size " + s.size() + " is not a multiple of " + entry);
            }
            if (s.info() <= 0 || s.info() >= sections.size()) {
                throw error(
                        where,
                        "target section index " + Integer.toUnsignedString(s.info()) + " is outside the "
                                + sections.size() + " sections");
            }
            linkedSection(sections, s, ElfSection.SHT_SYMTAB, "symbol table");
            ElfSection target = sections.get(s.info());
            int count = (int) (s.size() / entry);
            List<ElfRelocation> list = byTarget.computeIfAbsent(target.index(), k -> new ArrayList<>());
            for (int i = 0; i < count; i++) {
                int base = (int) (s.offset() + (long) i * entry);
                long offset = buf.getLong(base);
                long info = buf.getLong(base + 8);
                long symIndex = info >>> 32;
                int relType = (int) info;
                String relWhere = where + ", relocation " + i;
                if (symIndex >= symbols.size()) {
                    throw error(
                            relWhere,
                            "symbol index " + symIndex + " is outside the symbol table (" + symbols.size()
                                    + " symbols)");
                }
                long width =
                        relType == ElfRelocation.R_BPF_64_ABS32 || relType == ElfRelocation.R_BPF_64_NODYLD32 ? 4 : 8;
                if (offset < 0 || offset > target.size() - width) {
                    throw error(
                            relWhere,
                            "offset " + Long.toUnsignedString(offset) + " is outside " + target.describe() + " ("
                                    + target.size() + " bytes)");
                }
                long addend = rela ? buf.getLong(base + 16) : 0;
                list.add(new ElfRelocation(target.index(), offset, relType, symbols.get((int) symIndex), addend, rela));
            }
        }
        return byTarget;
    }

    private ElfSection linkedSection(List<ElfSection> sections, ElfSection from, int type, String what)
            throws ElfFormatException {
        if (from.link() <= 0 || from.link() >= sections.size()) {
            throw error(
                    from.describe(),
                    "linked " + what + " index " + Integer.toUnsignedString(from.link()) + " is outside the "
                            + sections.size() + " sections");
        }
        ElfSection linked = sections.get(from.link());
        if (linked.type() != type) {
            throw error(from.describe(), "linked section " + linked.index() + " is not a " + what);
        }
        return linked;
    }

    private String string(String where, long tableOffset, long tableSize, long offset) throws ElfFormatException {
        if (offset < 0 || offset >= tableSize) {
            if (offset == 0 && tableSize == 0) {
                return "";
            }
            throw error(where, "string offset " + offset + " is outside its string table (" + tableSize + " bytes)");
        }
        int start = (int) (tableOffset + offset);
        int end = (int) (tableOffset + tableSize);
        for (int i = start; i < end; i++) {
            if (buf.get(i) == 0) {
                byte[] bytes = new byte[i - start];
                buf.get(start, bytes);
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }
        throw error(where, "string at offset " + offset + " runs past the end of its string table");
    }

    private void checkRange(String where, long offset, long size) throws ElfFormatException {
        if (offset < 0 || size < 0 || offset > length || size > length - offset) {
            throw error(
                    where,
                    "bytes " + Long.toUnsignedString(offset) + "+" + Long.toUnsignedString(size) + " lie outside the "
                            + length + "-byte file");
        }
    }

    private int u16(int at) {
        return Short.toUnsignedInt(buf.getShort(at));
    }
}
