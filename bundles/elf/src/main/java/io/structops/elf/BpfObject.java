package io.structops.elf;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The BPF meaning of an ELF object.
 *
 * @param elf the validated ELF file underneath
 * @param license the {@code license} section's text, empty if absent
 * @param kernelVersion the {@code version} section's value, if present
 * @param sectionKinds what each section index means
 * @param programs programs in SEC() sections, in section then offset order
 * @param subprograms functions in {@code .text}
 * @param maps maps: BTF-defined, global data and struct_ops
 * @param structOps struct_ops variables with their slots bound to programs
 * @param externs undefined symbols the loader must resolve
 */
public record BpfObject(
        ElfFile elf,
        String license,
        OptionalInt kernelVersion,
        Map<Integer, SectionKind> sectionKinds,
        List<BpfProgram> programs,
        List<BpfProgram> subprograms,
        List<BpfMap> maps,
        List<StructOpsVariable> structOps,
        List<BpfExtern> externs) {

    public BpfObject {
        sectionKinds = Map.copyOf(sectionKinds);
        programs = List.copyOf(programs);
        subprograms = List.copyOf(subprograms);
        maps = List.copyOf(maps);
        structOps = List.copyOf(structOps);
        externs = List.copyOf(externs);
    }

    public String name() {
        return elf.name();
    }

    public SectionKind kindOf(ElfSection section) {
        return sectionKinds.getOrDefault(section.index(), SectionKind.OTHER);
    }

    public Optional<BpfProgram> program(String programName) {
        return programs.stream().filter(p -> p.name().equals(programName)).findFirst();
    }

    public Optional<StructOpsVariable> structOpsVariable(String variableName) {
        return structOps.stream().filter(v -> v.name().equals(variableName)).findFirst();
    }

    /** The raw {@code .BTF} section, if the object has one. */
    public Optional<ElfSection> btfSection() {
        return elf.section(".BTF");
    }

    /** The raw {@code .BTF.ext} section, if the object has one. */
    public Optional<ElfSection> btfExtSection() {
        return elf.section(".BTF.ext");
    }
}
