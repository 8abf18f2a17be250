package io.structops.elf.internal;

import io.structops.elf.BpfExtern;
import io.structops.elf.BpfMap;
import io.structops.elf.BpfObject;
import io.structops.elf.BpfProgram;
import io.structops.elf.DataRun;
import io.structops.elf.ElfFile;
import io.structops.elf.ElfFormatException;
import io.structops.elf.ElfRelocation;
import io.structops.elf.ElfSection;
import io.structops.elf.ElfSymbol;
import io.structops.elf.MapKind;
import io.structops.elf.ProgramType;
import io.structops.elf.SectionKind;
import io.structops.elf.StructOpsSlot;
import io.structops.elf.StructOpsVariable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** Gives a validated ELF file its BPF meaning: which sections hold programs, maps, data and struct_ops. */
final class BpfClassifier {
    private final ElfFile elf;

    private BpfClassifier(ElfFile elf) {
        this.elf = elf;
    }

    static BpfObject classify(ElfFile elf) throws ElfFormatException {
        return new BpfClassifier(elf).classify();
    }

    private ElfFormatException error(String where, String problem) {
        return new ElfFormatException(elf.name(), where, problem);
    }

    static SectionKind kindOf(ElfSection s) {
        String name = s.name();
        switch (s.type()) {
            case ElfSection.SHT_REL, ElfSection.SHT_RELA -> {
                return SectionKind.RELOCATION;
            }
            case ElfSection.SHT_SYMTAB -> {
                return SectionKind.SYMBOL_TABLE;
            }
            case ElfSection.SHT_STRTAB -> {
                return SectionKind.STRING_TABLE;
            }
            default -> {}
        }
        if (s.isExecutable()) {
            return name.equals(".text") ? SectionKind.TEXT : SectionKind.PROGRAM;
        }
        String bare = name.startsWith("?") ? name.substring(1) : name;
        if (bare.equals(".struct_ops")) {
            return SectionKind.STRUCT_OPS;
        }
        if (bare.equals(".struct_ops.link")) {
            return SectionKind.STRUCT_OPS_LINK;
        }
        return switch (name) {
            case ".maps" -> SectionKind.MAPS;
            case "license" -> SectionKind.LICENSE;
            case "version" -> SectionKind.VERSION;
            case ".BTF" -> SectionKind.BTF;
            case ".BTF.ext" -> SectionKind.BTF_EXT;
            case ".bss" -> SectionKind.BSS;
            default -> {
                if (name.equals(".data") || name.startsWith(".data.")) {
                    yield SectionKind.DATA;
                }
                if (name.equals(".rodata") || name.startsWith(".rodata.")) {
                    yield SectionKind.RODATA;
                }
                yield SectionKind.OTHER;
            }
        };
    }

    private BpfObject classify() throws ElfFormatException {
        Map<Integer, SectionKind> kinds = new HashMap<>();
        for (ElfSection s : elf.sections()) {
            if (s.index() != 0) {
                kinds.put(s.index(), kindOf(s));
            }
        }
        String license = "";
        OptionalInt version = OptionalInt.empty();
        List<BpfProgram> programs = new ArrayList<>();
        List<BpfProgram> subprograms = new ArrayList<>();
        List<BpfMap> maps = new ArrayList<>();
        List<StructOpsVariable> structOps = new ArrayList<>();

        for (ElfSection s : elf.sections()) {
            SectionKind kind = kinds.get(s.index());
            if (kind == null) {
                continue;
            }
            switch (kind) {
                case LICENSE -> license = cString(elf.data(s));
                case VERSION -> {
                    if (s.size() != 4) {
                        throw error(s.describe(), "is " + s.size() + " bytes; the kernel version is a 4-byte value");
                    }
                    version = OptionalInt.of(elf.data(s).getInt(0));
                }
                case PROGRAM -> programs.addAll(functions(s, false));
                case TEXT -> subprograms.addAll(functions(s, true));
                case MAPS -> {
                    for (ElfSymbol sym : objectsIn(s)) {
                        maps.add(new BpfMap(sym.name(), MapKind.BTF_DEFINED, s.name(), sym.size()));
                    }
                }
                case DATA, RODATA, BSS -> maps.add(new BpfMap(s.name(), MapKind.GLOBAL_DATA, s.name(), s.size()));
                default -> {}
            }
        }
        for (ElfSection s : elf.sections()) {
            SectionKind kind = kinds.get(s.index());
            if (kind == SectionKind.STRUCT_OPS || kind == SectionKind.STRUCT_OPS_LINK) {
                List<StructOpsVariable> vars = structOpsVariables(s, kind == SectionKind.STRUCT_OPS_LINK, programs);
                structOps.addAll(vars);
                for (StructOpsVariable v : vars) {
                    maps.add(new BpfMap(
                            v.name(), v.link() ? MapKind.STRUCT_OPS_LINK : MapKind.STRUCT_OPS, s.name(), v.size()));
                }
            }
        }
        return new BpfObject(elf, license, version, kinds, programs, subprograms, maps, structOps, externs());
    }

    /** Splits an executable section into functions by its STT_FUNC symbols. */
    private List<BpfProgram> functions(ElfSection s, boolean text) throws ElfFormatException {
        if (s.size() % BpfProgram.INSTRUCTION_SIZE != 0) {
            throw error(s.describe(), "size " + s.size() + " is not a whole number of 8-byte instructions");
        }
        ProgramType type = text ? ProgramType.UNKNOWN : ProgramType.ofSection(s.name());
        boolean sleepable = !text && ProgramType.isSleepable(s.name());
        boolean autoload = !s.name().startsWith("?");
        List<BpfProgram> result = new ArrayList<>();
        for (ElfSymbol sym : elf.symbols()) {
            if (sym.type() != ElfSymbol.STT_FUNC || sym.sectionIndex() != s.index()) {
                continue;
            }
            String where = s.describe() + ", function '" + sym.name() + "'";
            if (sym.value() < 0 || sym.size() < 0 || sym.value() > s.size() || sym.size() > s.size() - sym.value()) {
                throw error(
                        where,
                        "bytes " + sym.value() + "+" + sym.size() + " lie outside the section (" + s.size()
                                + " bytes)");
            }
            if (sym.value() % BpfProgram.INSTRUCTION_SIZE != 0 || sym.size() % BpfProgram.INSTRUCTION_SIZE != 0) {
                throw error(
                        where,
                        "offset " + sym.value() + " or size " + sym.size()
                                + " is not a whole number of 8-byte instructions");
            }
            if (sym.size() == 0) {
                throw error(where, "has no instructions");
            }
            result.add(new BpfProgram(
                    sym.name(),
                    s.name(),
                    s.index(),
                    sym.value(),
                    (int) (sym.size() / BpfProgram.INSTRUCTION_SIZE),
                    type,
                    sleepable,
                    autoload));
        }
        if (result.isEmpty() && s.size() > 0 && !text) {
            throw error(s.describe(), "holds code but no function symbol names a program in it");
        }
        result.sort(Comparator.comparingLong(BpfProgram::offset));
        for (int i = 1; i < result.size(); i++) {
            BpfProgram prev = result.get(i - 1);
            if (prev.offset() + (long) prev.instructionCount() * BpfProgram.INSTRUCTION_SIZE
                    > result.get(i).offset()) {
                throw error(
                        s.describe(),
                        "functions '" + prev.name() + "' and '" + result.get(i).name() + "' overlap");
            }
        }
        return result;
    }

    private List<ElfSymbol> objectsIn(ElfSection s) throws ElfFormatException {
        List<ElfSymbol> result = new ArrayList<>();
        for (ElfSymbol sym : elf.symbols()) {
            if (sym.sectionIndex() != s.index() || sym.type() != ElfSymbol.STT_OBJECT || !sym.isGlobal()) {
                continue;
            }
            if (sym.value() < 0 || sym.size() <= 0 || sym.value() > s.size() || sym.size() > s.size() - sym.value()) {
                throw error(
                        s.describe() + ", variable '" + sym.name() + "'",
                        "bytes " + sym.value() + "+" + sym.size() + " lie outside the section (" + s.size()
                                + " bytes)");
            }
            result.add(sym);
        }
        result.sort(Comparator.comparingLong(ElfSymbol::value));
        return result;
    }

    private List<StructOpsVariable> structOpsVariables(ElfSection s, boolean link, List<BpfProgram> programs)
            throws ElfFormatException {
        List<ElfSymbol> vars = objectsIn(s);
        ByteBuffer data = elf.data(s);
        Map<String, List<StructOpsSlot>> slots = new HashMap<>();
        for (ElfSymbol v : vars) {
            // Its initial value is read from the section: it must lie inside the section's data in the file (a
            // symbol's size is the object's word, and a forged one must not size an allocation).
            if (v.value() < 0 || v.size() < 0 || v.value() > data.limit() || v.size() > data.limit() - v.value()) {
                throw error(
                        s.describe() + ", variable '" + v.name() + "'",
                        "bytes " + v.value() + " to " + (v.value() + v.size()) + " lie outside the section's "
                                + data.limit() + " bytes of data");
            }
            slots.put(v.name(), new ArrayList<>());
        }
        List<ElfRelocation> relocations = elf.relocationsFor(s);
        for (int i = 0; i < relocations.size(); i++) {
            Bound bound = slot(relocations.get(i), "relocation " + i + " of " + s.describe(), vars, data, programs);
            slots.get(bound.variable()).add(bound.slot());
        }
        List<StructOpsVariable> result = new ArrayList<>();
        for (ElfSymbol v : vars) {
            byte[] value = new byte[(int) v.size()];
            if (s.hasFileData()) {
                data.get((int) v.value(), value);
            }
            List<StructOpsSlot> vSlots = slots.get(v.name());
            vSlots.sort(Comparator.comparingLong(StructOpsSlot::offset));
            for (int i = 1; i < vSlots.size(); i++) {
                if (vSlots.get(i).offset() == vSlots.get(i - 1).offset()) {
                    throw error(
                            s.describe() + ", variable '" + v.name() + "'",
                            "two relocations for the slot at +" + vSlots.get(i).offset());
                }
            }
            result.add(new StructOpsVariable(
                    v.name(),
                    s.name(),
                    v.value(),
                    v.size(),
                    link,
                    s.name().startsWith("?"),
                    vSlots,
                    dataRuns(value, vSlots),
                    value));
        }
        return result;
    }

    /** A function pointer of a struct_ops variable, bound to a program. */
    private record Bound(String variable, StructOpsSlot slot) {}

    /** The slot one relocation of a struct_ops section fills: which variable, where in it, which program. */
    private Bound slot(ElfRelocation r, String where, List<ElfSymbol> vars, ByteBuffer data, List<BpfProgram> programs)
            throws ElfFormatException {
        if (r.type() != ElfRelocation.R_BPF_64_ABS64) {
            throw error(where, "type " + r.type() + " where a function pointer needs R_BPF_64_ABS64 (2)");
        }
        ElfSymbol owner = vars.stream()
                .filter(v -> r.offset() >= v.value() && r.offset() < v.value() + v.size())
                .findFirst()
                .orElseThrow(() -> error(where, "offset " + r.offset() + " is inside no struct_ops variable"));
        long slot = r.offset() - owner.value();
        if (r.offset() < 0 || r.offset() + 8 > data.limit()) {
            throw error(where, "offset " + r.offset() + " lies outside the section's " + data.limit() + " bytes");
        }
        if (slot % 8 != 0 || slot + 8 > owner.size()) {
            throw error(
                    where,
                    "function pointer at offset " + slot + " of '" + owner.name()
                            + "' is not an aligned 8-byte slot inside it");
        }
        ElfSymbol target = r.symbol();
        long targetOffset;
        if (target.type() == ElfSymbol.STT_FUNC) {
            targetOffset = target.value() + r.addend();
        } else if (target.type() == ElfSymbol.STT_SECTION) {
            // A section-relative pointer: the implicit addend in the slot says where in the section.
            targetOffset = r.explicitAddend() ? r.addend() : data.getLong((int) r.offset());
        } else {
            throw error(
                    where,
                    "'" + owner.name() + "' +" + slot + " points to symbol '" + target.name()
                            + "', which is not a function");
        }
        BpfProgram program = programs.stream()
                .filter(p -> p.sectionIndex() == target.sectionIndex() && p.offset() == targetOffset)
                .findFirst()
                .orElseThrow(() -> error(
                        where,
                        "'" + owner.name() + "' +" + slot + " points to '" + target.name()
                                + "', which is not a program in a SEC(\"struct_ops...\") section"));
        if (program.type() != ProgramType.STRUCT_OPS) {
            throw error(
                    where,
                    "'" + owner.name() + "' +" + slot + " points to program '" + program.name() + "' in section '"
                            + program.section() + "', which is not a struct_ops program");
        }
        return new Bound(owner.name(), new StructOpsSlot(slot, program));
    }

    /** Non-zero aligned 8-byte words outside the slots, merged when adjacent. */
    private static List<DataRun> dataRuns(byte[] value, List<StructOpsSlot> slots) {
        boolean[] slotWord = new boolean[(value.length + 7) / 8];
        for (StructOpsSlot s : slots) {
            slotWord[(int) (s.offset() / 8)] = true;
        }
        List<DataRun> runs = new ArrayList<>();
        int start = -1;
        for (int w = 0; w <= slotWord.length; w++) {
            boolean live =
                    w < slotWord.length && !slotWord[w] && nonZero(value, w * 8, Math.min(value.length, w * 8 + 8));
            if (live && start < 0) {
                start = w * 8;
            } else if (!live && start >= 0) {
                runs.add(new DataRun(start, Arrays.copyOfRange(value, start, Math.min(value.length, w * 8))));
                start = -1;
            }
        }
        return runs;
    }

    private static boolean nonZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return true;
            }
        }
        return false;
    }

    private List<BpfExtern> externs() {
        List<BpfExtern> result = new ArrayList<>();
        for (ElfSymbol sym : elf.symbols()) {
            if (sym.index() == 0
                    || !sym.isUndefined()
                    || !sym.isGlobal()
                    || sym.name().isEmpty()) {
                continue;
            }
            String n = sym.name();
            boolean kconfig = n.startsWith("CONFIG_") || n.startsWith("LINUX_");
            result.add(new BpfExtern(n, sym.isWeak(), kconfig));
        }
        return result;
    }

    private static String cString(ByteBuffer data) {
        int end = 0;
        while (end < data.limit() && data.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end];
        data.get(0, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
