package io.structops.shell.internal;

import io.structops.shell.internal.KernelMapCommands.Dumped;
import io.structops.shell.internal.KernelMapCommands.Listed;
import io.structops.shell.internal.MapCommands.MapDump;
import io.structops.shell.internal.MapCommands.MapList;
import io.structops.shell.internal.MapCommands.Stats;
import io.structops.shell.internal.StructOpsCommands.Load;
import io.structops.shell.internal.StructOpsCommands.LoadedOut;
import io.structops.shell.internal.StructOpsCommands.Swapped;
import java.util.List;
import java.util.Map;

/**
 * The text form of the commands' result records: tables as bpftool prints them, and sentences for what a command
 * did. Their JSON form is {@link Json}'s, from the same records, so the two never disagree on what is shown.
 */
final class TextFormat {
    private TextFormat() {}

    static String load(Load result) {
        StringBuilder sb = new StringBuilder();
        for (LoadedOut m : result.maps()) {
            sb.append("attached ")
                    .append(m.type())
                    .append(' ')
                    .append(m.name())
                    .append(" (map id ")
                    .append(m.mapId())
                    .append(m.linkId() == null ? ", legacy: stays registered until unload" : ", link id " + m.linkId())
                    .append(m.pinned() == null ? "" : ", pinned at " + m.pinned())
                    .append(")\n");
        }
        return sb.toString();
    }

    static String swap(Swapped s, boolean gap) {
        return "swapped " + s.type() + " " + s.name() + ": map id "
                + s.previous().mapId() + " ("
                + s.previous().object() + ") -> " + s.current().mapId() + " ("
                + s.current().object() + ") "
                + (s.linkId() == 0 ? "(legacy maps, no link)" : "on link id " + s.linkId()) + ", "
                + (!gap
                        ? "no gap (link updated in place)"
                        : s.linkId() == 0
                                ? "unregistered then registered: none registered for " + s.gapMicros() + " us"
                                : "detached then attached (the kernel cannot update " + s.type()
                                        + " in place): none attached for " + s.gapMicros() + " us")
                + ", " + s.tookMicros() + " us\n";
    }

    static String list(List<Listed> maps) {
        Table t = new Table("ID", "NAME", "TYPE", "LINK", "OWNED", "HANDLER", "STATUS");
        for (Listed m : maps) {
            t.row(
                    m.id(),
                    m.name(),
                    m.type(),
                    m.linkId() == null ? "-" : m.linkId(),
                    m.owned() ? "yes" : "no",
                    !m.owned()
                            ? "-"
                            : m.handler() == null ? "unmanaged" : m.handler().bundle(),
                    m.status() == null || m.status().isEmpty() ? "-" : pairs(m.status()));
        }
        return t.isEmpty() ? "no struct_ops maps in the kernel\n" : table(t, "");
    }

    static String dump(Dumped d) {
        StringBuilder sb = new StringBuilder();
        sb.append(d.type())
                .append(' ')
                .append(d.name())
                .append(" (map id ")
                .append(d.id())
                .append(", ")
                .append(d.state())
                .append(")\n");
        Table t = new Table("MEMBER", "VALUE");
        d.members().forEach(t::row);
        t.appendTo(sb, "  ");
        return sb.toString();
    }

    static String vars(Map<String, Map<String, Object>> sections) {
        Table t = new Table("SECTION", "VARIABLE", "VALUE");
        sections.forEach((section, vars) -> vars.forEach((k, v) -> t.row(section, k, v)));
        return t.isEmpty() ? "no global variables\n" : table(t, "");
    }

    static String maps(MapList list) {
        Table t = new Table("ID", "NAME", "KIND", "KEY", "VALUE", "ENTRIES");
        for (MapCommands.Listed m : list.maps()) {
            t.row(
                    m.id(),
                    m.name(),
                    m.kind(),
                    m.keyType() == null ? m.keySize() + " bytes" : m.keyType(),
                    m.valueType() == null ? m.valueSize() + " bytes" : m.valueType(),
                    m.maxEntries());
        }
        return t.isEmpty() ? "no maps\n" : table(t, "");
    }

    static String mapDump(MapDump dump) {
        boolean perCpu = dump.entries().stream().anyMatch(e -> e instanceof MapCommands.PerCpuEntry);
        Table t = perCpu ? new Table("KEY", "CPU", "VALUE") : new Table("KEY", "VALUE");
        for (MapCommands.DumpedEntry e : dump.entries()) {
            switch (e) {
                case MapCommands.Entry one -> t.row(Values.text(one.key()), Values.text(one.value()));
                case MapCommands.PerCpuEntry each ->
                    each.values().forEach(v -> t.row(Values.text(each.key()), v.cpu(), Values.text(v.value())));
            }
        }
        return dump.name() + " (map id " + dump.id() + ", " + dump.kind() + "): "
                + dump.entries().size() + " entries\n" + (t.isEmpty() ? "" : table(t, "  "));
    }

    static String stats(Stats stats) {
        Table t = new Table("MEMBER", "PROGRAM", "ID", "RUNS", "TIME (ns)", "AVERAGE (ns)");
        for (MapCommands.ProgramStats p : stats.programs()) {
            t.row(
                    p.member(),
                    p.name(),
                    p.id(),
                    p.runs(),
                    p.runTimeNs(),
                    p.runs() == 0 ? "-" : p.runTimeNs() / p.runs());
        }
        return stats.type() + " " + stats.name() + " (map id " + stats.id() + "), over " + stats.seconds() + " s:\n"
                + table(t, "  ");
    }

    static String deployed(List<DeployCommands.DeployedOut> files) {
        if (files.isEmpty()) {
            return "no objects in the deploy directory\n";
        }
        Table t = new Table("FILE", "MAPS", "ATTEMPTS", "OUTCOME");
        files.forEach(
                f -> t.row(f.file(), f.maps().isEmpty() ? "-" : String.join(",", f.maps()), f.attempts(), f.outcome()));
        return table(t, "");
    }

    static String status(StatusCommand.Status s) {
        StringBuilder sb = new StringBuilder();
        sb.append("kernel        ").append(s.kernel()).append('\n');
        sb.append("BTF           ")
                .append(
                        s.btf()
                                ? "yes (/sys/kernel/btf/vmlinux)"
                                : "no: this kernel was built without CONFIG_DEBUG_INFO_BTF; struct_ops cannot be loaded")
                .append('\n');
        if (s.btfSource() != null && !"/sys/kernel/btf/vmlinux".equals(s.btfSource())) {
            sb.append("BTF source    ").append(s.btfSource()).append(" (configured)\n");
        }
        sb.append("sched_ext     ")
                .append(s.schedExt() == null ? "not in this kernel" : s.schedExt())
                .append('\n');
        sb.append("privileges   ");
        s.capabilities().forEach((k, v) -> sb.append(' ').append(k).append(v ? "" : "(missing)"));
        sb.append('\n');
        Table t = new Table("STRUCT_OPS TYPE", "MODULE", "VALUE SIZE");
        s.structOpsTypes().forEach(type -> t.row(type.name(), type.module(), type.valueSize()));
        sb.append('\n');
        if (t.isEmpty()) {
            sb.append("struct_ops types: none found")
                    .append(s.structOpsError() == null ? "" : " (" + s.structOpsError() + ")")
                    .append('\n');
        } else {
            t.appendTo(sb, "");
        }
        return sb.toString();
    }

    static String handlers(List<HandlerCommands.HandlerOut> handlers) {
        Table t = new Table("STRUCT", "BUNDLE", "VERSION", "MAPS");
        for (HandlerCommands.HandlerOut h : handlers) {
            t.row(
                    h.struct(),
                    h.bundle() == null ? "(unmanaged)" : h.bundle(),
                    h.version() == null ? "-" : h.version(),
                    h.maps().isEmpty() ? "-" : String.join(",", h.maps()));
        }
        return t.isEmpty() ? "no handlers and no struct_ops maps held\n" : table(t, "");
    }

    static String inspect(ObjectReport.Inspection o) {
        StringBuilder sb = new StringBuilder();
        sb.append("object  ").append(o.object()).append('\n');
        sb.append("        ELF64 ")
                .append(o.byteOrder())
                .append("-endian BPF, license \"")
                .append(o.license())
                .append('"')
                .append(o.btf() ? ", with BTF" : ", no BTF")
                .append('\n');
        Table programs = new Table("NAME", "SECTION", "KIND", "INSNS", "SLEEPABLE", "AUTOLOAD");
        o.programs()
                .forEach(p -> programs.row(
                        p.name(), p.section(), p.kind(), p.instructions(), yes(p.sleepable()), yes(p.autoload())));
        section(sb, "programs", programs);
        Table maps = new Table("NAME", "KIND", "SECTION", "SIZE");
        o.maps().forEach(m -> maps.row(m.name(), m.kind(), m.section(), m.size()));
        section(sb, "maps", maps);
        sb.append("\nstruct_ops\n");
        if (o.structOps().isEmpty()) {
            sb.append("  (none)\n");
        }
        o.structOps().forEach(v -> structOps(sb, v));
        if (o.coreRelocations() != null) {
            Table externs = new Table("NAME", "KIND", "WEAK", "ON THIS KERNEL");
            for (ObjectReport.ExternOut e : o.externs()) {
                ObjectReport.ResolvedExtern r = (ObjectReport.ResolvedExtern) e;
                externs.row(r.name(), r.kind(), yes(r.weak()), r.resolution());
            }
            if (!externs.isEmpty()) {
                section(sb, "externs", externs);
            }
            Table core = new Table("SECTION", "INSN", "KIND", "ACCESS", "OBJECT", "KERNEL");
            o.coreRelocations()
                    .forEach(c -> core.row(
                            c.section(),
                            c.instruction(),
                            c.kind(),
                            c.path() + " (" + c.access() + ")",
                            c.object(),
                            c.kernel() != null ? c.kernel() : "none: poisoned"));
            if (!core.isEmpty()) {
                section(sb, "CO-RE relocations", core);
            }
        } else if (!o.externs().isEmpty()) {
            Table externs = new Table("NAME", "KIND", "WEAK");
            for (ObjectReport.ExternOut e : o.externs()) {
                ObjectReport.Extern x = (ObjectReport.Extern) e;
                externs.row(x.name(), x.kind(), yes(x.weak()));
            }
            section(sb, "externs", externs);
        }
        return sb.toString();
    }

    private static void structOps(StringBuilder sb, ObjectReport.StructOpsOut v) {
        sb.append("  ").append(v.name());
        if (v.type() != null) {
            sb.append("  struct ").append(v.type());
        }
        sb.append("  section ")
                .append(v.section())
                .append(", ")
                .append(v.size())
                .append(" bytes")
                .append(v.link() ? ", link-based" : ", legacy (no link)")
                .append(v.optional() ? ", optional" : "")
                .append('\n');
        ObjectReport.KernelView k = v.kernel();
        if (k != null) {
            sb.append("    kernel: ");
            if (k.offered()) {
                sb.append("offers bpf_struct_ops_")
                        .append(v.type())
                        .append(" (")
                        .append(k.module())
                        .append(')');
                if (!k.rejectedMembers().isEmpty()) {
                    sb.append("; would reject the members it lacks that are set: ")
                            .append(String.join(", ", k.rejectedMembers()));
                }
                if (!k.ignoredMembers().isEmpty()) {
                    sb.append("; lacks unset members (ignored): ").append(String.join(", ", k.ignoredMembers()));
                }
            } else {
                sb.append("has no bpf_struct_ops_").append(v.type()).append(": this kernel cannot load it");
            }
            sb.append('\n');
        }
        Table members = new Table("OFFSET", "MEMBER", "KIND", "VALUE");
        for (ObjectReport.Member m : v.members()) {
            switch (m) {
                case ObjectReport.FunctionMember f ->
                    members.row("+" + f.offset(), f.name() == null ? "" : f.name(), "function", "-> " + f.program());
                case ObjectReport.DataMember d ->
                    members.row(
                            "+" + d.offset(), d.name() == null ? "" : d.name(), "data[" + d.size() + "]", d.value());
            }
        }
        members.appendTo(sb, "    ");
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

    private static String pairs(Map<String, Object> map) {
        StringBuilder sb = new StringBuilder();
        map.forEach((k, v) ->
                sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(v));
        return sb.toString();
    }

    private static String table(Table t, String indent) {
        StringBuilder sb = new StringBuilder();
        t.appendTo(sb, indent);
        return sb.toString();
    }
}
