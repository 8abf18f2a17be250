package io.structops.btf.internal;

import io.structops.btf.Btf;
import io.structops.btf.BtfEditor;
import io.structops.btf.BtfException;
import io.structops.btf.BtfExt;
import io.structops.btf.BtfReader;
import io.structops.elf.BpfObject;
import io.structops.elf.ElfSection;
import io.structops.elf.ElfSymbol;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/** The BTF reader as a DS service; stateless. */
@Component(service = BtfReader.class)
public class BtfReaderComponent implements BtfReader {

    @Override
    public Btf read(String source, MemorySegment bytes) throws BtfException {
        return RawBtf.parse(source, bytes, null, false);
    }

    @Override
    public Btf readSplit(String source, MemorySegment bytes, Btf base) throws BtfException {
        if (!(base instanceof RawBtf raw)) {
            throw new BtfException(source, "the base BTF was not read by this reader");
        }
        return RawBtf.parse(source, bytes, raw, false);
    }

    @Override
    public Btf readKernelVerified(String source, MemorySegment bytes, Btf base) throws BtfException {
        if (base != null && !(base instanceof RawBtf)) {
            throw new BtfException(source, "the base BTF was not read by this reader");
        }
        return RawBtf.parse(source, bytes, (RawBtf) base, true);
    }

    @Override
    public Optional<Btf> read(BpfObject object) throws BtfException {
        Optional<ElfSection> section = object.btfSection();
        if (section.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(read(
                object.name() + "(.BTF)", MemorySegment.ofBuffer(object.elf().data(section.get()))));
    }

    @Override
    public BtfEditor editForLoad(BpfObject object, Btf btf) throws BtfException {
        Map<String, Long> sizes = new HashMap<>();
        Map<String, Map<String, Long>> symbols = new HashMap<>();
        List<ElfSection> sections = object.elf().sections();
        for (ElfSection s : sections) {
            sizes.put(s.name(), s.size());
        }
        Set<String> hidden = new HashSet<>();
        for (ElfSymbol sym : object.elf().symbols()) {
            if (sym.isInSection()
                    && sym.sectionIndex() < sections.size()
                    && !sym.name().isEmpty()
                    && sym.type() != ElfSymbol.STT_SECTION) {
                symbols.computeIfAbsent(sections.get(sym.sectionIndex()).name(), k -> new HashMap<>())
                        .put(sym.name(), sym.value());
            }
            if (sym.type() == ElfSymbol.STT_FUNC && sym.isGlobal() && sym.visibility() == ElfSymbol.STV_HIDDEN) {
                hidden.add(sym.name());
            }
        }
        return btf.edit().fixDataSections(sizes, symbols).fixExterns().makeStatic(hidden);
    }

    @Override
    public Optional<BtfExt> readExt(BpfObject object) throws BtfException {
        Optional<ElfSection> section = object.btfExtSection();
        if (section.isEmpty()) {
            return Optional.empty();
        }
        Btf btf = read(object)
                .orElseThrow(
                        () -> new BtfException(object.name() + "(.BTF.ext)", "the object has .BTF.ext but no .BTF"));
        return Optional.of(ExtParser.parse(
                object.name() + "(.BTF.ext)",
                MemorySegment.ofBuffer(object.elf().data(section.get())),
                btf));
    }
}
