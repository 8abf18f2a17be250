package io.structops.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated ELF64 file: every section's bytes lie inside the file, every name and symbol index resolves. Immutable;
 * the section bytes handed out are read-only views.
 */
public final class ElfFile {
    public static final int EM_BPF = 247;

    private final String name;
    private final ByteOrder order;
    private final int type;
    private final int machine;
    private final List<ElfSection> sections;
    private final List<ElfSymbol> symbols;
    private final Map<Integer, List<ElfRelocation>> relocationsByTarget;
    private final ByteBuffer bytes;

    /** Built by the reader once every field has been checked; not meant to be called with unchecked values. */
    public ElfFile(
            String name,
            ByteOrder order,
            int type,
            int machine,
            List<ElfSection> sections,
            List<ElfSymbol> symbols,
            Map<Integer, List<ElfRelocation>> relocationsByTarget,
            ByteBuffer bytes) {
        this.name = name;
        this.order = order;
        this.type = type;
        this.machine = machine;
        this.sections = List.copyOf(sections);
        this.symbols = List.copyOf(symbols);
        this.relocationsByTarget = Map.copyOf(relocationsByTarget);
        this.bytes = bytes.asReadOnlyBuffer().order(order);
    }

    /** The name the file was read under (its path, as given). */
    public String name() {
        return name;
    }

    /** Little-endian for {@code -target bpfel}, big-endian for {@code bpfeb}. */
    public ByteOrder byteOrder() {
        return order;
    }

    /** {@code e_type}: 1 (ET_REL) for objects from clang. */
    public int type() {
        return type;
    }

    /** {@code e_machine}: {@link #EM_BPF} for BPF objects. */
    public int machine() {
        return machine;
    }

    /** All sections by index, including the null section 0. */
    public List<ElfSection> sections() {
        return sections;
    }

    public Optional<ElfSection> section(String sectionName) {
        return sections.stream().filter(s -> s.name().equals(sectionName)).findFirst();
    }

    /** The symbol table by index, including the null symbol 0; empty if the file has no symbol table. */
    public List<ElfSymbol> symbols() {
        return symbols;
    }

    /** The relocations applied to a section, from every SHT_REL/SHT_RELA section that targets it. */
    public List<ElfRelocation> relocationsFor(ElfSection target) {
        return relocationsByTarget.getOrDefault(target.index(), List.of());
    }

    /** A read-only view of a section's bytes in the file's byte order; empty for NOBITS sections. */
    public ByteBuffer data(ElfSection section) {
        if (!section.hasFileData()) {
            return ByteBuffer.allocate(0).order(order).asReadOnlyBuffer();
        }
        return bytes.slice((int) section.offset(), (int) section.size()).order(order);
    }
}
