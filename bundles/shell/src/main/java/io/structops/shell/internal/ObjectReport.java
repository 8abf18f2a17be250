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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What {@code inspect} shows of an object, as tables or as the JSON documented in the README. */
final class ObjectReport {
    private ObjectReport() {
    }

    static Map<String, Object> toJson(BpfObject object, Map<String, StructOpsTypes.Description> types,
            Optional<Resolutions> resolutions) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("object", object.name());
        root.put("byteOrder", object.elf().byteOrder() == ByteOrder.LITTLE_ENDIAN ? "little" : "big");
        root.put("license", object.license());
        root.put("kernelVersion", object.kernelVersion().isPresent() ? object.kernelVersion().getAsInt() : null);
        root.put("btf", object.btfSection().isPresent());
        root.put("programs", object.programs().stream().map(ObjectReport::program).toList());
        root.put("subprograms", object.subprograms().stream().map(p -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("instructions", p.instructionCount());
            return m;
        }).toList());
        root.put("maps", object.maps().stream().map(ObjectReport::map).toList());
        root.put("structOps", object.structOps().stream().map(v -> structOps(v, types.get(v.name()))).toList());
        root.put("externs", resolutions.isPresent() ? resolutions.get().externs().stream().map(e -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.name());
            m.put("kind", e.kind());
            m.put("weak", e.weak());
            m.put("resolved", e.resolved());
            m.put("resolution", e.resolution());
            return m;
        }).toList() : object.externs().stream().map(ObjectReport::extern).toList());
        root.put("coreRelocations", resolutions.map(r -> r.coreRelocations().stream().map(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("section", c.section());
            m.put("instruction", c.instruction());
            m.put("kind", c.kind());
            m.put("type", c.type());
            m.put("access", c.access());
            m.put("path", c.path());
            m.put("object", c.local());
            m.put("kernel", c.kernel().isPresent() ? c.kernel().getAsLong() : null);
            return m;
        }).toList()).orElse(null));
        return root;
    }

    private static Map<String, Object> program(BpfProgram p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("section", p.section());
        m.put("kind", p.type().label());
        m.put("instructions", p.instructionCount());
        m.put("sleepable", p.sleepable());
        m.put("autoload", p.autoload());
        return m;
    }

    private static Map<String, Object> map(BpfMap map) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", map.name());
        m.put("kind", map.kind().label());
        m.put("section", map.section());
        m.put("size", map.size());
        return m;
    }

    private static Map<String, Object> structOps(StructOpsVariable v, StructOpsTypes.Description d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", v.name());
        m.put("type", d == null ? null : d.type());
        m.put("section", v.section());
        m.put("size", v.size());
        m.put("link", v.link());
        m.put("optional", v.optional());
        List<Map<String, Object>> members = new ArrayList<>();
        if (d != null) {
            for (StructOpsTypes.Member member : d.members()) {
                Map<String, Object> mm = new LinkedHashMap<>();
                mm.put("name", member.name());
                mm.put("offset", member.offset());
                mm.put("kind", member.function() ? "function" : "data");
                if (member.function()) {
                    mm.put("program", member.program());
                } else {
                    mm.put("size", member.size());
                    mm.put("value", member.value());
                }
                members.add(mm);
            }
            m.put("members", members);
            m.put("kernel", StructOpsTypes.kernelJson(d.kernel()));
            return m;
        }
        // Without BTF the ELF alone tells offsets and bytes.
        for (StructOpsSlot s : v.slots()) {
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("name", null);
            mm.put("offset", s.offset());
            mm.put("kind", "function");
            mm.put("program", s.program().name());
            members.add(mm);
        }
        for (DataRun r : v.data()) {
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("name", null);
            mm.put("offset", r.offset());
            mm.put("kind", "data");
            mm.put("size", (long) r.bytes().length);
            String text = r.asText();
            mm.put("value", text != null ? "\"" + text + "\"" : "0x" + r.hex());
            members.add(mm);
        }
        members.sort((a, b) -> Long.compare((Long) a.get("offset"), (Long) b.get("offset")));
        m.put("members", members);
        m.put("kernel", null);
        return m;
    }

    private static Map<String, Object> extern(BpfExtern e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", e.name());
        m.put("kind", e.kconfig() ? "kconfig" : "ksym");
        m.put("weak", e.weak());
        return m;
    }

    @SuppressWarnings("unchecked")
    static String toText(BpfObject object, Map<String, StructOpsTypes.Description> types,
            Optional<Resolutions> resolutions) {
        StringBuilder sb = new StringBuilder();
        sb.append("object  ").append(object.name()).append('\n');
        sb.append("        ELF64 ").append(object.elf().byteOrder() == ByteOrder.LITTLE_ENDIAN ? "little" : "big")
                .append("-endian BPF, license \"").append(object.license()).append('"')
                .append(object.btfSection().isPresent() ? ", with BTF" : ", no BTF").append('\n');

        Table programs = new Table("NAME", "SECTION", "KIND", "INSNS", "SLEEPABLE", "AUTOLOAD");
        for (BpfProgram p : object.programs()) {
            programs.row(p.name(), p.section(), p.type().label(), p.instructionCount(), yes(p.sleepable()),
                    yes(p.autoload()));
        }
        section(sb, "programs", programs);

        Table maps = new Table("NAME", "KIND", "SECTION", "SIZE");
        for (BpfMap m : object.maps()) {
            maps.row(m.name(), m.kind().label(), m.section(), m.size());
        }
        section(sb, "maps", maps);

        sb.append("\nstruct_ops\n");
        if (object.structOps().isEmpty()) {
            sb.append("  (none)\n");
        }
        for (StructOpsVariable v : object.structOps()) {
            Map<String, Object> j = structOps(v, types.get(v.name()));
            sb.append("  ").append(v.name());
            if (j.get("type") != null) {
                sb.append("  struct ").append(j.get("type"));
            }
            sb.append("  section ").append(v.section()).append(", ").append(v.size()).append(" bytes")
                    .append(v.link() ? ", link-based" : ", legacy (no link)").append(v.optional() ? ", optional" : "")
                    .append('\n');
            Map<String, Object> kernel = (Map<String, Object>) j.get("kernel");
            if (kernel != null) {
                sb.append("    kernel: ");
                if (Boolean.TRUE.equals(kernel.get("offered"))) {
                    sb.append("offers bpf_struct_ops_").append(j.get("type")).append(" (").append(kernel.get("module"))
                            .append(')');
                    List<String> rejected = (List<String>) kernel.get("rejectedMembers");
                    List<String> ignored = (List<String>) kernel.get("ignoredMembers");
                    if (!rejected.isEmpty()) {
                        sb.append("; would reject the members it lacks that are set: ").append(String.join(", ", rejected));
                    }
                    if (!ignored.isEmpty()) {
                        sb.append("; lacks unset members (ignored): ").append(String.join(", ", ignored));
                    }
                } else {
                    sb.append("has no bpf_struct_ops_").append(j.get("type")).append(": this kernel cannot load it");
                }
                sb.append('\n');
            }
            Table members = new Table("OFFSET", "MEMBER", "KIND", "VALUE");
            for (Map<String, Object> mm : (List<Map<String, Object>>) j.get("members")) {
                boolean fn = "function".equals(mm.get("kind"));
                members.row("+" + mm.get("offset"), mm.get("name") == null ? "" : mm.get("name"),
                        fn ? "function" : "data[" + mm.get("size") + "]",
                        fn ? "-> " + mm.get("program") : mm.get("value"));
            }
            members.appendTo(sb, "    ");
        }

        if (resolutions.isPresent()) {
            Resolutions r = resolutions.get();
            if (!r.externs().isEmpty()) {
                Table externs = new Table("NAME", "KIND", "WEAK", "ON THIS KERNEL");
                for (Resolutions.Extern e : r.externs()) {
                    externs.row(e.name(), e.kind(), yes(e.weak()), e.resolution());
                }
                section(sb, "externs", externs);
            }
            if (!r.coreRelocations().isEmpty()) {
                Table core = new Table("SECTION", "INSN", "KIND", "ACCESS", "OBJECT", "KERNEL");
                for (Resolutions.CoreRelocation c : r.coreRelocations()) {
                    core.row(c.section(), c.instruction(), c.kind(), c.path() + " (" + c.access() + ")", c.local(),
                            c.kernel().isPresent() ? c.kernel().getAsLong() : "none: poisoned");
                }
                section(sb, "CO-RE relocations", core);
            }
        } else if (!object.externs().isEmpty()) {
            Table externs = new Table("NAME", "KIND", "WEAK");
            for (BpfExtern e : object.externs()) {
                externs.row(e.name(), e.kconfig() ? "kconfig" : "ksym", yes(e.weak()));
            }
            section(sb, "externs", externs);
        }
        return sb.toString();
    }

    private static void section(StringBuilder sb, String title, Table table) {
        sb.append('\n').append(title).append('\n');
        if (table.isEmpty()) {
            sb.append("  (none)\n");
        } else {
            table.appendTo(sb, "  ");
        }
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }
}
