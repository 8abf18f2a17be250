package io.structops.shell.internal;

import io.structops.shell.internal.MapCommands.MapDump;
import io.structops.shell.internal.MapCommands.MapList;
import io.structops.shell.internal.MapCommands.Stats;
import io.structops.shell.internal.StructOpsCommands.Dumped;
import io.structops.shell.internal.StructOpsCommands.Listed;
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
    private TextFormat() {
    }

    static String load(Load result) {
        StringBuilder sb = new StringBuilder();
        for (LoadedOut m : result.maps()) {
            sb.append("attached ").append(m.type()).append(' ').append(m.name()).append(" (map id ")
                    .append(m.mapId()).append(m.linkId() == null ? ", legacy: stays registered until unload"
                            : ", link id " + m.linkId()).append(m.pinned() == null ? "" : ", pinned at "
                            + m.pinned()).append(")\n");
        }
        return sb.toString();
    }

    static String swap(Swapped s, boolean gap) {
        return "swapped " + s.type() + " " + s.name() + ": map id " + s.previous().mapId() + " ("
                + s.previous().object() + ") -> " + s.current().mapId() + " (" + s.current().object() + ") on link id "
                + s.linkId() + ", " + (gap ? "detached then attached (the kernel cannot update " + s.type()
                        + " in place): none attached for " + s.gapMicros() + " us" : "no gap (link updated in place)")
                + ", " + s.tookMicros() + " us\n";
    }

    static String list(List<Listed> maps) {
        Table t = new Table("ID", "NAME", "TYPE", "LINK", "OWNED", "HANDLER", "STATUS");
        for (Listed m : maps) {
            t.row(m.id(), m.name(), m.type(), m.linkId() == null ? "-" : m.linkId(), m.owned() ? "yes" : "no",
                    !m.owned() ? "-" : m.handler() == null ? "unmanaged" : m.handler().bundle(),
                    m.status() == null || m.status().isEmpty() ? "-" : pairs(m.status()));
        }
        return t.isEmpty() ? "no struct_ops maps in the kernel\n" : table(t, "");
    }

    static String dump(Dumped d) {
        StringBuilder sb = new StringBuilder();
        sb.append(d.type()).append(' ').append(d.name()).append(" (map id ").append(d.id()).append(", ")
                .append(d.state()).append(")\n");
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
            t.row(m.id(), m.name(), m.kind(), m.keyType() == null ? m.keySize() + " bytes" : m.keyType(),
                    m.valueType() == null ? m.valueSize() + " bytes" : m.valueType(), m.maxEntries());
        }
        return t.isEmpty() ? "no maps\n" : table(t, "");
    }

    static String mapDump(MapDump dump) {
        boolean perCpu = dump.entries().stream().anyMatch(e -> e instanceof MapCommands.PerCpuEntry);
        Table t = perCpu ? new Table("KEY", "CPU", "VALUE") : new Table("KEY", "VALUE");
        for (MapCommands.DumpedEntry e : dump.entries()) {
            switch (e) {
                case MapCommands.Entry one -> t.row(Values.text(one.key()), Values.text(one.value()));
                case MapCommands.PerCpuEntry each -> each.values().forEach(v -> t.row(Values.text(each.key()),
                        v.cpu(), Values.text(v.value())));
            }
        }
        return dump.name() + " (map id " + dump.id() + ", " + dump.kind() + "): " + dump.entries().size()
                + " entries\n" + (t.isEmpty() ? "" : table(t, "  "));
    }

    static String stats(Stats stats) {
        Table t = new Table("MEMBER", "PROGRAM", "ID", "RUNS", "TIME (ns)", "AVERAGE (ns)");
        for (MapCommands.ProgramStats p : stats.programs()) {
            t.row(p.member(), p.name(), p.id(), p.runs(), p.runTimeNs(), p.runs() == 0 ? "-" : p.runTimeNs() / p.runs());
        }
        return stats.type() + " " + stats.name() + " (map id " + stats.id() + "), over " + stats.seconds() + " s:\n"
                + table(t, "  ");
    }

    private static String pairs(Map<String, Object> map) {
        StringBuilder sb = new StringBuilder();
        map.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(v));
        return sb.toString();
    }

    private static String table(Table t, String indent) {
        StringBuilder sb = new StringBuilder();
        t.appendTo(sb, indent);
        return sb.toString();
    }
}
