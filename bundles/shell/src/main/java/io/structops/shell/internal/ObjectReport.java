package io.structops.shell.internal;

import io.structops.elf.BpfExtern;
import io.structops.elf.BpfMap;
import io.structops.elf.BpfObject;
import io.structops.elf.BpfProgram;
import io.structops.elf.DataRun;
import io.structops.elf.StructOpsSlot;
import io.structops.elf.StructOpsVariable;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code inspect} shows of an object, as tables or as the JSON documented in the README. */
final class ObjectReport {
    private ObjectReport() {
    }

    static Map<String, Object> toJson(BpfObject object) {
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
        root.put("structOps", object.structOps().stream().map(ObjectReport::structOps).toList());
        root.put("externs", object.externs().stream().map(ObjectReport::extern).toList());
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

    private static Map<String, Object> structOps(StructOpsVariable v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", v.name());
        // The C type comes from the object's BTF, which structops does not interpret yet.
        m.put("type", null);
        m.put("section", v.section());
        m.put("size", v.size());
        m.put("link", v.link());
        m.put("optional", v.optional());
        List<Map<String, Object>> members = new ArrayList<>();
        for (StructOpsSlot s : v.slots()) {
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("offset", s.offset());
            mm.put("kind", "function");
            mm.put("program", s.program().name());
            mm.put("section", s.program().section());
            members.add(mm);
        }
        for (DataRun d : v.data()) {
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("offset", d.offset());
            mm.put("kind", "data");
            mm.put("size", d.bytes().length);
            mm.put("hex", d.hex());
            mm.put("text", d.asText());
            members.add(mm);
        }
        members.sort((a, b) -> Long.compare((Long) a.get("offset"), (Long) b.get("offset")));
        m.put("members", members);
        return m;
    }

    private static Map<String, Object> extern(BpfExtern e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", e.name());
        m.put("kind", e.kconfig() ? "kconfig" : "ksym");
        m.put("weak", e.weak());
        return m;
    }

    static String toText(BpfObject object) {
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
            sb.append("  ").append(v.name()).append("  section ").append(v.section()).append(", ")
                    .append(v.size()).append(" bytes").append(v.link() ? ", link-based" : ", legacy (no link)")
                    .append(v.optional() ? ", optional" : "").append('\n');
            Table members = new Table("OFFSET", "KIND", "VALUE");
            List<Object[]> rows = new ArrayList<>();
            for (StructOpsSlot s : v.slots()) {
                rows.add(new Object[] {s.offset(), "+" + s.offset(), "function", "-> " + s.program().name()});
            }
            for (DataRun d : v.data()) {
                String text = d.asText();
                rows.add(new Object[] {d.offset(), "+" + d.offset(), "data[" + d.bytes().length + "]",
                        text != null ? "\"" + text + "\"" : "0x" + d.hex()});
            }
            rows.sort((a, b) -> Long.compare((Long) a[0], (Long) b[0]));
            for (Object[] r : rows) {
                members.row(r[1], r[2], r[3]);
            }
            members.appendTo(sb, "    ");
        }

        if (!object.externs().isEmpty()) {
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
