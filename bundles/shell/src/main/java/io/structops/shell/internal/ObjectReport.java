package io.structops.shell.internal;

import io.structops.elf.BpfExtern;
import io.structops.elf.BpfMap;
import io.structops.elf.BpfObject;
import io.structops.elf.BpfProgram;
import io.structops.elf.DataRun;
import io.structops.elf.StructOpsSlot;
import io.structops.elf.StructOpsVariable;
import io.structops.loader.Resolutions;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What {@code inspect} shows of an object: one record, written as the JSON documented in the README or as tables. */
final class ObjectReport {
    private ObjectReport() {}

    record Inspection(
            String object,
            String byteOrder,
            String license,
            Integer kernelVersion,
            boolean btf,
            List<Program> programs,
            List<Subprogram> subprograms,
            List<MapOut> maps,
            List<StructOpsOut> structOps,
            List<ExternOut> externs,
            List<CoreOut> coreRelocations) {}

    record Program(String name, String section, String kind, int instructions, boolean sleepable, boolean autoload) {}

    record Subprogram(String name, int instructions) {}

    record MapOut(String name, String kind, String section, long size) {}

    /** A struct_ops variable; {@code type} is null without BTF, {@code kernel} null without the kernel's BTF. */
    record StructOpsOut(
            String name,
            String type,
            String section,
            long size,
            boolean link,
            boolean optional,
            List<Member> members,
            KernelView kernel) {}

    /** An initialised member; {@code name} is null when the object has no BTF. */
    sealed interface Member {
        long offset();
    }

    record FunctionMember(String name, long offset, String kind, String program) implements Member {
        FunctionMember(String name, long offset, String program) {
            this(name, offset, "function", program);
        }
    }

    record DataMember(String name, long offset, String kind, long size, String value) implements Member {
        DataMember(String name, long offset, long size, String value) {
            this(name, offset, "data", size, value);
        }
    }

    record KernelView(boolean offered, String module, List<String> rejectedMembers, List<String> ignoredMembers) {}

    /** An extern: unresolved (no kernel BTF at hand), or as {@code load} would resolve it on this kernel. */
    sealed interface ExternOut {
        String name();
    }

    record Extern(String name, String kind, boolean weak) implements ExternOut {}

    record ResolvedExtern(String name, String kind, boolean weak, boolean resolved, String resolution)
            implements ExternOut {}

    record CoreOut(
            String section,
            int instruction,
            String kind,
            String type,
            String access,
            String path,
            long object,
            Long kernel) {}

    static Inspection of(
            BpfObject object, Map<String, StructOpsTypes.Description> types, Optional<Resolutions> resolutions) {
        return new Inspection(
                object.name(),
                object.elf().byteOrder() == ByteOrder.LITTLE_ENDIAN ? "little" : "big",
                object.license(),
                object.kernelVersion().isPresent() ? object.kernelVersion().getAsInt() : null,
                object.btfSection().isPresent(),
                object.programs().stream().map(ObjectReport::program).toList(),
                object.subprograms().stream()
                        .map(p -> new Subprogram(p.name(), p.instructionCount()))
                        .toList(),
                object.maps().stream().map(ObjectReport::map).toList(),
                object.structOps().stream()
                        .map(v -> structOps(v, types.get(v.name())))
                        .toList(),
                externs(object, resolutions),
                resolutions.map(ObjectReport::core).orElse(null));
    }

    private static Program program(BpfProgram p) {
        return new Program(p.name(), p.section(), p.type().label(), p.instructionCount(), p.sleepable(), p.autoload());
    }

    private static MapOut map(BpfMap m) {
        return new MapOut(m.name(), m.kind().label(), m.section(), m.size());
    }

    private static StructOpsOut structOps(StructOpsVariable v, StructOpsTypes.Description d) {
        List<Member> members = new ArrayList<>();
        if (d != null) {
            for (StructOpsTypes.Member m : d.members()) {
                members.add(
                        m.function()
                                ? new FunctionMember(m.name(), m.offset(), m.program())
                                : new DataMember(m.name(), m.offset(), m.size(), m.value()));
            }
            StructOpsTypes.KernelView k = d.kernel();
            return new StructOpsOut(
                    v.name(),
                    d.type(),
                    v.section(),
                    v.size(),
                    v.link(),
                    v.optional(),
                    members,
                    k == null ? null : new KernelView(k.offered(), k.module(), k.rejected(), k.ignored()));
        }
        // Without BTF the ELF alone tells offsets and bytes.
        for (StructOpsSlot s : v.slots()) {
            members.add(new FunctionMember(null, s.offset(), s.program().name()));
        }
        for (DataRun r : v.data()) {
            String text = r.asText();
            members.add(new DataMember(
                    null, r.offset(), r.bytes().length, text != null ? "\"" + text + "\"" : "0x" + r.hex()));
        }
        members.sort(Comparator.comparingLong(Member::offset));
        return new StructOpsOut(v.name(), null, v.section(), v.size(), v.link(), v.optional(), members, null);
    }

    private static List<ExternOut> externs(BpfObject object, Optional<Resolutions> resolutions) {
        if (resolutions.isPresent()) {
            return resolutions.get().externs().stream()
                    .<ExternOut>map(e -> new ResolvedExtern(e.name(), e.kind(), e.weak(), e.resolved(), e.resolution()))
                    .toList();
        }
        return object.externs().stream().<ExternOut>map(ObjectReport::extern).toList();
    }

    private static Extern extern(BpfExtern e) {
        return new Extern(e.name(), e.kconfig() ? "kconfig" : "ksym", e.weak());
    }

    private static List<CoreOut> core(Resolutions r) {
        return r.coreRelocations().stream()
                .map(c -> new CoreOut(
                        c.section(),
                        c.instruction(),
                        c.kind(),
                        c.type(),
                        c.access(),
                        c.path(),
                        c.local(),
                        c.kernel().isPresent() ? c.kernel().getAsLong() : null))
                .toList();
    }
}
